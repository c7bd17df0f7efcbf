/**
 * The reference float conv kernels were restructured for speed (patch gathering, four filters or
 * channels per pass); their sums must stay exactly those of the textbook loops written out below
 * (bias first, then the taps in (ky, kx, i) order). Checked bit for bit (Object.is, so −0 and NaN
 * count); the fast WebAssembly kernels are pinned to these by fast-float.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, Graph, type Activation } from '@octet/ir';
import { interpret } from '@octet/interpreter';

const SEED = 20261125;
const RUNS = 300;
const RANGE: { readonly [A in Activation]: [number, number] } = { none: [-Infinity, Infinity], relu: [0, Infinity], relu6: [0, 6], relu_n1_to_1: [-1, 1] };
const clamp = (v: number, [lo, hi]: [number, number]) => Math.min(Math.max(v, lo), hi);

/** TFLite's SAME/VALID geometry along one axis: [out, padBefore]. */
function axis(size: number, k: number, s: number, d: number, padding: 'same' | 'valid'): [number, number] {
  const eff = (k - 1) * d + 1;
  const out = padding === 'same' ? Math.ceil(size / s) : Math.floor((size - eff) / s) + 1;
  return [out, Math.max(0, Math.floor(((out - 1) * s + eff - size) / 2))];
}

const values = (n: number, seed: number) => {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 31 - 1; // [-1, 1)
  });
};

const windowCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  c: fc.integer({ min: 1, max: 9 }),
  o: fc.integer({ min: 1, max: 11 }),
  m: fc.integer({ min: 1, max: 3 }),
  kh: fc.integer({ min: 1, max: 4 }),
  kw: fc.integer({ min: 1, max: 4 }),
  sh: fc.integer({ min: 1, max: 3 }),
  sw: fc.integer({ min: 1, max: 3 }),
  dh: fc.integer({ min: 1, max: 2 }),
  dw: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom('same' as const, 'valid' as const),
  act: fc.constantFrom<Activation>(...ACTIVATIONS),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type Case = typeof windowCase extends fc.Arbitrary<infer T> ? T : never;

function fits(t: Case): boolean {
  return axis(t.h, t.kh, t.sh, t.dh, t.padding)[0] >= 1 && axis(t.w, t.kw, t.sw, t.dw, t.padding)[0] >= 1;
}

function run(kind: 'conv_2d' | 'depthwise_conv_2d', t: Case, xs: Float32Array, ws: Float32Array, bs: Float32Array): Float32Array {
  const g = new Graph('case');
  const outC = kind === 'conv_2d' ? t.o : t.c * t.m;
  const x = g.addInput('x', { dtype: 'float32', shape: [t.n, t.h, t.w, t.c] });
  const w = g.addInput('w', { dtype: 'float32', shape: kind === 'conv_2d' ? [t.o, t.kh, t.kw, t.c] : [1, t.kh, t.kw, outC] });
  const b = g.addInput('b', { dtype: 'float32', shape: [outC] });
  const geo = { padding: t.padding, stride_h: t.sh, stride_w: t.sw, dilation_h: t.dh, dilation_w: t.dw, fused_activation: t.act };
  const operands = t.bias ? [x, w, b] : [x, w];
  g.outputs.push(kind === 'conv_2d' ? g.add('conv_2d', operands, geo) : g.add('depthwise_conv_2d', operands, { ...geo, depth_multiplier: t.m }));
  g.inputs.splice(t.bias ? 3 : 2);
  return interpret(g, t.bias ? [xs, ws, bs] : [xs, ws], { kernels: 'reference' })[0] as Float32Array;
}

/** The textbook loop: one output at a time, taps in (ky, kx, i) order, out-of-bounds taps skipped. */
function textbook(kind: 'conv_2d' | 'depthwise_conv_2d', t: Case, x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const [outH, padTop] = axis(t.h, t.kh, t.sh, t.dh, t.padding);
  const [outW, padLeft] = axis(t.w, t.kw, t.sw, t.dw, t.padding);
  const outC = kind === 'conv_2d' ? t.o : t.c * t.m;
  const y = new Float32Array(t.n * outH * outW * outC);
  let yi = 0;
  for (let n = 0; n < t.n; n++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let o = 0; o < outC; o++) {
          let sum = t.bias ? b[o] : 0;
          for (let ky = 0; ky < t.kh; ky++)
            for (let kx = 0; kx < t.kw; kx++) {
              const iy = oy * t.sh - padTop + ky * t.dh;
              const ix = ox * t.sw - padLeft + kx * t.dw;
              if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
              const at = ((n * t.h + iy) * t.w + ix) * t.c;
              // conv_2d sums in float32, product then sum rounded (XNNPACK's f32 conv on wasm)
              if (kind === 'conv_2d') for (let i = 0; i < t.c; i++) sum = Math.fround(sum + Math.fround(x[at + i] * w[((o * t.kh + ky) * t.kw + kx) * t.c + i]));
              else sum += x[at + Math.floor(o / t.m)] * w[(ky * t.kw + kx) * outC + o];
            }
          y[yi++] = clamp(sum, RANGE[t.act]);
        }
  return y;
}

function firstDifference(a: Float32Array, b: Float32Array): string | undefined {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  const i = a.findIndex((v, k) => !Object.is(v, b[k]));
  return i < 0 ? undefined : `element ${i}: ${a[i]} vs ${b[i]}`;
}

describe(`float conv kernels equal the textbook loops bit for bit (fast-check seed ${SEED})`, () => {
  it.each(['conv_2d', 'depthwise_conv_2d'] as const)('%s', (kind) => {
    fc.assert(
      fc.property(windowCase.filter(fits), (t) => {
        const outC = kind === 'conv_2d' ? t.o : t.c * t.m;
        const x = values(t.n * t.h * t.w * t.c, t.seed);
        const w = values(kind === 'conv_2d' ? t.o * t.kh * t.kw * t.c : t.kh * t.kw * outC, t.seed + 1);
        const b = values(outC, t.seed + 2);
        expect(firstDifference(run(kind, t, x, w, b), textbook(kind, t, x, w, b))).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('fully_connected', () => {
    const dense = fc.record({ rows: fc.integer({ min: 1, max: 4 }), k: fc.integer({ min: 1, max: 40 }), o: fc.integer({ min: 1, max: 13 }), act: fc.constantFrom<Activation>(...ACTIVATIONS), bias: fc.boolean(), seed: fc.nat() });
    fc.assert(
      fc.property(dense, (t) => {
        const g = new Graph('fc');
        const x = g.addInput('x', { dtype: 'float32', shape: [t.rows, t.k] });
        const w = g.addInput('w', { dtype: 'float32', shape: [t.o, t.k] });
        const bv = g.addInput('b', { dtype: 'float32', shape: [t.o] });
        g.outputs.push(g.add('fully_connected', t.bias ? [x, w, bv] : [x, w], { fused_activation: t.act }));
        if (!t.bias) g.inputs.splice(2);
        const [xs, ws, bs] = [values(t.rows * t.k, t.seed), values(t.o * t.k, t.seed + 1), values(t.o, t.seed + 2)];
        const got = interpret(g, t.bias ? [xs, ws, bs] : [xs, ws], { kernels: 'reference' })[0] as Float32Array;
        const want = new Float32Array(t.rows * t.o);
        for (let r = 0; r < t.rows; r++)
          for (let o = 0; o < t.o; o++) {
            let sum = t.bias ? bs[o] : 0;
            for (let i = 0; i < t.k; i++) sum = Math.fround(sum + Math.fround(xs[r * t.k + i] * ws[o * t.k + i]));
            want[r * t.o + o] = clamp(sum, RANGE[t.act]);
          }
        expect(firstDifference(got, want)).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
