import type { QuantParams } from '@octet/ir';
import { nudge, roundHalfAway } from '@octet/interpreter';

/**
 * Quantization parameters as TensorFlow's converter chooses them (ARITHMETIC.md, "Calibration and
 * parameters"): computed in double, scales stored as float32.
 */

export const INT8_MIN = -128;
export const INT8_MAX = 127;
/** Symmetric weights use [−127, 127] (narrow range), so that −w is representable whenever w is. */
export const WEIGHT_MAX = 127;
const INT32_MAX = 2 ** 31 - 1;

/**
 * A range narrower than this is degenerate (a ReLU that never fired, an all-zero weight channel):
 * TensorFlow widens it to at least ±HALF so that the scale is tiny but never zero. The constants
 * reproduce what TensorFlow 2.21 writes: scale 2e-6/255 = 7.843137e-09 and zero point 0 for an
 * activation whose range is [0, 0].
 */
export const NEAR_ZERO = 1e-6;
const HALF = 1e-6;

/** TensorFlow's ExpandVerySmallRange. */
function expandSmall(min: number, max: number): [number, number] {
  return max - min > NEAR_ZERO ? [min, max] : [Math.min(min, -HALF), Math.max(max, HALF)];
}

/** A real scale (double) and the integer zero point TensorFlow derives from [min, max] over [qmin, qmax]. */
export interface ExactParams {
  /** In double: what integer values are computed with. */
  scale: number;
  zeroPoint: number;
}

/**
 * MLIR's getNudgedScaleAndZeroPoint: scale = (max − min)/(qmax − qmin); the zero point from whichever
 * end, min or max, carries the smaller rounding error, then rounded half away from zero and clamped.
 * (The two ends agree except near a tie: for the symmetric range [−1e-6, 1e-6] the max end gives 0.)
 */
export function nudgedParams(min: number, max: number, qmin: number, qmax: number): ExactParams {
  const scale = (max - min) / (qmax - qmin);
  const fromMin = qmin - min / scale;
  const fromMinError = Math.abs(qmin) + Math.abs(min / scale);
  const fromMax = qmax - max / scale;
  const fromMaxError = Math.abs(qmax) + Math.abs(max / scale);
  const zp = fromMinError < fromMaxError ? fromMin : fromMax;
  const zeroPoint = zp < qmin ? qmin : zp > qmax ? qmax : roundHalfAway(zp);
  return { scale, zeroPoint: zeroPoint === 0 ? 0 : zeroPoint }; // no −0
}

/** Asymmetric int8 activation parameters from a calibrated range: widened to include 0, degenerate ranges widened. */
export function activationParams(min: number, max: number): ExactParams {
  const [lo, hi] = expandSmall(Math.min(min, 0), Math.max(max, 0));
  return nudgedParams(lo, hi, INT8_MIN, INT8_MAX);
}

/** The stored form: float32 scale, one zero point, per tensor. */
export function perTensor(p: ExactParams): QuantParams {
  return { scale: [Math.fround(p.scale)], zeroPoint: [p.zeroPoint] };
}

/** Symmetric weight scale for a channel whose largest magnitude is `maxAbs`: max|w|/127 in double (degenerate channels widened). */
export function weightScale(maxAbs: number): number {
  const [lo, hi] = expandSmall(-maxAbs, maxAbs);
  return (hi - lo) / (2 * WEIGHT_MAX);
}

/** round(x/scale) + zp, half away from zero, clamped to [lo, hi]: how TensorFlow quantizes constants. */
export function quantizeValue(x: number, scale: number, zeroPoint: number, lo: number, hi: number): number {
  const q = roundHalfAway(x / scale + zeroPoint);
  return q < lo ? lo : q > hi ? hi : q;
}

/** TensorFlow keeps quantized biases within INT32_MAX/2, leaving room in the accumulator. */
export const BIAS_MAX = Math.floor(INT32_MAX / 2);

/**
 * The fixed output parameters of TFLite's int8 LOGISTIC, SOFTMAX (1/256, −128) and TANH (1/128, 0).
 */
export const FIXED_PARAMS = {
  logistic: { scale: 1 / 256, zeroPoint: -128 },
  softmax: { scale: 1 / 256, zeroPoint: -128 },
  tanh: { scale: 1 / 128, zeroPoint: 0 },
} as const;

/**
 * A fake_quant's range as int8 parameters: TensorFlow's FakeQuant nudging (float32, as the kernel
 * computes it) over levels [0, 2^bits − 1] ([1, …] with narrow_range), shifted by 2^(bits−1) to
 * signed storage. Dequantizing then gives exactly the levels the fake_quant op outputs.
 */
export function fakeQuantParams(min: number, max: number, numBits: number, narrowRange: boolean): QuantParams {
  const fmin = Math.fround(min);
  const fmax = Math.fround(max);
  if (fmin === 0 && fmax === 0) return perTensor(activationParams(0, 0));
  const quantMin = narrowRange ? 1 : 0;
  const quantMax = 2 ** numBits - 1;
  const n = nudge(fmin, fmax, quantMin, quantMax);
  const zeroPoint = n.zeroPoint - 2 ** (numBits - 1);
  return { scale: [n.scale], zeroPoint: [zeroPoint === 0 ? 0 : zeroPoint] };
}
