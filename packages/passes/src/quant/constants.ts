import { constant, OctetError, stridesOf, type QuantParams, type TensorType, type Value } from '@octet/ir';
import { activationParams, BIAS_MAX, INT8_MAX, INT8_MIN, perTensor, quantizeValue, WEIGHT_MAX, weightScale } from './params.ts';

/** Quantized constants: weights (int8 symmetric), biases (int32), other operands (int8 asymmetric). */

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** For each element, its channel along `axis` (0 for every element when per tensor). */
function channelIndex(shape: readonly number[], axis: number | undefined): (i: number) => number {
  if (axis === undefined) return () => 0;
  const inner = stridesOf(shape)[axis];
  const dim = shape[axis];
  return (i) => Math.floor(i / inner) % dim;
}

/**
 * int8 symmetric weights: per channel along `axis` (per tensor when undefined), scale = max|w|/127 in
 * double (stored float32), values round(w/scale) half away from zero, clamped to [−127, 127].
 */
export function quantizeWeightData(data: Float32Array, shape: readonly number[], axis: number | undefined): { data: Int8Array; quant: QuantParams } {
  const channels = axis === undefined ? 1 : shape[axis];
  const channel = channelIndex(shape, axis);
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    const c = channel(i);
    if (a > maxAbs[c]) maxAbs[c] = a; // NaN never wins
  }
  const scales = Array.from(maxAbs, weightScale);
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = quantizeValue(data[i], scales[channel(i)], 0, -WEIGHT_MAX, WEIGHT_MAX);
  return {
    data: out,
    quant: { scale: scales.map((s) => Math.fround(s)), zeroPoint: scales.map(() => 0), ...(axis !== undefined ? { axis } : {}) },
  };
}

/** Weights whose parameters are fixed already (a folded fake_quant): values round(w/scale) + zp, clamped to [−127, 127]. */
export function quantizeWithParams(data: Float32Array, shape: readonly number[], q: QuantParams, lo: number, hi: number): Int8Array {
  const channel = channelIndex(shape, q.axis);
  return Int8Array.from(data, (w, i) => quantizeValue(w, q.scale[channel(i)], q.zeroPoint[channel(i)], lo, hi));
}

/** The finite range of some values (NaN and infinities skipped); [0, 0] when none is finite. */
export function finiteRange(data: ArrayLike<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x < min && x > -Infinity) min = x;
    if (x > max && x < Infinity) max = x;
  }
  return min <= max ? [min, max] : [0, 0];
}

/** Parameters for a constant operand that is not a weight (TensorFlow quantizes it like an activation, from its own values). */
export function constantParams(data: ArrayLike<number>): QuantParams {
  const [min, max] = finiteRange(data);
  return perTensor(activationParams(min, max));
}

/** An int8 constant holding `v`'s values under parameters `q`; the name moves to it when `v` has one. */
export function int8Constant(v: Value, q: QuantParams): Value {
  const data = v.data as Float32Array;
  const type: TensorType = { dtype: 'int8', shape: [...v.type.shape], quant: q };
  return constant(type, quantizeWithParams(data, v.type.shape, q, INT8_MIN, INT8_MAX));
}

export interface QuantizedBias {
  bias: Value;
  /** Weight scales raised where the bias would not fit (TensorFlow's bias-scale adjustment), when any was. */
  weightScales?: number[];
}

/**
 * int32 bias: scale s_in·s_w[c] (float32 product of the stored scales), zero point 0, values
 * round(b/(s_in·s_w[c])). Where |b| / scale would exceed BIAS_MAX (a tiny weight scale, such as an
 * all-zero channel's), TensorFlow raises the bias scale to |b|/BIAS_MAX and the weight scale to match:
 * s_w[c] = |b|/BIAS_MAX/s_in. The bias scale stays s_in·s_w[c] exactly, as the int8 spec requires.
 */
export function quantizeBias(b: Float32Array, inputScale: number, weightQuant: QuantParams): QuantizedBias {
  const perAxis = weightQuant.axis !== undefined;
  const ws = [...weightQuant.scale];
  if (!perAxis && ws.length !== 1) throw new OctetError(`bias: per-tensor weights must have one scale, got ${ws.length}`);
  const channels = b.length;
  if (perAxis && ws.length !== channels) throw new OctetError(`bias of ${channels} channels for weights with ${ws.length} scales`);
  let adjusted = false;
  if (perAxis) {
    for (let c = 0; c < channels; c++) {
      const abs = Math.abs(b[c]);
      if (abs / (inputScale * ws[c]) > BIAS_MAX) {
        ws[c] = Math.fround(abs / BIAS_MAX / inputScale);
        adjusted = true;
      }
    }
  } else {
    const half = Math.max(...Array.from(b, (x) => Math.abs(x)).filter((x) => x === x), 0);
    if (half / (inputScale * ws[0]) > BIAS_MAX) {
      ws[0] = Math.fround(half / BIAS_MAX / inputScale);
      adjusted = true;
    }
  }
  const exact = ws.map((s) => inputScale * s);
  const data = Int32Array.from(b, (x, c) => quantizeValue(x, exact[perAxis ? c : 0], 0, INT32_MIN, INT32_MAX));
  const quant: QuantParams = perAxis ? { scale: exact.map((s) => Math.fround(s)), zeroPoint: exact.map(() => 0), axis: 0 } : { scale: [Math.fround(exact[0])], zeroPoint: [0] };
  const bias = constant({ dtype: 'int32', shape: [channels], quant }, data);
  return adjusted ? { bias, weightScales: ws } : { bias };
}

/**
 * Weights re-expressed under larger scales (after a bias-scale adjustment): q′ = round(q·s/s′).
 * Exact for the all-zero channels that cause the adjustment; elsewhere within one step of the float weights.
 */
export function rescaleWeights(w: Value, scales: number[]): Value {
  const q = w.type.quant!;
  const channel = channelIndex(w.type.shape, q.axis);
  const src = w.data as Int8Array;
  const data = Int8Array.from(src, (x, i) => {
    const c = channel(i);
    return quantizeValue(x * q.scale[c], scales[c], 0, -WEIGHT_MAX, WEIGHT_MAX);
  });
  return constant({ dtype: 'int8', shape: [...w.type.shape], quant: { ...q, scale: [...scales] } }, data);
}

/** Gives `to` the name of `from` (unless `to` is named), and takes it from `from` when nothing reads `from` any more. */
export function moveName(from: Value, to: Value, stillUsed: boolean): void {
  if (from.name === undefined || to.name !== undefined) return;
  if (stillUsed) return;
  to.name = from.name;
  delete from.name;
}
