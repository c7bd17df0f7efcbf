import { normalizeAxis, numElements, stridesOf, type Op } from '@octet/ir';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { forEachOffset } from '../nd.ts';
import { fl, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, roundHalfEven } from './arith.ts';
import { INT8_MAX, INT8_MIN, perTensor, requireInt8, type TensorQuant } from './params.ts';

/**
 * int8 MEAN. Every path first sums the raw int8 values of each output's group (S, N values);
 * they differ in how S becomes the output:
 * - `xnnpack` (LiteRT runs every int8 MEAN on XNNPACK — any axes, any rank, checked against LiteRT
 *   with ties): s′ = fl(fl(s_in/s_out)·fl(1/N)), z′ = fl(zp_out − fl(fl(N·zp_in)·s′)),
 *   out = even(fl(fl(S)·s′ + z′)). (ARITHMETIC.md says half away; LiteRT rounds ties to even.)
 * - reference mode, TFLite's EvalMeanReferenceOps:
 *   `integer` (reference_integer_ops::Mean: 4-D input, axes {1, 2}, keep_dims): M, e = QM(s_in/s_out);
 *   k = min(⌊log₂N⌋, 32, 31 + e); M′ = ⌊M·2^k / N⌋; out = MBQM(S − zp_in·N, M′, e − k) + zp_out;
 *   `truncate` (reference_ops::Mean, same parameters in and out): out = trunc(S / N);
 *   `float` (reference_ops::QuantizedMeanOrSum): r = fl(s_in/s_out), b = fl(−zp_in·r),
 *   out = away(fl(fl(fl(S)/N)·r + b)) + zp_out.
 * All clamp to [−128, 127].
 */
type MeanPath = 'xnnpack' | 'integer' | 'truncate' | 'float';

function meanPath(op: Op<'mean'>, ctx: KernelContext, inQ: TensorQuant, outQ: TensorQuant): MeanPath {
  if (ctx.arithmetic === 'xnnpack') return 'xnnpack';
  const shape = op.inputs[0].type.shape;
  const axes = new Set(op.attrs.axes.map((a) => normalizeAxis(a, shape.length)));
  const spatial = shape.length === 4 && axes.size === 2 && axes.has(1) && axes.has(2);
  if (spatial && op.attrs.keep_dims) return 'integer';
  return inQ.scale === outQ.scale && inQ.zeroPoint === outQ.zeroPoint ? 'truncate' : 'float';
}

/** S (one sum per output) → the int8 outputs. */
type Finish = (sum: Float64Array, y: Int8Array) => void;

function finisher(path: MeanPath, n: number, inQ: TensorQuant, outQ: TensorQuant): Finish {
  const clamp = (v: number) => (v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v);
  switch (path) {
    case 'xnnpack': {
      const s = fl(fl(inQ.scale / outQ.scale) * fl(1 / n));
      const z = fl(outQ.zeroPoint - fl(fl(n * inQ.zeroPoint) * s));
      return (sum, y) => {
        for (let j = 0; j < sum.length; j++) y[j] = clamp(roundHalfEven(fl(fl(fl(sum[j]) * s) + z)));
      };
    }
    case 'integer': {
      const { M, e } = quantizeMultiplier(inQ.scale / outQ.scale);
      const k = Math.min(Math.floor(Math.log2(n)), 32, 31 + e);
      const q = { M: Number((BigInt(M) << BigInt(k)) / BigInt(n)), e: e - k };
      const offset = inQ.zeroPoint * n;
      return (sum, y) => {
        for (let j = 0; j < sum.length; j++) y[j] = clamp(multiplyByQuantizedMultiplier(sum[j] - offset, q) + outQ.zeroPoint);
      };
    }
    case 'truncate':
      return (sum, y) => {
        for (let j = 0; j < sum.length; j++) y[j] = clamp(Math.trunc(sum[j] / n));
      };
    case 'float': {
      const r = fl(inQ.scale / outQ.scale);
      const b = fl(-inQ.zeroPoint * r);
      const fn = fl(n);
      return (sum, y) => {
        for (let j = 0; j < sum.length; j++) y[j] = clamp(roundHalfAway(fl(fl(fl(fl(sum[j]) / fn) * r) + b)) + outQ.zeroPoint);
      };
    }
  }
}

export function meanInt8(op: Op<'mean'>, ctx: KernelContext): KernelRun {
  requireInt8(op);
  const inQ = perTensor(op, op.inputs[0], 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  const shape = op.inputs[0].type.shape;
  const reduced = new Set(op.attrs.axes.map((a) => normalizeAxis(a, shape.length)));
  const kept = shape.filter((_, i) => !reduced.has(i));
  const keptStrides = stridesOf(kept);
  let k = 0;
  // Strides into the output for each input dimension: 0 along the reduced axes.
  const toOutput = shape.map((_, i) => (reduced.has(i) ? 0 : keptStrides[k++]));
  const ones = shape.map(() => 1);
  const n = numElements(shape) / numElements(kept);
  const sums = new Float64Array(numElements(kept));
  const finish = finisher(meanPath(op, ctx, inQ, outQ), n, inQ, outQ);
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    sums.fill(0);
    forEachOffset(shape, toOutput, ones, (j, _, i) => {
      sums[j] += x[i];
    });
    finish(sums, outs[0] as Int8Array);
  };
}
