import { int, oneOf } from '@octet/ir';
import { definePass } from '../pass.ts';
import { quantizeGraphWeights } from '../quant/weights.ts';

export const quantizeDynamicRange = definePass({
  name: 'quantize-dynamic-range',
  summary: 'Dynamic-range quantization: int8 per-channel weights for tensors of at least 1024 elements, float activations (hybrid kernels)',
  description: `%y = fully_connected(%x : f32, %w : f32[64,128], %b : f32)  ==>  %y = fully_connected(%x : f32, %w' : i8[64,128] q(axis=0, [...]), %b : f32)
What TensorFlow's converter does with optimizations=[DEFAULT] and no representative dataset: weights
of conv_2d, depthwise_conv_2d and fully_connected quantized as quantize-weights does, when the tensor
has at least min-elements (1024) elements; smaller ones, biases and activations stay float32. TFLite
runs such ops with its hybrid kernels (inputs quantized on the fly).`,
  options: { 'min-elements': int(1024), dense: oneOf(['per-axis', 'per-tensor'], 'per-axis') },
  run(graph, ctx) {
    quantizeGraphWeights(graph, { denseSingleScale: ctx.options.dense === 'per-tensor', minElements: ctx.options['min-elements'] });
  },
});
