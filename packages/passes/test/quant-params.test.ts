// Quantization parameters as TensorFlow's converter chooses them (ARITHMETIC.md, last section):
// hand-computed cases, then properties (fast-check, fixed seed): quantize → dequantize within scale/2.
import fc from 'fast-check';
import { constant, Graph, type QuantParams } from '@octet/ir';
import { interpret } from '@octet/interpreter';
import { quantizeRoundTripBound } from '@octet/testing';
import { describe, expect, it } from 'vitest';
import { activationParams, BIAS_MAX, fakeQuantParams, perTensor, quantizeBias, quantizeWeightData, weightScale } from '../src/index.ts';

const SEED = 20261126;
const f32 = Math.fround;

describe('activation parameters', () => {
  // Expected values worked by hand: scale = (max − min)/255, zero point −128 − min/scale.
  it.each([
    // [min, max] -> [scale, zero point]
    [0, 6, 6 / 255, -128], // ReLU6 output
    [-2, 6, 8 / 255, -64], // −128 + 2/(8/255) = −64.25
    [1, 3, 3 / 255, -128], // widened to [0, 3]
    [-3, -1, 3 / 255, 127], // widened to [−3, 0]
    [-1, 1, 2 / 255, -1], // −128 + 127.5 = −0.5 exactly: half away from zero, −1 (TensorFlow's std::round)
  ])('[%d, %d] -> scale %d, zero point %d', (min, max, scale, zp) => {
    expect(perTensor(activationParams(min, max))).toEqual({ scale: [f32(scale)], zeroPoint: [zp] });
  });

  it('gives a degenerate range TensorFlow 2.21’s scale 7.843137e-09 and zero point 0, never a zero scale', () => {
    // What TensorFlow writes for a ReLU that never fires (ARITHMETIC.md): the range widened to ±1e-6 (as float32).
    const written = perTensor(activationParams(0, 0));
    expect(written.scale[0].toExponential(6)).toBe('7.843137e-9');
    expect(written).toEqual({ scale: [f32((2 * f32(1e-6)) / 255)], zeroPoint: [0] });
    expect(perTensor(activationParams(5e-7, 5e-7))).toEqual(written);
    // just above the threshold: kept as it is
    expect(activationParams(0, 2e-6).scale).toBe(2e-6 / 255);
  });
});

describe('weight scales', () => {
  it('is max|w|/127 per channel, in double, stored as float32; an all-zero channel gets 2·fl(1e-6)/254', () => {
    expect(weightScale(1)).toBe(1 / 127);
    expect(weightScale(0)).toBe((2 * f32(1e-6)) / 254);
    const { data, quant } = quantizeWeightData(Float32Array.from([0.5, -1, 0, 0, 0.25, 0.1]), [3, 2], 0);
    expect(quant).toEqual({ scale: [f32(1 / 127), f32((2 * f32(1e-6)) / 254), f32(0.25 / 127)], zeroPoint: [0, 0, 0], axis: 0 });
    // 0.5·127 = 63.5 -> 64 (half away from zero); 0.1/(0.25/127) = 50.8 -> 51
    expect(Array.from(data)).toEqual([64, -127, 0, 0, 127, 51]);
  });
});

describe('int32 bias', () => {
  it('has scale fl(s_in·s_w[c]), zero point 0, values round(b/scale)', () => {
    const { bias, weightScales } = quantizeBias(Float32Array.from([1, -0.5]), f32(0.01), { scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 0 });
    expect(weightScales).toBeUndefined();
    expect(bias.type).toEqual({ dtype: 'int32', shape: [2], quant: { scale: [f32(f32(0.01) * 0.5), f32(f32(0.01) * 0.25)], zeroPoint: [0, 0], axis: 0 } });
    expect(Array.from(bias.data as Int32Array)).toEqual([200, -200]);
  });

  it('raises the weight scale where the bias would exceed INT32_MAX/2 (an all-zero channel under a bias): TensorFlow’s adjustment', () => {
    const sIn = f32(1 / 255);
    const sw = f32((2 * f32(1e-6)) / 254);
    const { bias, weightScales } = quantizeBias(Float32Array.from([2, 0.25]), sIn, { scale: [sw, 0.01], zeroPoint: [0, 0], axis: 0 });
    // channel 0: 2 / (s_in·s_w) ≈ 6.5e10 > 2^30 − 1: s_w -> 2/BIAS_MAX/s_in; channel 1 fits
    expect(BIAS_MAX).toBe(1073741823);
    expect(weightScales).toEqual([f32(2 / 1073741823 / sIn), 0.01]);
    const q = bias.type.quant!;
    expect(q.scale[0]).toBe(f32(sIn * weightScales![0]));
    // |b|/scale is BIAS_MAX up to the float32 rounding of the new weight scale (relative 2^-24)
    expect(Math.abs((bias.data as Int32Array)[0] - BIAS_MAX)).toBeLessThanOrEqual(BIAS_MAX * 2 ** -23);
    expect(Array.from(bias.data as Int32Array)[1]).toBe(Math.round(0.25 / (sIn * 0.01)));
  });
});

describe('fake_quant parameters', () => {
  it('are TensorFlow’s nudged range as int8 (levels shifted by 2^(bits−1))', () => {
    expect(fakeQuantParams(-1, 1, 8, false)).toEqual({ scale: [f32(2 / 255)], zeroPoint: [-1] });
    expect(fakeQuantParams(-1, 1, 8, true)).toEqual({ scale: [f32(2 / 254)], zeroPoint: [0] });
    expect(fakeQuantParams(0.5, 2, 8, false)).toEqual({ scale: [f32(1.5 / 255)], zeroPoint: [-128] });
    expect(fakeQuantParams(-1, 0.875, 4, false)).toEqual({ scale: [0.125], zeroPoint: [0] });
    expect(fakeQuantParams(0, 0, 8, false)).toEqual({ scale: [f32((2 * f32(1e-6)) / 255)], zeroPoint: [0] });
  });
});

/** float32 → int8 → float32 through the interpreter's QUANTIZE and DEQUANTIZE kernels. */
function roundTrip(x: Float32Array, q: QuantParams, arithmetic: 'xnnpack' | 'reference'): Float32Array {
  const g = new Graph('rt');
  const input = g.addInput('x', { dtype: 'float32', shape: [x.length] });
  const qx = g.add('quantize', [input], {}, { types: [{ dtype: 'int8', shape: [x.length], quant: q }] });
  g.outputs = [g.add('dequantize', [qx], {})];
  return interpret(g, [x], { arithmetic })[0] as Float32Array;
}

describe(`quantize → dequantize (fast-check seed ${SEED})`, () => {
  it('stays within scale/2 of every value inside the calibrated range, in both arithmetics', () => {
    const arb = fc
      .tuple(fc.float({ min: -1e4, max: 1e4, noNaN: true }), fc.float({ min: 0, max: 1e4, noNaN: true }), fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 32 }))
      .map(([lo, width, ts]) => {
        const min = f32(lo);
        const max = f32(lo + width);
        return { min, max, xs: Float32Array.from(ts, (t) => min + t * (max - min)) };
      });
    fc.assert(
      fc.property(arb, fc.constantFrom('xnnpack' as const, 'reference' as const), ({ min, max, xs }, arithmetic) => {
        const q = perTensor(activationParams(min, max));
        expect(q.scale[0]).toBeGreaterThan(0);
        const back = roundTrip(xs, q, arithmetic);
        // the scale as stored (float32) is what dequantization uses; a float32 rounding of the product on top
        const bound = quantizeRoundTripBound(q.scale[0]) * (1 + 2 ** -20) + 2 ** -23 * Math.max(Math.abs(min), Math.abs(max));
        xs.forEach((x, i) => expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(bound));
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('keeps every weight within s_c/2 of its channel’s grid (symmetric, per channel)', () => {
    const arb = fc.integer({ min: 1, max: 6 }).chain((channels) =>
      fc.tuple(fc.constant(channels), fc.float32Array({ minLength: channels * 5, maxLength: channels * 5, min: -8, max: 8, noNaN: true })),
    );
    fc.assert(
      fc.property(arb, ([channels, w]) => {
        const { data, quant } = quantizeWeightData(w, [channels, 5], 0);
        const g = new Graph('w');
        g.outputs = [g.add('dequantize', [constant({ dtype: 'int8', shape: [channels, 5], quant }, data)], {})];
        const back = interpret(g, [])[0] as Float32Array;
        w.forEach((x, i) => {
          const s = quant.scale[Math.floor(i / 5)];
          expect(Math.abs(data[i])).toBeLessThanOrEqual(127);
          expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(quantizeRoundTripBound(s) * (1 + 2 ** -20) + 2 ** -24 * Math.abs(x));
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
