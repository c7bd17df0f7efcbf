import { constant, DiagnosticError, OctetError, isUnsupported, oneOf, type AnyOp, type Diagnostic, type Graph, type Unsupported, type Value } from '@octet/ir';
import { definePass } from '../pass.ts';
import { describeOp } from '../rewriter.ts';
import { moveName } from '../quant/constants.ts';
import { INT8_SUPPORT, type Int8Rule } from '../quant/int8-support.ts';
import { quantizeOne, weightAxis } from '../quant/weights.ts';

/**
 * The mean error int8 weights add to each output channel, Σ (ŵ − w)·E[x], where ŵ is the weight
 * quantize-weights will store (dequantized) and E[x] the calibration mean of the input channel
 * the weight reads. Filters are laid out with the input channel innermost: OHWI for conv_2d,
 * [1, H, W, C·M] for depthwise_conv_2d (output channel c reads input channel ⌊c/M⌋), [O, I] for
 * fully_connected.
 */
function meanError(op: AnyOp, w: Value, q: Value, means: Float64Array): Float64Array {
  const f = w.data as Float32Array;
  const i8 = q.data as Int8Array;
  const { scale, axis } = q.type.quant!;
  const shape = w.type.shape;
  if (op.kind === 'depthwise_conv_2d') {
    const channels = shape[3];
    const multiplier = channels / means.length;
    const err = new Float64Array(channels);
    for (let i = 0; i < f.length; i++) {
      const c = i % channels;
      err[c] += (i8[i] * scale[axis === undefined ? 0 : c] - f[i]) * means[Math.floor(c / multiplier)];
    }
    return err;
  }
  const outC = shape[0];
  const inner = f.length / outC;
  const err = new Float64Array(outC);
  for (let o = 0; o < outC; o++) {
    const s = scale[axis === undefined ? 0 : o];
    let e = 0;
    for (let k = 0; k < inner; k++) e += (i8[o * inner + k] * s - f[o * inner + k]) * means[k % means.length] /* OHWI or [O, I]: input channel innermost */;
    err[o] = e;
  }
  return err;
}

/** How many channel means `op` reads: the filter's input channels (OHWI, [1,H,W,C·M]) or the dense weights' inner size. */
function inputChannels(op: AnyOp): number {
  const shape = op.inputs[1].type.shape;
  if (op.kind === 'depthwise_conv_2d') return shape[3] / (op.attrs as { depth_multiplier: number }).depth_multiplier;
  return shape[shape.length - 1];
}

export const correctBias = definePass({
  name: 'correct-bias',
  summary: 'Subtract from each weighted op’s float bias the mean error its int8 weights will make on the calibration data (bias correction)',
  description: `%y = conv_2d(%x, %w : f32, %b : f32)  ==>  %y = conv_2d(%x, %w, %b' : f32),  b'[o] = b[o] − Σ (ŵ − w)[o, …, i] · E[x_i]
Rounding weights to int8 moves each output channel by Σ (ŵ − w)·x; over the calibration data its mean
is Σ (ŵ − w)·E[x], with ŵ the dequantized weight quantize-weights will store and E[x_i] the mean of
input channel i that calibrate records. Where a channel's weights nearly cancel (a depthwise edge
filter), that mean is a large, coherent offset which global pooling passes on undiminished; moving it
into the bias removes it (Nagel et al. 2019, "Data-free quantization", §4.2, with empirical means).
Runs after calibrate{channel-means=true} and before quantize-weights (whose rounding it reproduces: give it the same dense
option); an op without a bias gets one. Beyond TensorFlow's converter, which leaves biases as trained.`,
  options: { dense: oneOf(['per-axis', 'per-tensor'], 'per-axis') },
  run(graph, ctx) {
    const means = ctx.analyses?.statistics?.channelMeans;
    if (!means) throw new OctetError(`correct-bias needs the calibration's channel means: run calibrate{channel-means=true} before it in the same pipeline`);
    const problems: Diagnostic[] = [];
    for (const op of graph.ops) {
      const rule: Int8Rule | Unsupported = INT8_SUPPORT[op.kind];
      if (isUnsupported(rule) || !rule.weights || rule.bias === undefined) continue;
      const w = op.inputs[rule.weights.operand];
      const m = means.get(op.inputs[0]);
      if (!m || m.length !== inputChannels(op) || !w || w.type.dtype !== 'float32' || !(w.data instanceof Float32Array)) continue;
      const q = quantizeOne(op, w, weightAxis(op, rule.weights.axis, ctx.options.dense === 'per-tensor'));
      if (typeof q === 'string') {
        problems.push({ op, message: q });
        continue;
      }
      const err = meanError(op, w, q, m);
      correct(graph, op, rule.bias, err);
    }
    if (problems.length) throw new DiagnosticError(problems);
  },
});

/** The bias operand minus `err` (a new constant; the old one stays for its other users). */
function correct(graph: Graph, op: AnyOp, index: number, err: Float64Array): void {
  const b = op.inputs[index] as Value | undefined;
  if (b && (b.type.dtype !== 'float32' || !(b.data instanceof Float32Array))) {
    throw new DiagnosticError([{ op, message: `${describeOp(op)} has a ${b.data ? b.type.dtype : 'computed'} bias: correct-bias adjusts constant float32 biases; run it before quantize-activations` }]);
  }
  const data = Float32Array.from(err, (e, c) => (b ? (b.data as Float32Array)[c] : 0) - e);
  const nb = constant({ dtype: 'float32', shape: [err.length] }, data);
  const inputs = [...op.inputs];
  inputs[index] = nb;
  op.inputs = inputs;
  if (b) moveName(b, nb, graph.useCount(b) > 0);
}
