/**
 * The gemmlowp fixed-point functions TFLite's reference int8 softmax uses (fixedpoint.h), written
 * on raw int32 values. A FixedPoint<int32, I> holds raw/2^(31−I); the product of an I1 and an I2
 * value is an (I1+I2) value with raw = SRDHM(a, b). Additions wrap like int32 in C.
 */
import { roundingDivideByPot, srdhm } from './arith.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

const wrap = (x: number): number => x | 0;

/** SaturatingRoundingMultiplyByPOT<exponent>: a saturating left shift, or a rounding right shift. */
export function saturatingRoundingMultiplyByPot(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPot(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** exponent;
}

/** Rescale<dst>(FixedPoint<src>): the same real value with dst integer bits. */
export const rescale = (raw: number, srcIntegerBits: number, dstIntegerBits: number): number =>
  saturatingRoundingMultiplyByPot(raw, srcIntegerBits - dstIntegerBits);

/** RoundingHalfSum: (a + b) / 2 rounded half away from zero, in int64. */
function roundingHalfSum(a: number, b: number): number {
  const sum = a + b;
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// Q0.31 constants of gemmlowp (GEMMLOWP_CHECKED_FIXEDPOINT_CONSTANT).
const EXP_MINUS_ONE_EIGHTH = 1895147668; // exp(−1/8)
const ONE_THIRD = 715827883;
const ONE_Q0 = INT32_MAX; // FixedPoint<int32, 0>::One() saturates

/** exp(a) for a ∈ [−1/4, 0), a and the result in Q0.31. */
function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const x = wrap(a + (1 << 28)); // a + 1/8
  const x2 = srdhm(x, x);
  const x3 = srdhm(x2, x);
  const x4 = srdhm(x2, x2);
  const x4Over4 = saturatingRoundingMultiplyByPot(x4, -2);
  const poly = saturatingRoundingMultiplyByPot(wrap(srdhm(wrap(x4Over4 + x3), ONE_THIRD) + x2), -1);
  return wrap(EXP_MINUS_ONE_EIGHTH + srdhm(EXP_MINUS_ONE_EIGHTH, wrap(x + poly)));
}

// exp(−2^k) in Q0.31, for the barrel shifter, k = −2 … 4.
const BARREL: readonly [exponent: number, multiplier: number][] = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/** exp(a) for a ≤ 0 given with `integerBits` integer bits; the result in Q0.31. */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 1 << (fractionalBits - 2);
  const mask = oneQuarter - 1;
  const aModQuarterMinusOneQuarter = wrap((a & mask) - oneQuarter);
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusOneQuarter, integerBits, 0));
  const remainder = wrap(aModQuarterMinusOneQuarter - a);
  for (const [exponent, multiplier] of BARREL) {
    if (integerBits > exponent) {
      const shift = fractionalBits + exponent;
      if (remainder & (1 << shift)) result = srdhm(result, multiplier);
    }
  }
  if (integerBits > 5) {
    const clampB = 36 - integerBits;
    if (a < -(2 ** clampB)) result = 0; // below −32: exp rounds to 0
  }
  return a === 0 ? ONE_Q0 : result;
}

/** 1 / (1 + x) for x ∈ [0, 1), x and the result in Q0.31 (Newton–Raphson, three steps). */
export function oneOverOnePlusXForXIn01(a: number): number {
  const halfDenominator = roundingHalfSum(a, ONE_Q0); // Q0.31
  const c48Over17 = 1515870810; // Q2.29
  const cNeg32Over17 = -1010580540; // Q2.29
  const oneQ2 = 1 << 29;
  let x = wrap(c48Over17 + srdhm(halfDenominator, cNeg32Over17)); // Q2.29
  for (let i = 0; i < 3; i++) {
    const halfDenominatorTimesX = srdhm(halfDenominator, x); // Q2.29
    const oneMinus = wrap(oneQ2 - halfDenominatorTimesX);
    x = wrap(x + rescale(srdhm(x, oneMinus), 4, 2)); // Q4.27 → Q2.29
  }
  // ExactMulByPot<−1> reinterprets the Q2.29 raw as Q1.30; Rescale<0> shifts it into Q0.31.
  return rescale(x, 1, 0);
}

/** TFLite's GetReciprocal: 1/x for x in Q(integerDigits).(31−integerDigits), as a Q0.31 scale and a count of bits over unit. */
export function getReciprocal(x: number, integerDigits: number): { scale: number; bitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const bitsOverUnit = integerDigits - headroomPlusOne;
  const shiftedSumMinusOne = wrap(((x << headroomPlusOne) >>> 0) - 2 ** 31);
  return { scale: oneOverOnePlusXForXIn01(shiftedSumMinusOne), bitsOverUnit };
}
