/**
 * The integer arithmetic TFLite's int8 kernels use (../shared/ARITHMETIC.md), exact in JavaScript
 * numbers: every intermediate stays below 2^53, so no BigInt on the hot path.
 */

export const fl = Math.fround;

/** Round half to even (what `lrintf` and XNNPACK's float→int conversions do in the default mode). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // half up
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Round half away from zero (C's `round`, TFLite's `TfLiteRound`). */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

const TWO31 = 2 ** 31;

/** frexp: x = q · 2^e with q ∈ [0.5, 1) (q = 0, e = 0 for x = 0). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  let e = Math.max(-1073, Math.floor(Math.log2(Math.abs(x))) + 1);
  let q = x * 2 ** -e;
  // log2 can be off by one ulp near powers of two: fix q into [0.5, 1).
  while (Math.abs(q) < 0.5) {
    q *= 2;
    e -= 1;
  }
  while (Math.abs(q) >= 1) {
    q /= 2;
    e += 1;
  }
  return [q, e];
}

/** A Q31 multiplier and a power-of-two exponent: m ≈ M · 2^(e − 31). */
export interface QuantizedMultiplier {
  M: number;
  e: number;
}

/** TFLite's QuantizeMultiplier (computed in double). */
export function quantizeMultiplier(m: number): QuantizedMultiplier {
  if (m === 0) return { M: 0, e: 0 };
  const [q, e0] = frexp(m);
  let e = e0;
  let M = roundHalfAway(q * TWO31);
  if (M === TWO31) {
    M /= 2;
    e += 1;
  }
  if (e < -31) return { M: 0, e: 0 };
  return { M, e };
}

/**
 * gemmlowp's SaturatingRoundingDoublingHighMul: (a·b + nudge) / 2^31 truncated toward zero, with
 * nudge = 2^30 for a·b ≥ 0 and 1 − 2^30 otherwise (ties go toward +∞), saturating INT32_MIN².
 * a·b can reach 2^62, so it is computed in 16-bit limbs to stay exact.
 */
export function srdhm(a: number, b: number): number {
  if (a === -TWO31 && b === -TWO31) return TWO31 - 1;
  const bh = Math.floor(b / 65536); // signed high limb
  const bl = b - bh * 65536; // [0, 65536)
  const p1 = a * bh; // |p1| < 2^47, exact
  const nudge = (a >= 0) === (b >= 0) || a === 0 || b === 0 ? 2 ** 30 : 1 - 2 ** 30;
  const r = a * bl + nudge; // |r| < 2^48, exact
  const rh = Math.floor(r / 65536);
  const rl = r - rh * 65536; // [0, 65536)
  const s = p1 + rh; // a·b + nudge = s·2^16 + rl
  const f = Math.floor(s / 32768); // floor((s·2^16 + rl) / 2^31)
  const exact = rl === 0 && s % 32768 === 0;
  return s < 0 && !exact ? f + 1 : f; // truncate toward zero
}

/** gemmlowp's RoundingDivideByPOT: x / 2^exponent, ties away from zero. */
export function roundingDivideByPot(x: number, exponent: number): number {
  if (exponent === 0) return x;
  const mask = 2 ** exponent - 1;
  const remainder = x - Math.floor(x / 2 ** exponent) * 2 ** exponent; // x & mask for two's complement
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return Math.floor(x / 2 ** exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite's MultiplyByQuantizedMultiplier: x · M · 2^(e − 31) with the reference kernels' double rounding. */
export function multiplyByQuantizedMultiplier(x: number, q: QuantizedMultiplier): number {
  const left = q.e > 0 ? q.e : 0;
  const right = q.e > 0 ? 0 : -q.e;
  return roundingDivideByPot(srdhm(x * 2 ** left, q.M), right);
}
