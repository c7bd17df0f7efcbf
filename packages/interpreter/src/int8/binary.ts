import { numElements, type Op } from '@octet/ir';
import type { KernelContext, KernelRun } from '../kernel.ts';
import { broadcastStrides, forEachOffset } from '../nd.ts';
import { fl, frexp, multiplyByQuantizedMultiplier, quantizeMultiplier, roundHalfEven } from './arith.ts';
import { activationBounds, perTensor, requireInt8, requireSameQuant, type TensorQuant } from './params.ts';

/** out[i] = f(a[ia], b[ib]) with NumPy broadcasting, f already clamped and offset. */
type Combine = (a: number, b: number) => number;

function broadcastRun(op: Op, f: Combine): KernelRun {
  const shape = op.outputs[0].type.shape;
  const [sa, sb] = [0, 1].map((k) => broadcastStrides(op.inputs[k].type.shape, shape));
  const n = numElements(shape);
  const same = numElements(op.inputs[0].type.shape) === n && numElements(op.inputs[1].type.shape) === n;
  return (ins, outs) => {
    const a = ins[0] as Int8Array;
    const b = ins[1] as Int8Array;
    const y = outs[0] as Int8Array;
    if (same) {
      for (let i = 0; i < n; i++) y[i] = f(a[i], b[i]);
    } else {
      forEachOffset(shape, sa, sb, (ia, ib, i) => {
        y[i] = f(a[ia], b[ib]);
      });
    }
  };
}

const MIN_ADD_RATIO = 2 ** -10;
const MIN_MUL_RATIO = 2 ** -16;
const MAX_RATIO = 256;

/**
 * Whether LiteRT hands an int8 ADD/SUB to XNNPACK: the delegate's CheckTensorsInputOutputScale
 * takes each fl(s_in/s_out) in [2⁻¹⁰, 256).
 */
export function addRunsOnXnnpack(a: TensorQuant, b: TensorQuant, out: TensorQuant): boolean {
  return [a, b].every((q) => {
    const r = fl(q.scale / out.scale);
    return r >= MIN_ADD_RATIO && r < MAX_RATIO;
  });
}

/** MUL: the delegate's CheckTensorsInputProductOutputScale takes fl(fl(s_a·s_b)/s_out) in [2⁻¹⁶, 256). */
export function mulRunsOnXnnpack(a: TensorQuant, b: TensorQuant, out: TensorQuant): boolean {
  const r = fl(fl(a.scale * b.scale) / out.scale);
  return r >= MIN_MUL_RATIO && r < MAX_RATIO;
}

/**
 * ADD / SUB (b negated). xnnpack: multipliers ma = lrintf(fl(s_a/s_out)·2^shift), mb likewise
 * (negative for SUB), shift = 20 − exponent of the larger ratio; one arithmetic shift, ties to +∞:
 * out = ((2^(shift−1) − ma·zp_a − mb·zp_b + ma·a + mb·b) >> shift) + zp_out.
 * reference (TFLite's Add/Sub): both inputs scaled by 2²⁰ and QM(s/2·max(s_a, s_b)), summed, then
 * QM(2·max/(2²⁰·s_out)), each an MBQM (SUB negates b's multiplier).
 */
function addSub(op: Op<'add' | 'sub'>, ctx: KernelContext, sign: 1 | -1): KernelRun {
  requireInt8(op);
  const qa = perTensor(op, op.inputs[0], 'operand a');
  const qb = perTensor(op, op.inputs[1], 'operand b');
  const qo = perTensor(op, op.outputs[0], 'result');
  const zo = qo.zeroPoint;
  if (ctx.arithmetic === 'xnnpack' && addRunsOnXnnpack(qa, qb, qo)) {
    const ra = fl(qa.scale / qo.scale);
    const rb = fl(qb.scale / qo.scale);
    const exponent = frexp(Math.max(ra, rb))[1] - 1; // max = m·2^exponent, m ∈ [1, 2)
    const shift = 20 - exponent;
    const ma = roundHalfEven(ra * 2 ** shift); // lrintf of an exact float32 product
    const mb = sign * roundHalfEven(rb * 2 ** shift);
    const bias = 2 ** (shift - 1) - ma * qa.zeroPoint - mb * qb.zeroPoint;
    const [lo, hi] = activationBounds(op.attrs.fused_activation, qo, 'xnnpack');
    const divisor = 2 ** shift;
    return broadcastRun(op, (a, b) => {
      const v = Math.floor((bias + ma * a + mb * b) / divisor) + zo;
      return v < lo ? lo : v > hi ? hi : v;
    });
  }
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const ma = quantizeMultiplier(qa.scale / twiceMax);
  const mbq = quantizeMultiplier(qb.scale / twiceMax);
  const mb = { M: sign * mbq.M, e: mbq.e };
  const mo = quantizeMultiplier(twiceMax / (2 ** 20 * qo.scale));
  const [lo, hi] = activationBounds(op.attrs.fused_activation, qo, 'builtin');
  const [za, zb] = [qa.zeroPoint, qb.zeroPoint];
  return broadcastRun(op, (a, b) => {
    const sum = multiplyByQuantizedMultiplier((a - za) * 2 ** 20, ma) + multiplyByQuantizedMultiplier((b - zb) * 2 ** 20, mb);
    const v = multiplyByQuantizedMultiplier(sum, mo) + zo;
    return v < lo ? lo : v > hi ? hi : v;
  });
}

export const addInt8 = (op: Op<'add'>, ctx: KernelContext): KernelRun => addSub(op, ctx, 1);
export const subInt8 = (op: Op<'sub'>, ctx: KernelContext): KernelRun => addSub(op, ctx, -1);

// Adding 1.5·2^23 in float32 rounds |y| < 2^22 to an integer, ties to even.
const MAGIC = 12582912;

/**
 * MUL: acc = (a − zp_a)(b − zp_b). xnnpack: out = even(fl(acc·s)) + zp_out with
 * s = fl(fl(s_a·s_b)/s_out), clamped in float first; reference: out = MBQM(acc, QM(s)) + zp_out
 * with the same float32 ratio (TFLite computes it on float scales).
 */
export function mulInt8(op: Op<'mul'>, ctx: KernelContext): KernelRun {
  requireInt8(op);
  const qa = perTensor(op, op.inputs[0], 'operand a');
  const qb = perTensor(op, op.inputs[1], 'operand b');
  const qo = perTensor(op, op.outputs[0], 'result');
  const [za, zb, zo] = [qa.zeroPoint, qb.zeroPoint, qo.zeroPoint];
  const s = fl(fl(qa.scale * qb.scale) / qo.scale);
  if (ctx.arithmetic === 'xnnpack' && mulRunsOnXnnpack(qa, qb, qo)) {
    const [lo, hi] = activationBounds(op.attrs.fused_activation, qo, 'xnnpack');
    const [loF, hiF] = [lo - zo, hi - zo];
    return broadcastRun(op, (a, b) => {
      let v = fl((a - za) * (b - zb) * s);
      v = v < loF ? loF : v > hiF ? hiF : v;
      return fl(v + MAGIC) - MAGIC + zo;
    });
  }
  const m = quantizeMultiplier(s);
  const [lo, hi] = activationBounds(op.attrs.fused_activation, qo, 'builtin');
  return broadcastRun(op, (a, b) => {
    const v = multiplyByQuantizedMultiplier((a - za) * (b - zb), m) + zo;
    return v < lo ? lo : v > hi ? hi : v;
  });
}

/** MINIMUM compares the raw int8 values (TFLite requantizes nothing), so all three tensors must share parameters. */
export function minimumInt8(op: Op<'minimum'>): KernelRun {
  requireInt8(op);
  const qo = perTensor(op, op.outputs[0], 'result');
  requireSameQuant(op, qo, perTensor(op, op.inputs[0], 'operand a'), 'operand a', 'result');
  requireSameQuant(op, qo, perTensor(op, op.inputs[1], 'operand b'), 'operand b', 'result');
  return broadcastRun(op, (a, b) => (a < b ? a : b));
}
