/** Float kernels on hand-computed cases, including the ones tfjs cannot check. */
import { describe, expect, it } from 'vitest';
import { constant, Graph, isUnsupported, OP_KINDS, type TensorType, type Value } from '@octet/ir';
import { floatKernels, interpret, nearestSource } from '../src/index.ts';

const f32 = (shape: number[]): TensorType => ({ dtype: 'float32', shape });

function run(shape: number[], data: number[], build: (g: Graph, x: Value) => Value): number[] {
  const g = new Graph('t');
  const x = g.addInput('x', f32(shape));
  g.outputs.push(build(g, x));
  return [...(interpret(g, [new Float32Array(data)])[0] as Float32Array)];
}

describe('the float table', () => {
  it('has a kernel for every op kind of the registry', () => {
    expect(OP_KINDS.filter((k) => isUnsupported(floatKernels[k]))).toEqual([]);
  });
});

describe('TFLite padding', () => {
  const ones = (o: number, kh: number, kw: number, i: number) => constant(f32([o, kh, kw, i]), new Float32Array(o * kh * kw * i).fill(1));

  it('SAME puts the odd padding pixel after (right/bottom)', () => {
    // width 4, 1x2 window of ones, stride 1: total padding 1, all after → [1+2, 2+3, 3+4, 4+0]
    expect(run([1, 1, 4, 1], [1, 2, 3, 4], (g, x) => g.add('conv_2d', [x, ones(1, 1, 2, 1)], { padding: 'same' }))).toEqual([3, 5, 7, 4]);
    // stride 2: out 2, total padding 0 → [1+2, 3+4]
    expect(run([1, 1, 4, 1], [1, 2, 3, 4], (g, x) => g.add('conv_2d', [x, ones(1, 1, 2, 1)], { padding: 'same', stride_w: 2 }))).toEqual([3, 7]);
  });

  it('average_pool_2d divides by the in-bounds taps only', () => {
    // 3x3 → 2x2 window SAME stride 1: padding one row/column after
    const y = run([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9], (g, x) => g.add('average_pool_2d', [x], { padding: 'same', filter_h: 2, filter_w: 2 }));
    expect(y).toEqual([3, 4, 4.5, 6, 7, 7.5, 7.5, 8.5, 9]);
  });

  it('max_pool_2d never takes a padding zero', () => {
    const y = run([1, 2, 2, 1], [-1, -2, -3, -4], (g, x) => g.add('max_pool_2d', [x], { padding: 'same', filter_h: 3, filter_w: 3 }));
    expect(y).toEqual([-1, -1, -1, -1]);
  });

  it('dilation spreads the taps; stride and dilation together', () => {
    // width 5, 1x2 filter [1, 10] dilation 3, VALID: y[i] = x[i] + 10·x[i+3] for i = 0, 1
    const w = constant(f32([1, 1, 2, 1]), new Float32Array([1, 10]));
    expect(run([1, 1, 5, 1], [1, 2, 3, 4, 5], (g, x) => g.add('conv_2d', [x, w], { padding: 'valid', dilation_w: 3 }))).toEqual([41, 52]);
    // SAME, stride 2, dilation 2 on width 5: effective window 3, out 3, total padding 2 → 1 before
    // y[j] = x[2j − 1] + 10·x[2j + 1]
    expect(run([1, 1, 5, 1], [1, 2, 3, 4, 5], (g, x) => g.add('conv_2d', [x, w], { padding: 'same', dilation_w: 2, stride_w: 2 }))).toEqual([20, 42, 4]);
  });
});

describe('depthwise_conv_2d channel order', () => {
  it('maps output channel c·M + m to input channel c', () => {
    // 2 channels, multiplier 2, 1x1 filter [1, 2, 3, 4]: y = [x0·1, x0·2, x1·3, x1·4]
    const w = constant(f32([1, 1, 1, 4]), new Float32Array([1, 2, 3, 4]));
    const b = constant(f32([4]), new Float32Array([0, 0, 0, 0.5]));
    expect(run([1, 1, 1, 2], [10, 100], (g, x) => g.add('depthwise_conv_2d', [x, w, b], { padding: 'valid', depth_multiplier: 2 }))).toEqual([10, 20, 300, 400.5]);
  });
});

describe('fused activations', () => {
  it('relu_n1_to_1 clamps to [−1, 1], relu6 to [0, 6]', () => {
    const zero = constant(f32([4]), new Float32Array(4));
    expect(run([4], [-3, 0.5, 2, -0.25], (g, x) => g.add('add', [x, zero], { fused_activation: 'relu_n1_to_1' }))).toEqual([-1, 0.5, 1, -0.25]);
    expect(run([4], [-3, 0.5, 7, 6], (g, x) => g.add('sub', [x, zero], { fused_activation: 'relu6' }))).toEqual([0, 0.5, 6, 6]);
  });
});

describe('softmax, mean, batch_norm, identity', () => {
  it('softmax applies beta before normalizing', () => {
    // exp(β·[0, ln 2]) = [1, 2^β]
    const [a, b] = run([2], [0, Math.log(2)], (g, x) => g.add('softmax', [x], { beta: 2 }));
    expect(a).toBeCloseTo(1 / 5, 6);
    expect(b).toBeCloseTo(4 / 5, 6);
  });

  it('mean over axes (negative included) with and without keep_dims', () => {
    const x = [1, 2, 3, 4, 5, 6]; // [2, 3]
    expect(run([2, 3], x, (g, v) => g.add('mean', [v], { axes: [-1] }))).toEqual([2, 5]);
    expect(run([2, 3], x, (g, v) => g.add('mean', [v], { axes: [0], keep_dims: true }))).toEqual([2.5, 3.5, 4.5]);
    expect(run([2, 3], x, (g, v) => g.add('mean', [v], { axes: [1, 0] }))).toEqual([3.5]);
  });

  it('batch_norm: γ(x − μ)/√(σ² + ε) + β per last-axis channel', () => {
    const c = (v: number[]) => constant(f32([2]), new Float32Array(v));
    // channel 0: 2(x − 1)/√(3 + 1) + 0 = x − 1; channel 1: 1(x − 0)/√(0 + 1) + 1 = x + 1
    const y = run([2, 2], [1, 2, 3, 4], (g, x) => g.add('batch_norm', [x, c([2, 1]), c([0, 1]), c([1, 0]), c([3, 0])], { epsilon: 1 }));
    expect(y).toEqual([0, 3, 2, 5]);
  });

  it('identity and reshape copy', () => {
    expect(run([2, 2], [1, 2, 3, 4], (g, x) => g.add('reshape', [g.add('identity', [x], {})], { new_shape: [4] }))).toEqual([1, 2, 3, 4]);
  });
});

describe('resize_nearest_neighbor, as TFLite computes it in float32', () => {
  it('align_corners with half_pixel_centers (tfjs refuses the pair; TFLite computes it)', () => {
    // scale (3 − 1)/(5 − 1) = 0.5; round((j + 0.5)·0.5) = round(0.25, 0.75, 1.25, 1.75, 2.25)
    expect([0, 1, 2, 3, 4].map((j) => nearestSource(j, 3, 5, true, true))).toEqual([0, 1, 1, 2, 2]);
    expect(run([1, 1, 3, 1], [10, 20, 30], (g, x) => g.add('resize_nearest_neighbor', [x], { size: [1, 5], align_corners: true, half_pixel_centers: true }))).toEqual([10, 20, 20, 30, 30]);
  });

  it('keeps float32 rounding where tfjs (double) differs', () => {
    // 14 → 46: scale fl(14/46) = 0.304347813… < 7/23; 23·scale = 6.9999997 → float32 6.9999995 → floor 6
    // (tfjs computes 14/46·23 = 7 in double)
    expect(nearestSource(23, 14, 46, false, false)).toBe(6);
    // 14 → 23 with align_corners: scale fl(13/22) < 13/22; 11·scale = 6.4999995 → round 6 (tfjs: 6.5 → 7)
    expect(nearestSource(11, 14, 23, true, false)).toBe(6);
  });

  it('half_pixel_centers clamps at both ends', () => {
    // 4 → 2: scale 2, (j + 0.5)·2 = 1, 3
    expect([0, 1].map((j) => nearestSource(j, 4, 2, false, true))).toEqual([1, 3]);
    // 2 → 5: scale 0.4, floor(0.2, 0.6, 1.0, 1.4, 1.8) = 0, 0, 1, 1, 1
    expect([0, 1, 2, 3, 4].map((j) => nearestSource(j, 2, 5, false, true))).toEqual([0, 0, 1, 1, 1]);
  });
});
