/**
 * The WebAssembly SIMD float kernels (wasm/float.wasm) compute bit for bit what the reference float
 * kernels compute (Object.is on every element, so −0 and NaN count), on random shapes, strides,
 * dilations, paddings, activations and data, constant weights with and without a bias.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, constant, Graph, type Activation, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { fastFloatKernels, usesWasmFloat } from '../src/fast/float.ts';

const SEED = 20261125;
const RUNS = 400;

const caseArb = fc.record({
  kind: fc.constantFrom('conv_2d' as const, 'depthwise_conv_2d' as const, 'fully_connected' as const),
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 8 }),
  w: fc.integer({ min: 1, max: 8 }),
  c: fc.integer({ min: 1, max: 19 }),
  o: fc.integer({ min: 1, max: 19 }),
  m: fc.integer({ min: 1, max: 4 }).map((v) => (v === 4 ? 2 : 1)), // mostly 1 (the wasm path), sometimes 2 (the fallback)
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  dh: fc.integer({ min: 1, max: 2 }),
  dw: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom('same' as const, 'valid' as const),
  act: fc.constantFrom<Activation>(...ACTIVATIONS),
  bias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function floats(count: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return (a / 2 ** 31 - 1) * 3;
  });
}

function build(t: Case): { graph: Graph; input: Float32Array } | undefined {
  const g = new Graph('case');
  const inShape = t.kind === 'fully_connected' ? [t.n, t.c * t.kh] : [t.n, t.h, t.w, t.c];
  const x = g.addInput('x', { dtype: 'float32', shape: inShape });
  const outC = t.kind === 'depthwise_conv_2d' ? t.c * t.m : t.o;
  const wShape = t.kind === 'conv_2d' ? [t.o, t.kh, t.kw, t.c] : t.kind === 'depthwise_conv_2d' ? [1, t.kh, t.kw, outC] : [t.o, t.c * t.kh];
  const operands: Value[] = [x, constant({ dtype: 'float32', shape: wShape }, floats(wShape.reduce((a, b) => a * b, 1), t.seed + 1))];
  if (t.bias) operands.push(constant({ dtype: 'float32', shape: [outC] }, floats(outC, t.seed + 2)));
  const geo = { padding: t.padding, stride_h: t.sh, stride_w: t.sw, dilation_h: t.dh, dilation_w: t.dw, fused_activation: t.act };
  try {
    g.outputs.push(
      t.kind === 'conv_2d'
        ? g.add('conv_2d', operands, geo)
        : t.kind === 'depthwise_conv_2d'
          ? g.add('depthwise_conv_2d', operands, { ...geo, depth_multiplier: t.m })
          : g.add('fully_connected', operands, { fused_activation: t.act }),
    );
  } catch {
    return undefined; // the window does not fit the input
  }
  return { graph: g, input: floats(inShape.reduce((a, b) => a * b, 1), t.seed) };
}

describe(`WebAssembly SIMD float kernels (fast-check seed ${SEED})`, () => {
  it('equal the reference kernels bit for bit', () => {
    let fast = 0;
    let tried = 0;
    fc.assert(
      fc.property(caseArb, (t) => {
        const built = build(t);
        if (!built) return;
        tried++;
        if (usesWasmFloat(built.graph.ops[0] as never)) fast++;
        const want = new Interpreter(built.graph, { kernels: 'reference' }).run([built.input])[0] as Float32Array;
        const got = new Interpreter(built.graph, { kernels: { float: fastFloatKernels } }).run([built.input])[0] as Float32Array;
        expect(got.length).toBe(want.length);
        const i = got.findIndex((v, k) => !Object.is(v, want[k]));
        expect(i < 0 ? undefined : `element ${i}: ${got[i]} vs ${want[i]}`).toBeUndefined();
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(fast).toBeGreaterThan(tried * 0.7);
  });
});
