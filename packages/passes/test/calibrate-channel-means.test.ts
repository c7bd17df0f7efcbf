// calibrate{channel-means=true}: the mean of each last-axis channel of the values conv_2d,
// depthwise_conv_2d and fully_connected read as input 0, over every entry and position, NaN and
// ±Infinity skipped; compared with means computed here from the dataset and the interpreter's values.
import fc from 'fast-check';
import { parse, type Graph, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { describe, expect, it } from 'vitest';
import { calibrateSync, runPipeline, type Analyses, type DatasetEntry } from '../src/index.ts';
import { prng } from './random-graphs.ts';

const SEED = 20260519;

// x [1,2,3,2] -> conv_2d (1×1, 3 channels) -> %c, read by two depthwise_conv_2d (multiplier 2) -> %d
// reshaped to [3, 12] -> fully_connected; another fully_connected reads a constant; relu's result is
// read by no weighted op.
const model = (): Graph =>
  parse(`graph @m(%x: f32[1,2,3,2]) {
  %w = const f32[3,1,1,2] [1, -1, 0.5, 2, -0.25, 0.75]
  %c = conv_2d(%x, %w) {padding = "valid"}
  %k = const f32[1,1,1,6] [1, -2, 0.5, 3, -1, 0.25]
  %d = depthwise_conv_2d(%c, %k) {depth_multiplier = 2, padding = "valid"}
  %e = depthwise_conv_2d(%c, %k) {depth_multiplier = 2, padding = "valid"}
  %r = reshape(%d) {new_shape = [3, 12]}
  %v = const f32[2,12] [1, 0, -1, 0, 2, 0, 1, 0, -1, 0, 2, 0, 0, 1, 0, -1, 0, 2, 0, 1, 0, -1, 0, 2]
  %f = fully_connected(%r, %v)
  %kc = const f32[1,2] [1, 2]
  %u = const f32[2,2] [1, 0, 0, 1]
  %g = fully_connected(%kc, %u)
  %h = relu(%f)
  return %h, %e, %g
}`);

const byName = (m: Map<Value, Float64Array>) => Object.fromEntries([...m].map(([v, a]) => [v.name, Array.from(a)]));

/** Per named value, the mean of each last-axis channel over the finite elements of every entry, from the interpreter's values. */
function directMeans(g: Graph, dataset: DatasetEntry[], names: string[]): Record<string, number[]> {
  const sum: Record<string, number[]> = {};
  const count: Record<string, number[]> = {};
  const interpreter = new Interpreter(g, {
    onValue: (v, data) => {
      if (!v.name || !names.includes(v.name)) return;
      const c = v.type.shape[v.type.shape.length - 1];
      const s = (sum[v.name] ??= new Array<number>(c).fill(0));
      const n = (count[v.name] ??= new Array<number>(c).fill(0));
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) continue;
        s[i % c] += Number(data[i]);
        n[i % c]++;
      }
    },
  });
  for (const e of dataset) interpreter.run([Float32Array.from(e[0] as ArrayLike<number>)]);
  return Object.fromEntries(names.map((name) => [name, sum[name].map((s, c) => (count[name][c] > 0 ? s / count[name][c] : 0))]));
}

function expectClose(got: Record<string, number[]>, want: Record<string, number[]>) {
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  for (const name of Object.keys(want)) {
    expect(got[name].length, name).toBe(want[name].length);
    // float64 sums of float32 values in another order: a few ulps of the largest partial sum
    want[name].forEach((m, c) => expect(Math.abs(got[name][c] - m), `${name}[${c}]: ${got[name][c]} vs ${m}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(m))));
  }
}

describe('calibrate channel means', () => {
  it('records, for the values weighted ops read (once each, constants not), each channel’s mean over every entry and position', () => {
    // x: position p, channel ch -> entry-dependent values; E[x] written out for three entries
    const entries: DatasetEntry[] = [
      [Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])],
      [Float32Array.from([-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0])],
      [Float32Array.from([0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5, 0, 0.5])],
    ];
    // channel 0: (1+3+5+7+9+11 − 6 + 0)/18 = 30/18; channel 1: (2+4+…+12 + 0 + 6·0.5)/18 = 45/18
    const s = calibrateSync(model(), entries, { channelMeans: true });
    const got = byName(s.channelMeans!);
    expect(Object.keys(got).sort()).toEqual(['c', 'r', 'x']);
    expect(got.x[0]).toBeCloseTo(30 / 18, 14);
    expect(got.x[1]).toBeCloseTo(45 / 18, 14);
    // %c = conv(x): channel o is w[o]·x, linear, so its mean is w[o]·E[x]
    const ex = got.x;
    expect(got.c[0]).toBeCloseTo(1 * ex[0] - 1 * ex[1], 12);
    expect(got.c[1]).toBeCloseTo(0.5 * ex[0] + 2 * ex[1], 12);
    expect(got.c[2]).toBeCloseTo(-0.25 * ex[0] + 0.75 * ex[1], 12);
    // %r is [3, 12]: 12 channels, each averaged over 3 rows × 3 entries
    expect(got.r).toHaveLength(12);
    expectClose(got, directMeans(model(), entries, ['x', 'c', 'r']));
  });

  it('equals means computed from the interpreter’s values for random entries with NaN and ±Infinity skipped (fast-check)', () => {
    let skipped = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.constantFrom(0, 0.05, 0.15, 0.3), fc.integer({ min: 0, max: 0x7fffffff }), (n, p, seed) => {
        const rand = prng(seed);
        const special = [NaN, Infinity, -Infinity];
        // the first entry finite, so that every value sees a finite number (else calibration fails, by design)
        const entries: DatasetEntry[] = Array.from({ length: n }, (_, e) => [
          Float32Array.from({ length: 12 }, () => (e > 0 && rand() < p ? special[Math.floor(rand() * 3)] : (rand() - 0.3) * 8)),
        ]);
        entries.forEach(([x]) => (skipped += Array.from(x as Float32Array).filter((v) => !Number.isFinite(v)).length));
        const s = calibrateSync(model(), entries, { channelMeans: true });
        expectClose(byName(s.channelMeans!), directMeans(model(), entries, ['x', 'c', 'r']));
        for (const m of s.channelMeans!.values()) for (const v of m) expect(Number.isFinite(v)).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(skipped).toBeGreaterThan(500);
  });

  it('skips a NaN or infinity in a later entry without losing the channel’s earlier sum', () => {
    // depthwise: channels stay apart, so a channel of x may be non-finite while %y still sees finite numbers
    const g = parse(`graph @m(%x: f32[1,1,2,2]) {
  %w = const f32[1,1,1,2] [1, 1]
  %y = depthwise_conv_2d(%x, %w) {depth_multiplier = 1, padding = "valid"}
  return %y
}`);
    // channel 0: 1, 3 | NaN, 5 | 7, Infinity -> (1+3+5+7)/4 = 4; channel 1: 2, 4 | 6, 8 | -Infinity, 10 -> 30/5 = 6
    const entries: DatasetEntry[] = [[Float32Array.from([1, 2, 3, 4])], [Float32Array.from([NaN, 6, 5, 8])], [Float32Array.from([7, -Infinity, Infinity, 10])]];
    expect(byName(calibrateSync(g, entries, { channelMeans: true }).channelMeans!)).toEqual({ x: [4, 6] });
    // a channel that never saw a finite number gets mean 0 (so it moves no bias), the others their means
    const dead: DatasetEntry[] = [[Float32Array.from([NaN, 2, Infinity, 4])]];
    expect(byName(calibrateSync(g, dead, { channelMeans: true }).channelMeans!)).toEqual({ x: [0, 3] });
  });

  it('is absent without the option, from calibrate() and from the calibrate pass; the pass option records it', () => {
    const entries: DatasetEntry[] = [[Float32Array.from({ length: 12 }, (_, i) => i)]];
    expect(calibrateSync(model(), entries).channelMeans).toBeUndefined();
    expect(calibrateSync(model(), entries, { channelMeans: false }).channelMeans).toBeUndefined();
    const plain: Analyses = {};
    runPipeline(model(), ['calibrate'], { analyses: plain, calibration: { dataset: entries } });
    expect(plain.statistics?.samples).toBe(1);
    expect(plain.statistics?.channelMeans).toBeUndefined();
    const asked: Analyses = {};
    runPipeline(model(), ['calibrate{channel-means=true}'], { analyses: asked, calibration: { dataset: entries } });
    // x = 0..11: channel 0 the even numbers, mean 5; channel 1 the odd ones, mean 6
    expect(byName(asked.statistics!.channelMeans!).x).toEqual([5, 6]);
    // ranges are the same with or without the means
    expect([...asked.statistics!.values.values()]).toEqual([...plain.statistics!.values.values()]);
  });
});
