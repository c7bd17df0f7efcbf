import type { Op } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { fl, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, roundingDivideByPot, srdhm } from './arith.ts';
import { expOnNegativeValues, getReciprocal, rescale } from './gemmlowp.ts';
import { INT8_MAX, INT8_MIN, perTensor, requireInt8 } from './params.ts';

/**
 * int8 softmax over the last axis (output 1/256, −128 as TFLite requires). Never delegated to
 * XNNPACK; the two builtin kernels differ:
 * - xnnpack mode = builtin optimized (optimized_ops::Softmax with PopulateSoftmaxLookupTable):
 *   table[d] = expf(fl(fl(−s_in·β)·d)) for d = max − x; sum in float in input order;
 *   inv = fl(1 / fl(sum·s_out)); out = away(fl(table·inv)) + zp_out.
 * - reference = gemmlowp fixed point (reference_ops::Softmax): x − max scaled by β·s_in into Q5.26,
 *   exp on negative values, sum in Q12.19, reciprocal, rounding shift to 8 bits.
 */
export function softmaxInt8(op: Op<'softmax'>, ctx: KernelContext): KernelRun {
  requireInt8(op);
  const inQ = perTensor(op, op.inputs[0], 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  if (outQ.zeroPoint !== -128 || Math.abs(outQ.scale - 1 / 256) > 0.001 / 256) {
    throw new InterpreterError(`${opWhere(op)} result has scale ${outQ.scale} and zero point ${outQ.zeroPoint}: TFLite's int8 softmax needs 1/256 and −128`);
  }
  const shape = op.inputs[0].type.shape;
  const depth = shape.length ? shape[shape.length - 1] : 1;
  const beta = fl(op.attrs.beta);
  return ctx.arithmetic === 'xnnpack' ? optimizedSoftmax(depth, inQ.scale, beta, outQ.scale, outQ.zeroPoint) : referenceSoftmax(depth, inQ.scale, beta);
}

function optimizedSoftmax(depth: number, sIn: number, beta: number, sOut: number, zpOut: number): KernelRun {
  const scale = fl(-sIn * beta);
  const table = new Float64Array(256); // table[d] = e^(−s_in·β·d), d = max − x ∈ [0, 255]
  for (let d = 0; d < 256; d++) table[d] = fl(Math.exp(fl(scale * d)));
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const y = outs[0] as Int8Array;
    for (let base = 0; base < x.length; base += depth) {
      let max = INT8_MIN;
      for (let i = 0; i < depth; i++) if (x[base + i] > max) max = x[base + i];
      let sum = 0;
      for (let i = 0; i < depth; i++) sum = fl(sum + table[max - x[base + i]]);
      const inv = fl(1 / fl(sum * sOut));
      for (let i = 0; i < depth; i++) {
        const v = roundHalfAway(fl(table[max - x[base + i]] * inv)) + zpOut;
        y[base + i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
      }
    }
  };
}

const SCALED_DIFF_INTEGER_BITS = 5;
const ACCUMULATION_INTEGER_BITS = 12;

function referenceSoftmax(depth: number, sIn: number, beta: number): KernelRun {
  // PreprocessSoftmaxScaling: β·s_in·2^(31−5), capped, as a multiplier greater than one.
  const real = Math.min(beta * sIn * 2 ** (31 - SCALED_DIFF_INTEGER_BITS), 2 ** 31 - 1);
  const multiplier = quantizeMultiplier(real);
  // CalculateInputRadius(5, left_shift): differences below −radius contribute exp ≈ 0 and are skipped.
  const radius = Math.floor(((2 ** SCALED_DIFF_INTEGER_BITS - 1) * 2 ** (31 - SCALED_DIFF_INTEGER_BITS)) / 2 ** multiplier.e);
  const diffMin = -radius;
  const expOf = (diff: number) => expOnNegativeValues(multiplyByQuantizedMultiplier(diff, multiplier), SCALED_DIFF_INTEGER_BITS);
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const y = outs[0] as Int8Array;
    for (let base = 0; base < x.length; base += depth) {
      let max = INT8_MIN;
      for (let i = 0; i < depth; i++) if (x[base + i] > max) max = x[base + i];
      let sum = 0; // Q12.19
      for (let i = 0; i < depth; i++) {
        const diff = x[base + i] - max;
        if (diff >= diffMin) sum = (sum + rescale(expOf(diff), 0, ACCUMULATION_INTEGER_BITS)) | 0;
      }
      const { scale, bitsOverUnit } = getReciprocal(sum, ACCUMULATION_INTEGER_BITS);
      for (let i = 0; i < depth; i++) {
        const diff = x[base + i] - max;
        if (diff < diffMin) {
          y[base + i] = INT8_MIN;
          continue;
        }
        const unsat = roundingDivideByPot(srdhm(scale, expOf(diff)), bitsOverUnit + 31 - 8);
        const v = unsat + INT8_MIN;
        y[base + i] = v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v;
      }
    }
  };
}
