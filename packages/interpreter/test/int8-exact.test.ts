/**
 * Hand-computed cases for each formula of ARITHMETIC.md, in both arithmetics: the expected bytes
 * are worked out in the comments, never by the code under test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constant, Graph, type Activation, type TensorType } from '@octet/ir';
import { quantizeRoundTripBound } from '@octet/testing';
import { interpret, Interpreter, type Arithmetic } from '../src/index.ts';
import { activationBounds } from '../src/int8/params.ts';
import { bias, fl, i8, oneOp, qp, SEED, weights } from './int8-helpers.ts';

const both = (f: (mode: Arithmetic) => number[]) => ({ xnnpack: f('xnnpack'), reference: f('reference') });
const run = (g: Graph, inputs: Int8Array[], mode: Arithmetic) => [...(interpret(g, inputs, { arithmetic: mode })[0] as Int8Array)];

describe('conv_2d / fully_connected requantization', () => {
  // s_in = 0.125, s_w = 0.007982181385159492, s_out = 0.1836887151002884 (all float32), acc = 7456:
  // xnnpack: s_c = fl(fl(s_in·s_w)/s_out) = 0.005431867204606533; acc·s_c = 40.50000187… rounds in
  // float32 to 40.5 exactly, and the tie goes to even: 40. The exact product is above the tie:
  // reference (Q31 multiplier of the double ratio 0.005431867018…, acc·m = 40.50000049): 41.
  const sIn = 0.125;
  const sW = [0.007982181385159492];
  const sOut = 0.1836887151002884;
  // acc = bias + w·(x − zp_in) = 7329 + 127·1
  const x = new Int8Array([-9]); // zp_in −10

  it('a near-tie is decided on fl(acc·s_c), not on the exact product (fully_connected)', () => {
    const c = oneOp('fully_connected', [i8([1, 1], qp(sIn, -10))], [x], [weights([1, 1], sW, 0, new Int8Array([127])), bias(sIn, sW, new Int32Array([7329]))], {}, i8([1, 1], qp(sOut, 0)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [40], reference: [41] });
  });

  it('the same near-tie in a 1×1 conv_2d, with and without a bias tensor', () => {
    const withBias = oneOp('conv_2d', [i8([1, 1, 1, 1], qp(sIn, -10))], [x], [weights([1, 1, 1, 1], sW, 0, new Int8Array([127])), bias(sIn, sW, new Int32Array([7329]))], { padding: 'valid' }, i8([1, 1, 1, 1], qp(sOut, 0)));
    expect(both((m) => run(withBias.graph, withBias.inputs, m))).toEqual({ xnnpack: [40], reference: [41] });
    // without bias: acc = 127·(x − zp_in) = 127·58 = 7366 → acc·s_c = 40.01113… → 40 in both modes
    const noBias = oneOp('conv_2d', [i8([1, 1, 1, 1], qp(sIn, -10))], [new Int8Array([48])], [weights([1, 1, 1, 1], sW, 0, new Int8Array([127]))], { padding: 'valid' }, i8([1, 1, 1, 1], qp(sOut, 0)));
    expect(both((m) => run(noBias.graph, noBias.inputs, m))).toEqual({ xnnpack: [40], reference: [40] });
  });

  it('per-channel scales, padding contributes zp_in (0 after the subtraction), fused relu', () => {
    // 1×3 input [zp+2, zp+4, zp−6] (zp = 5), 1×3 SAME conv of ones, two output channels with
    // s_w = 1 and 0.5, s_in = 1, s_out = 1, zero bias. acc per pixel (padding adds 0):
    // [2+4, 2+4−6, 4−6] = [6, 0, −2]; channel 1 halves: [3, 0, −1]; relu clamps below zp_out = 0.
    const c = oneOp(
      'conv_2d',
      [i8([1, 1, 3, 1], qp(1, 5))],
      [new Int8Array([7, 9, -1])],
      [weights([2, 1, 3, 1], [1, 0.5], 0, new Int8Array([1, 1, 1, 1, 1, 1])), bias(1, [1, 0.5], new Int32Array([0, 0]))],
      { padding: 'same', fused_activation: 'relu' },
      i8([1, 1, 3, 2], qp(1, 0)),
    );
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [6, 3, 0, 0, 0, 0], reference: [6, 3, 0, 0, 0, 0] });
  });

  it('depthwise multiplier 2: output channel o reads input channel ⌊o/2⌋', () => {
    // input channels [3, −2] (zp 0), 1×1 filter [1, 2, 3, 4]: outputs [3·1, 3·2, −2·3, −2·4]
    const c = oneOp('depthwise_conv_2d', [i8([1, 1, 1, 2], qp(1, 0))], [new Int8Array([3, -2])], [weights([1, 1, 1, 4], [1, 1, 1, 1], 3, new Int8Array([1, 2, 3, 4]))], { padding: 'valid', depth_multiplier: 2 }, i8([1, 1, 1, 4], qp(1, 0)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [3, 6, -6, -8], reference: [3, 6, -6, -8] });
  });

  it("xnnpack refuses a requantization scale ≥ 256 (LiteRT's XNNPACK fails to load such a model)", () => {
    // s_c = 1·1/(1/512) = 512
    const c = oneOp('fully_connected', [i8([1, 1], qp(1, 0))], [new Int8Array([1])], [weights([1, 1], [1], 0, new Int8Array([1]))], {}, i8([1, 1], qp(1 / 512, 0)));
    expect(() => new Interpreter(c.graph)).toThrow("'fully_connected' op channel 0 has requantization scale s_in·s_w/s_out = 512 ≥ 256, which XNNPACK (LiteRT's default) refuses");
    expect(run(c.graph, c.inputs, 'reference')).toEqual([127]); // 512 saturates
  });

  it("TensorFlow's degenerate scales: a ReLU output fixed at 0 (7.843137e-09) after an all-zero kernel (2.419786e-07)", () => {
    // acc = 0 for every input → 0 + zp_out; s_c = fl(fl(s_in·2.419786e-07)/7.843137e-09) ≈ 0.121 < 256
    const sW0 = [2.419786e-7, 2.419786e-7];
    const c = oneOp('fully_connected', [i8([1, 3], qp(1 / 255, -128))], [new Int8Array([-128, 0, 127])], [weights([2, 3], sW0, 0, new Int8Array(6)), bias(1 / 255, sW0, new Int32Array(2))], { fused_activation: 'relu' }, i8([1, 2], qp(7.843137e-9, 0)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [0, 0], reference: [0, 0] });
  });
});

describe('fused activation bounds', () => {
  const q = (scale: number, zeroPoint: number) => ({ scale: fl(scale), zeroPoint });
  it('xnnpack: lrintf(clamp(fl(fl(bound/s) + zp))); builtin: zp + away(fl(bound/s))', () => {
    // relu6 with s = 4, zp = 1: 6/4 = 1.5 → xnnpack rint(2.5) = 2 (even); builtin 1 + away(1.5) = 3
    expect(activationBounds('relu6', q(4, 1), 'xnnpack')).toEqual([1, 2]);
    expect(activationBounds('relu6', q(4, 1), 'builtin')).toEqual([1, 3]);
    // relu6 with s = 12, zp = 0: 6/12 = 0.5 → 0 (even) vs 1 (away)
    expect(activationBounds('relu6', q(12, 0), 'xnnpack')).toEqual([0, 0]);
    expect(activationBounds('relu6', q(12, 0), 'builtin')).toEqual([0, 1]);
    // relu_n1_to_1, s = 4, zp = −1: ±1/4 = ±0.25 → [−1, −1] in both
    expect(activationBounds('relu_n1_to_1', q(4, -1), 'xnnpack')).toEqual([-1, -1]);
    expect(activationBounds('relu_n1_to_1', q(4, -1), 'builtin')).toEqual([-1, -1]);
  });

  it('infinite ends keep the int8 range; large bounds saturate', () => {
    const all: Activation[] = ['none', 'relu'];
    expect(all.map((a) => activationBounds(a, q(0.1, 3), 'xnnpack'))).toEqual([[-128, 127], [3, 127]]);
    expect(all.map((a) => activationBounds(a, q(0.1, 3), 'builtin'))).toEqual([[-128, 127], [3, 127]]);
    // relu6 at a degenerate scale: 6/7.843137e-09 ≈ 7.65e8 → 127 in both
    expect(activationBounds('relu6', q(7.843137e-9, 0), 'xnnpack')).toEqual([0, 127]);
    expect(activationBounds('relu6', q(7.843137e-9, 0), 'builtin')).toEqual([0, 127]);
  });
});

describe('add / sub', () => {
  // s_a = 0.5, s_b = 0.25, s_out = 1, zero points 0. xnnpack: ra = 0.5 = 1·2^−1 → shift = 20 − (−1) = 21,
  // ma = 2^20, mb = 2^19, bias = 2^20; out = (bias + ma·a + mb·b) >> 21 (ties toward +∞).
  // reference: T = 1, a′ = MBQM(a·2^20, QM(0.5)), out = MBQM(a′ + b′, QM(2^−20)) (ties away from zero).
  const g = (kind: 'add' | 'sub', outScale = 1) => {
    const c = oneOp(kind, [i8([4], qp(0.5, 0)), i8([4], qp(0.25, 0))], [new Int8Array(4), new Int8Array(4)], [], {}, i8([4], qp(outScale, 0)));
    return (a: number[], b: number[], mode: Arithmetic) => run(c.graph, [Int8Array.from(a), Int8Array.from(b)], mode);
  };

  it("xnnpack's one arithmetic shift sends ties to +∞, the reference's rounding away from zero", () => {
    const add = g('add');
    // real a·0.5 + b·0.25: 0.5, −0.5, 1.5, −1.5
    const a = [1, -1, 3, -3];
    expect(add(a, [0, 0, 0, 0], 'xnnpack')).toEqual([1, 0, 2, -1]);
    expect(add(a, [0, 0, 0, 0], 'reference')).toEqual([1, -1, 2, -2]);
    // 0.5·1 + 0.25·2 = 1 and 0.5·(−1) + 0.25·(−2) = −1 exactly; 0.25·1 = 0.25 and 0.25·3 = 0.75 round to 0 and 1
    expect(add([1, -1, 0, 0], [2, -2, 1, 3], 'xnnpack')).toEqual([1, -1, 0, 1]);
    expect(add([1, -1, 0, 0], [2, -2, 1, 3], 'reference')).toEqual([1, -1, 0, 1]);
  });

  it('sub negates b’s multiplier: 0.5·a − 0.25·b', () => {
    const sub = g('sub');
    // 0.5·3 − 0.25·2 = 1; 0.5·0 − 0.25·2 = −0.5 → xnnpack 0, reference −1; 0.5·(−4) − 0.25·(−10) = 0.5 → 1 in both
    expect(sub([3, 0, -4, 0], [2, 2, -10, 0], 'xnnpack')).toEqual([1, 0, 1, 0]);
    expect(sub([3, 0, -4, 0], [2, 2, -10, 0], 'reference')).toEqual([1, -1, 1, 0]);
  });

  it('outside [2⁻¹⁰, 256) the builtin kernel runs even in xnnpack mode', () => {
    // s_out = 2^−9 makes s_a/s_out = 256: ineligible. a = b = [−2, −1, 0, 1]: 0.75·a = −1.5, −0.75, 0, 0.75
    // → −768, −384, 0, 384 steps → saturate to −128, −128, 0, 127, in both modes through the same kernel
    const add = g('add', 2 ** -9);
    const a = [-2, -1, 0, 1];
    expect(add(a, a, 'xnnpack')).toEqual([-128, -128, 0, 127]);
    expect(add(a, a, 'reference')).toEqual([-128, -128, 0, 127]);
  });
});

describe('mul', () => {
  // s_a = s_b = 1, s_out = 2, zero points 0: s = 0.5, out = a·b/2.
  // xnnpack even(fl(acc·s)): 2.5 → 2, 1.5 → 2, −2.5 → −2, −1.5 → −2.
  // reference MBQM(acc, QM(0.5)) = SRDHM(acc, 2^30): positive ties up, negative ties toward +∞: 3, 2, −2, −1.
  it('ties: even against the SRDHM nudge', () => {
    const c = oneOp('mul', [i8([4], qp(1, 0)), i8([4], qp(1, 0))], [Int8Array.from([5, 3, -5, -3]), Int8Array.from([1, 1, 1, 1])], [], {}, i8([4], qp(2, 0)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [2, 2, -2, -2], reference: [3, 2, -2, -1] });
  });
});

describe('mean', () => {
  // [1, 1, 2, 4] over {1, 2}: pairs (1, 0), (3, 0), (5, 0), (−5, 0) with s_in = s_out = 1, zp 0: N = 2.
  const data = Int8Array.from([1, 3, 5, -5, 0, 0, 0, 0]);
  const meanGraph = (keepDims: boolean, axes: number[], outScale = 1) =>
    oneOp('mean', [i8([1, 1, 2, 4], qp(1, 0))], [data], [], { axes, keep_dims: keepDims }, i8(keepDims ? [1, 1, 1, 4] : [1, 4], qp(outScale, 0)));

  it('xnnpack rounds half to even: even(fl(S·fl(1/N))) (LiteRT; ARITHMETIC.md says half away)', () => {
    // S/2 = 0.5, 1.5, 2.5, −2.5 → 0, 2, 2, −2, over {1, 2} and over any other axes alike
    const c = meanGraph(false, [1, 2]);
    expect(run(c.graph, c.inputs, 'xnnpack')).toEqual([0, 2, 2, -2]);
    const d = oneOp('mean', [i8([4, 2], qp(1, 0))], [Int8Array.from([1, 0, 3, 0, 5, 0, -5, 0])], [], { axes: [1], keep_dims: false }, i8([4], qp(1, 0)));
    expect(run(d.graph, d.inputs, 'xnnpack')).toEqual([0, 2, 2, -2]);
  });

  it('reference with keep_dims: the integer Mean, MBQM(S − zp·N, ⌊M·2^k/N⌋, e − k)', () => {
    // QM(1) = (2^30, 1); k = min(⌊log₂2⌋, 32, 32) = 1; M′ = 2^30; e − k = 0: SRDHM(S, 2^30) = S/2 with
    // positive ties up and negative ties toward +∞: 1, 2, 3, −2
    const c = meanGraph(true, [1, 2]);
    expect(run(c.graph, c.inputs, 'reference')).toEqual([1, 2, 3, -2]);
  });

  it('reference without keep_dims at equal parameters: reference_ops::Mean truncates S/N', () => {
    const c = meanGraph(false, [1, 2]);
    expect(run(c.graph, c.inputs, 'reference')).toEqual([0, 1, 2, -2]);
  });

  it('other axes at other parameters: QuantizedMeanOrSum, away(fl(fl(S/N)·r + b)) + zp_out', () => {
    // [2, 2] over axis 1, s_in = 1, s_out = 2 → r = 0.5, b = 0: rows (1, 2) and (−1, −2): means 1.5, −1.5 → 0.75, −0.75 → 1, −1;
    // rows (1, 0), (−1, 0): 0.25, −0.25 → 0, 0. (xnnpack: S·0.25 → the same values here, no ties)
    const c = oneOp('mean', [i8([4, 2], qp(1, 0))], [Int8Array.from([1, 2, -1, -2, 1, 0, -1, 0])], [], { axes: [1], keep_dims: false }, i8([4], qp(2, 0)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [1, -1, 0, 0], reference: [1, -1, 0, 0] });
  });

  it('xnnpack folds the zero points: z′ = fl(zp_out − fl(fl(N·zp_in)·s′))', () => {
    // s_in = 1, zp_in = 3, s_out = 2, zp_out = −1, N = 2: s′ = 0.25, z′ = −1 − 6·0.25 = −2.5;
    // channel 0 holds (4, 5): S = 9 → 9·0.25 − 2.5 = −0.25 → 0; channel 1 (3, 4): S = 7 → −0.75 → −1
    const c = oneOp('mean', [i8([1, 1, 2, 2], qp(1, 3))], [Int8Array.from([4, 3, 5, 4])], [], { axes: [1, 2], keep_dims: false }, i8([1, 2], qp(2, -1)));
    expect(run(c.graph, c.inputs, 'xnnpack')).toEqual([0, -1]);
  });
});

describe('average_pool_2d', () => {
  it('rounds S/n half away from zero over the in-bounds taps', () => {
    // 1×3 input [1, 2, −2], 1×2 SAME window stride 1: windows (1, 2), (2, −2), (−2) → 1.5, 0, −2 → 2, 0, −2
    const c = oneOp('average_pool_2d', [i8([1, 1, 3, 1], qp(0.5, 0))], [Int8Array.from([1, 2, -2])], [], { padding: 'same', filter_h: 1, filter_w: 2 }, i8([1, 1, 3, 1], qp(0.5, 0)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [2, 0, -2], reference: [2, 0, -2] });
    // (−1, −2) → −1.5 → −2
    const d = oneOp('average_pool_2d', [i8([1, 1, 2, 1], qp(0.5, 0))], [Int8Array.from([-1, -2])], [], { padding: 'valid', filter_h: 1, filter_w: 2 }, i8([1, 1, 1, 1], qp(0.5, 0)));
    expect(run(d.graph, d.inputs, 'xnnpack')).toEqual([-2]);
  });
});

describe('logistic and tanh tables', () => {
  it('xnnpack rounds fl(fl(y·256) − 128) half to even; the reference rounds y·256 half away, then subtracts 128', () => {
    // s_in = 0.02018055133521557, q = −56: x = fl(−1.1301109), y = 0.24414064 (float32 in both);
    // y·256 = 62.5000038: reference away → 63 − 128 = −65; xnnpack: 62.5000038 − 128 rounds in
    // float32 to −65.5 exactly → even → −66.
    const c = oneOp('logistic', [i8([1], qp(0.02018055133521557, 0))], [Int8Array.from([-56])], [], {}, i8([1], qp(1 / 256, -128)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [-66], reference: [-65] });
    // exact ties: s_in = 0.09303057938814163, q = 35: y = 0.962890625, y·256 = 246.5 → xnnpack even(118.5) = 118,
    // reference away(246.5) − 128 = 119. s_in = 0.02383744716644287, q = −35: y = 0.302734375, y·256 = 77.5 →
    // xnnpack even(−50.5) = −50 (LiteRT's value: away would give −51), reference 78 − 128 = −50.
    const d = oneOp('logistic', [i8([2], qp(0.09303057938814163, 0))], [Int8Array.from([35, 0])], [], {}, i8([2], qp(1 / 256, -128)));
    expect(both((m) => run(d.graph, d.inputs, m))).toEqual({ xnnpack: [118, 0], reference: [119, 0] });
    const e = oneOp('logistic', [i8([1], qp(0.02383744716644287, 0))], [Int8Array.from([-35])], [], {}, i8([1], qp(1 / 256, -128)));
    expect(both((m) => run(e.graph, e.inputs, m))).toEqual({ xnnpack: [-50], reference: [-50] });
  });

  it('saturating ends and tanh(0) = 0', () => {
    const c = oneOp('logistic', [i8([3], qp(0.25, 0))], [Int8Array.from([-128, 0, 127])], [], {}, i8([3], qp(1 / 256, -128)));
    // sigmoid(−32) ≈ 1.3e−14 → −128; sigmoid(0) = 0.5 → 128 − 128 = 0; sigmoid(31.75) ≈ 1 → 256 − 128 → 127
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [-128, 0, 127], reference: [-128, 0, 127] });
    const t = oneOp('tanh', [i8([3], qp(0.25, 0))], [Int8Array.from([-128, 0, 127])], [], {}, i8([3], qp(1 / 128, 0)));
    expect(both((m) => run(t.graph, t.inputs, m))).toEqual({ xnnpack: [-128, 0, 127], reference: [-128, 0, 127] });
  });

  it('refuses output parameters other than the spec’s', () => {
    const c = oneOp('tanh', [i8([1], qp(0.25, 0))], [Int8Array.from([0])], [], {}, i8([1], qp(1 / 256, -128)));
    expect(() => new Interpreter(c.graph)).toThrow("'tanh' op result has scale 0.00390625 and zero point -128: TFLite's int8 tanh needs 0.0078125 and 0");
  });
});

describe('softmax', () => {
  it('equal inputs split evenly; a dominant input takes everything (both kernels)', () => {
    // two equal values: 0.5 each → 128 − 128 = 0. One value 127 steps above the rest at s_in = 0.5:
    // e^(−63.5) underflows every other entry → 255/256 → 127 and −128.
    const c = oneOp('softmax', [i8([2, 3], qp(0.5, 0))], [Int8Array.from([4, 4, -128, 127, 0, 0])], [], { beta: 1 }, i8([2, 3], qp(1 / 256, -128)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [0, 0, -128, 127, -128, -128], reference: [0, 0, -128, 127, -128, -128] });
  });

  it('three equal values: 1/3 each → away(256/3 = 85.33) − 128 = −43', () => {
    const c = oneOp('softmax', [i8([1, 3], qp(0.1, 0))], [Int8Array.from([7, 7, 7])], [], { beta: 1 }, i8([1, 3], qp(1 / 256, -128)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [-43, -43, -43], reference: [-43, -43, -43] });
  });
});

describe('relu / relu6 (TFLite QuantizedReluX)', () => {
  it('requantizes with QM(fl(s_in/s_out)) and clamps at zp_out + away(6/s_out)', () => {
    // s_in = 1, zp_in = 0, s_out = 2, zp_out = −10: y = −10 + MBQM(x, QM(0.5)) clamped to
    // [−10, −10 + away(3) = −7]: x = −4 → −10; 3 → −10 + 2 (1.5 rounds up) = −8; 5 → −7 (2.5 → 3); 100 → −7
    const c = oneOp('relu6', [i8([4], qp(1, 0))], [Int8Array.from([-4, 3, 5, 100])], [], {}, i8([4], qp(2, -10)));
    expect(both((m) => run(c.graph, c.inputs, m))).toEqual({ xnnpack: [-10, -8, -7, -7], reference: [-10, -8, -7, -7] });
    const r = oneOp('relu', [i8([3], qp(1, 0))], [Int8Array.from([-4, 3, 100])], [], {}, i8([3], qp(2, -10)));
    expect(both((m) => run(r.graph, r.inputs, m))).toEqual({ xnnpack: [-10, -8, 40], reference: [-10, -8, 40] });
  });
});

describe('integer quantize', () => {
  const requant = (from: TensorType, to: TensorType, data: number[], mode: Arithmetic) => {
    const g = new Graph('rq');
    const x = g.addInput('x', from);
    g.outputs.push(g.add('quantize', [x], {}, { types: [to] }));
    const Storage = from.dtype === 'uint8' ? Uint8Array : Int8Array;
    return [...(interpret(g, [Storage.from(data)], { arithmetic: mode })[0] as Int8Array)];
  };

  it('int8 ↔ uint8 at equal scales and zero points 128 apart: x ^ 0x80', () => {
    const i = { dtype: 'int8' as const, shape: [4], quant: qp(0.3, -5) };
    const u = { dtype: 'uint8' as const, shape: [4], quant: qp(0.3, 123) };
    expect(requant(i, u, [-128, -5, 0, 127], 'xnnpack')).toEqual([0, 123, 128, 255]);
    expect(requant(u, i, [0, 123, 128, 255], 'reference')).toEqual([-128, -5, 0, 127]);
  });

  it('int8 → int8 in xnnpack mode: XNNPACK convert, ⌊((x − zp)·M + 128)/256⌋ with M = lrintf(256·s_in/s_out)', () => {
    // s_in = 0.25, s_out = 1: M = 64; x − zp = 2, −2, 6, −6 are 0.5, −0.5, 1.5, −1.5 steps.
    // xnnpack: ⌊(128 + 128)/256⌋ = 1, ⌊0/256⌋ = 0, ⌊512/256⌋ = 2, ⌊−256/256⌋ = −1 (ties up).
    // reference: QM(0.25) = (2^30, −1), MBQM = RoundingDivideByPOT(SRDHM(x, 2^30), 1): 1, −1, 2, −2 (ties away).
    const a = { dtype: 'int8' as const, shape: [4], quant: qp(0.25, 3) };
    const b = { dtype: 'int8' as const, shape: [4], quant: qp(1, -7) };
    const x = [5, 1, 9, -3];
    expect(requant(a, b, x, 'xnnpack')).toEqual([-6, -7, -5, -8]);
    expect(requant(a, b, x, 'reference')).toEqual([-6, -8, -5, -9]);
    // s_out = 0.75: M = lrintf(256/3 = 85.33) = 85: x − zp = 1 → ⌊213/256⌋ = 0; 3 → ⌊383/256⌋ = 1; −3 → ⌊−127/256⌋ = −1
    const c = { dtype: 'int8' as const, shape: [3], quant: qp(0.75, 0) };
    expect(requant({ dtype: 'int8', shape: [3], quant: qp(0.25, 0) }, c, [1, 3, -3], 'xnnpack')).toEqual([0, 1, -1]);
  });

  it('dequantize(quantize(x)) is within scale/2 of x inside the range, in both modes', () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(-3.9), max: Math.fround(3.9), noNaN: true }), fc.integer({ min: -8, max: 8 }), fc.constantFrom<Arithmetic>('xnnpack', 'reference'), (x, zp, mode) => {
        const s = fl(2 ** -5 * 1.37);
        const g = new Graph('q');
        const input = g.addInput('x', { dtype: 'float32', shape: [1] });
        const q = g.add('quantize', [input], {}, { types: [i8([1], qp(s, zp))] });
        g.outputs.push(g.add('dequantize', [q], {}));
        const back = (interpret(g, [Float32Array.of(x)], { arithmetic: mode })[0] as Float32Array)[0];
        return Math.abs(back - x) <= quantizeRoundTripBound(s) * (1 + 2 ** -20);
      }),
      { numRuns: 2000, seed: SEED },
    );
  });
});

describe('kernel selection and refusals', () => {
  it('same-scale pools refuse different input and output parameters', () => {
    const c = oneOp('max_pool_2d', [i8([1, 2, 2, 1], qp(0.5, 0))], [new Int8Array(4)], [], { padding: 'valid', filter_h: 2, filter_w: 2 }, i8([1, 1, 1, 1], qp(0.25, 0)));
    expect(() => new Interpreter(c.graph)).toThrow("'max_pool_2d' op result has scale 0.25 and zero point 0, its input 0.5 and 0: TFLite's int8 kernel needs them equal");
  });

  it('an int8 conv needs per-tensor activations and symmetric weights', () => {
    const g = new Graph('w');
    const x = g.addInput('x', i8([1, 1, 1, 1], qp(1, 0)));
    const w = constant({ dtype: 'int8', shape: [1, 1, 1, 1], quant: { scale: [1], zeroPoint: [3] } }, new Int8Array([1]));
    g.outputs.push(g.add('conv_2d', [x, w], { padding: 'valid' }, { types: [i8([1, 1, 1, 1], qp(1, 0))] }));
    expect(() => new Interpreter(g)).toThrow("'conv_2d' op weights have a non-zero zero point: int8 weights are symmetric (zero point 0)");
  });
});
