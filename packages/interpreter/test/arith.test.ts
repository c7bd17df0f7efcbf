import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  frexp,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfAway,
  roundHalfEven,
  roundingDivideByPot,
  srdhm,
} from '../src/int8/arith.ts';

// Oracles: the C++ formulas written out in BigInt, literally.
function srdhmBig(a: number, b: number): number {
  if (a === -(2 ** 31) && b === -(2 ** 31)) return 2 ** 31 - 1;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C++ does
}
function rdbpBig(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const remainder = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (remainder > threshold ? 1n : 0n));
}

const SEED = 20261125;
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

describe(`int8 arithmetic helpers (seed ${SEED})`, () => {
  it('srdhm equals the int64 formula on random and extreme operands', () => {
    fc.assert(fc.property(int32, int32, (a, b) => srdhm(a, b) === srdhmBig(a, b)), { seed: SEED, numRuns: 20000 });
    const edges = [-(2 ** 31), -(2 ** 31) + 1, -65536, -65535, -1, 0, 1, 32767, 32768, 65535, 65536, 2 ** 30, 2 ** 31 - 1];
    for (const a of edges) for (const b of edges) expect(srdhm(a, b)).toBe(srdhmBig(a, b));
  });

  it('srdhm ties: +0.5 rounds up, −0.5 rounds toward zero (the nudge is asymmetric)', () => {
    expect(srdhm(2 ** 30, 1)).toBe(1); // a·b / 2^31 = +0.5
    expect(srdhm(-(2 ** 30), 1)).toBe(0); // −0.5
    expect(srdhm(-3 * 2 ** 29, 2)).toBe(-1); // −1.5
  });

  it('roundingDivideByPot equals the bit formula', () => {
    fc.assert(
      fc.property(int32, fc.integer({ min: 0, max: 31 }), (x, e) => roundingDivideByPot(x, e) === rdbpBig(x, e)),
      { seed: SEED, numRuns: 20000 },
    );
    expect(roundingDivideByPot(-3, 1)).toBe(-2); // −1.5 → −2, away from zero
    expect(roundingDivideByPot(3, 1)).toBe(2);
  });

  it('quantizeMultiplier gives M in [2^30, 2^31) and reconstructs m', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-9, max: 255, noNaN: true }), (m) => {
        const { M, e } = quantizeMultiplier(m);
        return M >= 2 ** 30 && M < 2 ** 31 && Math.abs(M * 2 ** (e - 31) - m) <= m * 2 ** -30;
      }),
      { seed: SEED, numRuns: 5000 },
    );
    expect(quantizeMultiplier(0.5)).toEqual({ M: 2 ** 30, e: 0 });
    expect(quantizeMultiplier(1)).toEqual({ M: 2 ** 30, e: 1 });
    expect(quantizeMultiplier(1e-12)).toEqual({ M: 0, e: 0 });
    // q·2^31 rounding up to 2^31 bumps the exponent
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ M: 2 ** 30, e: 1 });
  });

  it('multiplyByQuantizedMultiplier matches the composed BigInt oracle', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 24), max: 2 ** 24 }), fc.double({ min: 1e-6, max: 0.99, noNaN: true }), (x, m) => {
        const q = quantizeMultiplier(m);
        const expected = rdbpBig(srdhmBig(x, q.M), -q.e);
        return multiplyByQuantizedMultiplier(x, q) === expected;
      }),
      { seed: SEED, numRuns: 20000 },
    );
  });

  it('rounds ties to even and away from zero', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2]);
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5].map(roundHalfAway)).toEqual([1, 2, 3, -1, -2, -3]);
    expect(frexp(8)).toEqual([0.5, 4]);
    expect(frexp(0.75)).toEqual([0.75, 0]);
  });
});
