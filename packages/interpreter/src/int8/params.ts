import type { Activation, DType, Op, Value } from '@octet/ir';
import { InterpreterError, opWhere } from '../errors.ts';
import { requireDtypes } from '../kernel.ts';
import { fl, roundHalfAway, roundHalfEven } from './arith.ts';

/** Quantization parameters of one per-tensor quantized value, the scale as the float32 TFLite stores. */
export interface TensorQuant {
  scale: number;
  zeroPoint: number;
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/** The stored range of each integer dtype a kernel can write. */
export const INTEGER_RANGE: { readonly [D in DType]?: readonly [number, number] } = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
};

/** The per-tensor (scale, zero point) of `v`; throws when it has none or has several (per-axis). */
export function perTensor(op: Op, v: Value, what: string): TensorQuant {
  const q = v.type.quant;
  if (!q) throw new InterpreterError(`${opWhere(op)} ${what} is ${v.type.dtype} without quantization parameters: give the tensor a scale and zero point`);
  if (q.axis !== undefined || q.scale.length !== 1 || q.zeroPoint.length !== 1) {
    throw new InterpreterError(`${opWhere(op)} ${what} is quantized per axis: activations take one scale and one zero point`);
  }
  const scale = fl(q.scale[0]);
  if (!(scale > 0) || !Number.isFinite(scale)) throw new InterpreterError(`${opWhere(op)} ${what} has scale ${q.scale[0]}: scales must be positive and finite`);
  return { scale, zeroPoint: q.zeroPoint[0] };
}

/** int8 activations everywhere (bias operands aside): the int8 kernels refuse anything else rather than misread it. */
export function requireInt8(op: Op, extra: readonly DType[] = []): void {
  requireDtypes(op, 'int8', ['int8', ...extra]);
}

/** Throws unless `a` and `b` carry the same parameters (the same-scale ops of TFLite's int8 spec). */
export function requireSameQuant(op: Op, a: TensorQuant, b: TensorQuant, what: string, reference = 'input'): void {
  if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint) {
    throw new InterpreterError(
      `${opWhere(op)} ${what} has scale ${b.scale} and zero point ${b.zeroPoint}, its ${reference} ${a.scale} and ${a.zeroPoint}: TFLite's int8 kernel needs them equal; give both the same parameters`,
    );
  }
}

/** The real interval a fused activation keeps (TFLite's ActivationFunctionWithMinMax). */
const ACTIVATION_INTERVAL: { readonly [A in Activation]: readonly [number, number] } = {
  none: [-Infinity, Infinity],
  relu: [0, Infinity],
  relu6: [0, 6],
  relu_n1_to_1: [-1, 1],
};

/**
 * Which formula turns a fused activation into integer bounds: `xnnpack` (the delegate's
 * QuantizeInt8: `lrintf(clamp(fl(fl(bound/s) + zp), −128, 127))`) or `builtin` (TFLite's
 * CalculateActivationRangeQuantized, shared by the reference and the builtin optimized kernels:
 * `zp + away(fl(bound/s))`, clamped). They differ where fl(bound/s) is a tie or is large.
 */
export type BoundsFormula = 'xnnpack' | 'builtin';

export function activationBounds(act: Activation, out: TensorQuant, formula: BoundsFormula): [lo: number, hi: number] {
  const [lo, hi] = ACTIVATION_INTERVAL[act];
  if (formula === 'xnnpack') return [quantizeBoundXnnpack(lo, out), quantizeBoundXnnpack(hi, out)];
  // CalculateActivationRangeQuantizedImpl: an infinite end keeps the dtype's limit.
  const q = (f: number) => out.zeroPoint + roundHalfAway(fl(f / out.scale));
  return [lo === -Infinity ? INT8_MIN : Math.max(INT8_MIN, q(lo)), hi === Infinity ? INT8_MAX : Math.min(INT8_MAX, q(hi))];
}

function quantizeBoundXnnpack(bound: number, out: TensorQuant): number {
  const v = fl(fl(bound / out.scale) + out.zeroPoint);
  return roundHalfEven(v < INT8_MIN ? INT8_MIN : v > INT8_MAX ? INT8_MAX : v);
}

/** float32 scales of a per-axis (or per-tensor, broadcast) quantized weight, one per output channel. */
export function channelScales(op: Op, w: Value, axis: number, channels: number): Float64Array {
  const q = w.type.quant;
  if (!q) throw new InterpreterError(`${opWhere(op)} weights are ${w.type.dtype} without quantization parameters: quantize them per axis (symmetric, zero point 0)`);
  const perAxis = q.scale.length > 1 || q.axis !== undefined;
  if (perAxis && (q.axis !== axis || q.scale.length !== channels)) {
    throw new InterpreterError(`${opWhere(op)} weights are quantized along axis ${q.axis} with ${q.scale.length} scales: TFLite expects axis ${axis} with ${channels} (one per output channel)`);
  }
  if (q.zeroPoint.some((z) => z !== 0)) throw new InterpreterError(`${opWhere(op)} weights have a non-zero zero point: int8 weights are symmetric (zero point 0)`);
  const out = new Float64Array(channels);
  for (let c = 0; c < channels; c++) out[c] = fl(q.scale[perAxis ? c : 0]);
  return out;
}
