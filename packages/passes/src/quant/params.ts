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
 * TensorFlow widens it to at least ±HALF so that the scale is tiny but never zero. HALF is 1e-6 as a
 * float32 (the range's ends are float32 in TensorFlow's model): this reproduces what TensorFlow 2.21
 * writes for an activation whose range is [0, 0], scale 7.843137e-09 (2·fl(1e-6)/255) and zero point 0.
 */
export const NEAR_ZERO = 1e-6;
const HALF = Math.fround(1e-6);

/** TensorFlow's ExpandVerySmallRange. */
function expandSmall(min: number, max: number): [number, number] {
  return max - min > NEAR_ZERO ? [min, max] : [Math.min(min, -HALF), Math.max(max, HALF)];
}

/** A real scale (double) and the integer zero point derived from a range. */
export interface ExactParams {
  /** In double: what integer values are computed with. */
  scale: number;
  zeroPoint: number;
}

/**
 * Asymmetric int8 activation parameters from a calibrated range (ARITHMETIC.md): widened to include 0
 * (degenerate ranges widened further), scale = (max − min)/255 and zero point = −128 − min/scale rounded
 * half away from zero, clamped to [−128, 127], all in double.
 */
export function activationParams(min: number, max: number): ExactParams {
  const [lo, hi] = expandSmall(Math.min(min, 0), Math.max(max, 0));
  const scale = (hi - lo) / (INT8_MAX - INT8_MIN);
  const zp = INT8_MIN - lo / scale;
  const zeroPoint = zp < INT8_MIN ? INT8_MIN : zp > INT8_MAX ? INT8_MAX : roundHalfAway(zp);
  return { scale, zeroPoint: zeroPoint === 0 ? 0 : zeroPoint }; // no −0
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
