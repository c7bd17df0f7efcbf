import { describe, expect, it } from 'vitest';
import { compareFloats, describeComparison, floatTolerance, quantizeRoundTripBound } from '../src/index.ts';

describe('float tolerance', () => {
  it('is 1e-5 of the largest finite |reference|', () => {
    expect(floatTolerance([1, -200, 3])).toBeCloseTo(2e-3, 15);
    expect(floatTolerance([Infinity, NaN, -4])).toBeCloseTo(4e-5, 15);
    expect(floatTolerance([])).toBe(0);
    expect(floatTolerance([0, -0])).toBe(0);
  });

  it('accepts differences up to the bound and rejects the first beyond it', () => {
    // max|ref| = 100 → tolerance 1e-3
    const ref = [100, 1, 2];
    expect(compareFloats([100.0009, 1.0009, 2], ref).ok).toBe(true);
    const c = compareFloats([100, 1.0011, 2.002], ref);
    expect(c.ok).toBe(false);
    expect(c.mismatches).toBe(2);
    expect(c.first).toEqual({ index: 1, actual: 1.0011, reference: 1 });
    expect(describeComparison(c)).toMatch(/^output differs at 2 entries; first at index 1: 1\.0011 vs reference 1 /);
  });

  it('needs NaN for NaN and the same infinity, and the same length', () => {
    expect(compareFloats([NaN, Infinity, 1], [NaN, Infinity, 1]).ok).toBe(true);
    expect(compareFloats([0, Infinity], [NaN, Infinity]).first?.index).toBe(0);
    expect(compareFloats([1, -Infinity], [1, Infinity]).first?.index).toBe(1);
    expect(compareFloats([1, NaN], [1, 2]).first?.index).toBe(1);
    const short = compareFloats([1], [1, 2]);
    expect([short.ok, short.mismatches, short.first?.index]).toEqual([false, 1, 1]);
  });

  it('is exact against an all-zero reference', () => {
    expect(compareFloats([0, -0], [0, 0]).ok).toBe(true);
    expect(compareFloats([1e-30], [0]).ok).toBe(false);
  });
});

describe('quantization bounds', () => {
  it('bounds the quantize-dequantize error by half a step', () => {
    const scale = 0.0235;
    let worst = 0;
    for (let x = -2; x <= 2; x += 0.00037) worst = Math.max(worst, Math.abs(Math.round(x / scale) * scale - x));
    expect(worst).toBeLessThanOrEqual(quantizeRoundTripBound(scale));
    expect(worst).toBeGreaterThan(0.99 * quantizeRoundTripBound(scale)); // and the bound is tight
  });
});
