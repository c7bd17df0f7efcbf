import { oneOf } from '@octet/ir';
import { definePass } from '../pass.ts';
import { quantizeGraphWeights } from '../quant/weights.ts';

export const quantizeWeights = definePass({
  name: 'quantize-weights',
  summary: 'Quantize the constant weights of conv_2d, depthwise_conv_2d and fully_connected to int8, symmetric, per output channel',
  description: `%y = conv_2d(%x, %w : f32[O,H,W,I], %b)  ==>  %y = conv_2d(%x, %w' : i8[O,H,W,I] q(axis=0, [s₀, …]), %b)
scale s_c = max|w_c|/127 (double, stored as float32), w' = round(w/s_c) clamped to [−127, 127], zero point 0.
Channels: dim 0 for conv_2d and fully_connected, dim 3 for depthwise_conv_2d; option dense=per-tensor
gives fully_connected one scale (what microcontroller runtimes need). An all-zero channel gets
TensorFlow's tiny scale (range widened to ±1e-6: 2·1e-6/254), never 0. Activations stay as they are: run quantize-activations next
for int8, or use the result as is for hybrid (float activations) kernels.`,
  options: { dense: oneOf(['per-axis', 'per-tensor'], 'per-axis') },
  run(graph, ctx) {
    quantizeGraphWeights(graph, { denseSingleScale: ctx.options.dense === 'per-tensor', minElements: 0 });
  },
});
