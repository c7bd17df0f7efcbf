import type { Op } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { fl, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfAway, roundHalfEven } from './arith.ts';
import { INT8_MAX, INT8_MIN, perTensor, requireInt8, type TensorQuant } from './params.ts';

/** y = table[x + 128]: every int8 → int8 function of one value is a 256-entry table. */
function lookup(table: Int8Array): KernelRun {
  return (ins, outs) => {
    const x = ins[0] as Int8Array;
    const y = outs[0] as Int8Array;
    for (let i = 0; i < x.length; i++) y[i] = table[x[i] + 128];
  };
}

const clamp8 = (v: number) => (v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v);

/**
 * TFLite's QuantizedReluX (both modes): out = zp_out + MBQM(x − zp_in, QM(fl(s_in/s_out))), clamped
 * to [max(−128, zp_out + away(fl(lo/s_out))), min(127, zp_out + away(fl(hi/s_out)))] (an infinite
 * hi keeps 127). The multiplier comes from the float32 ratio, as ReluPrepare divides float scales.
 */
function reluX(op: Op<'relu' | 'relu6'>, lo: number, hi: number): KernelRun {
  requireInt8(op);
  const inQ = perTensor(op, op.inputs[0], 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  const m = quantizeMultiplier(fl(inQ.scale / outQ.scale));
  const qLo = Math.max(INT8_MIN, outQ.zeroPoint + roundHalfAway(fl(lo / outQ.scale)));
  const qHi = hi === Infinity ? INT8_MAX : Math.min(INT8_MAX, outQ.zeroPoint + roundHalfAway(fl(hi / outQ.scale)));
  const table = new Int8Array(256);
  for (let q = INT8_MIN; q <= INT8_MAX; q++) {
    const v = outQ.zeroPoint + multiplyByQuantizedMultiplier(q - inQ.zeroPoint, m);
    table[q + 128] = v < qLo ? qLo : v > qHi ? qHi : v;
  }
  return lookup(table);
}

export const reluInt8 = (op: Op<'relu'>): KernelRun => reluX(op, 0, Infinity);
export const relu6Int8 = (op: Op<'relu6'>): KernelRun => reluX(op, 0, 6);

/**
 * LOGISTIC / TANH: a table over the 256 inputs, x = fl(s_in·(q − zp_in)).
 * - xnnpack (XNNPACK's table, checked entry by entry against LiteRT on 200k entries): y = f(x)
 *   evaluated in double and rounded to float32; entry = even(fl(fl(y·fl(1/s_out)) + zp_out)).
 * - reference (TFLite's PopulateLookupTable): y = f(x) in float32 ops (`1.0f / (1.0f + std::exp(-x))`,
 *   `std::tanh`); entry = away(fl(y·fl(1/s_out))) + zp_out.
 * Both clamped. Output parameters are fixed by TFLite's spec (1/256, −128 and 1/128, 0).
 */
type Entry = (x: number) => number;

function tableOp(op: Op<'logistic' | 'tanh'>, ctx: KernelContext, f: { xnnpack: Entry; reference: Entry }, fixed: TensorQuant): KernelRun {
  requireInt8(op);
  const inQ = perTensor(op, op.inputs[0], 'input');
  const outQ = perTensor(op, op.outputs[0], 'result');
  if (outQ.scale !== fixed.scale || outQ.zeroPoint !== fixed.zeroPoint) {
    throw new InterpreterError(`${opWhere(op)} result has scale ${outQ.scale} and zero point ${outQ.zeroPoint}: TFLite's int8 ${op.kind} needs ${fixed.scale} and ${fixed.zeroPoint}`);
  }
  const inverse = fl(1 / outQ.scale);
  const table = new Int8Array(256);
  for (let q = INT8_MIN; q <= INT8_MAX; q++) {
    const x = fl(inQ.scale * (q - inQ.zeroPoint));
    const v =
      ctx.arithmetic === 'xnnpack'
        ? roundHalfEven(fl(fl(f.xnnpack(x) * inverse) + outQ.zeroPoint))
        : roundHalfAway(fl(f.reference(x) * inverse)) + outQ.zeroPoint;
    table[q + 128] = clamp8(v);
  }
  return lookup(table);
}

/** 1/(1 + e^(−x)) in float32 operations, as TFLite's `1.0f / (1.0f + std::exp(-x))` (expf taken correctly rounded). */
export const sigmoidF32 = (x: number): number => fl(1 / fl(1 + fl(Math.exp(-x))));
/** 1/(1 + e^(−x)) in double, rounded once to float32 (XNNPACK's table). */
export const sigmoidF64 = (x: number): number => fl(1 / (1 + Math.exp(-x)));
export const tanhF32 = (x: number): number => fl(Math.tanh(x));

export const logisticInt8 = (op: Op<'logistic'>, ctx: KernelContext): KernelRun =>
  tableOp(op, ctx, { xnnpack: sigmoidF64, reference: sigmoidF32 }, { scale: 1 / 256, zeroPoint: -128 });
export const tanhInt8 = (op: Op<'tanh'>, ctx: KernelContext): KernelRun => tableOp(op, ctx, { xnnpack: tanhF32, reference: tanhF32 }, { scale: 1 / 128, zeroPoint: 0 });
