/**
 * The WebAssembly SIMD int8 kernels (wasm/int8.wasm) compute byte for byte what the reference int8
 * kernels compute in `xnnpack` mode, on random shapes, strides, dilations, paddings, activations,
 * quantization parameters and data; and the committed .wasm is what its source builds to.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, constant, Graph, type Activation, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { fastInt8Kernels, usesWasm } from '../src/fast/int8.ts';

const SEED = 20261125;
const RUNS = 400;
const HERE = fileURLToPath(new URL('..', import.meta.url));

const kinds = ['conv_2d', 'depthwise_conv_2d', 'fully_connected'] as const;
type Kind = (typeof kinds)[number];

const caseArb = fc.record({
  kind: fc.constantFrom(...kinds),
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 8 }),
  w: fc.integer({ min: 1, max: 8 }),
  c: fc.integer({ min: 1, max: 20 }),
  o: fc.integer({ min: 1, max: 13 }),
  kh: fc.integer({ min: 1, max: 3 }),
  kw: fc.integer({ min: 1, max: 3 }),
  sh: fc.integer({ min: 1, max: 2 }),
  sw: fc.integer({ min: 1, max: 2 }),
  dh: fc.integer({ min: 1, max: 2 }),
  dw: fc.integer({ min: 1, max: 2 }),
  padding: fc.constantFrom('same' as const, 'valid' as const),
  act: fc.constantFrom<Activation>(...ACTIVATIONS),
  bias: fc.integer({ min: 0, max: 3 }).map((v) => v > 0), // mostly with a bias, as converted models have
  perChannel: fc.boolean(),
  zpIn: fc.integer({ min: -128, max: 127 }),
  zpOut: fc.integer({ min: -128, max: 127 }),
  sIn: fc.double({ min: 1e-3, max: 0.1, noNaN: true }),
  /** The output scale relative to the typical accumulator, so that outputs spread over the int8 range (or saturate, sometimes). */
  spread: fc.double({ min: 0.05, max: 4, noNaN: true }),
  /** 1 in 4: s_in·s_w / s_out = 0.5 exactly, so that every odd accumulator is a rounding tie. */
  ties: fc.integer({ min: 0, max: 3 }).map((v) => v === 0),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function lcg(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}

/** One int8 op with constant weights and bias, in a graph of its own; undefined when the window does not fit. */
function build(t: Case): { graph: Graph; input: Int8Array } | undefined {
  const r = lcg(t.seed);
  const int8s = (count: number, lo: number) => Int8Array.from({ length: count }, () => lo + Math.floor(r() * (128 - lo)));
  const g = new Graph('case');
  const inShape = t.kind === 'fully_connected' ? [t.n, t.c * t.kh] : [t.n, t.h, t.w, t.c];
  const sIn = t.ties ? 0.25 : t.sIn;
  const x = g.addInput('x', { dtype: 'int8', shape: inShape, quant: { scale: [sIn], zeroPoint: [t.zpIn] } });
  const outC = t.kind === 'depthwise_conv_2d' ? t.c : t.o;
  const wShape = t.kind === 'conv_2d' ? [t.o, t.kh, t.kw, t.c] : t.kind === 'depthwise_conv_2d' ? [1, t.kh, t.kw, t.c] : [t.o, t.c * t.kh];
  const axis = t.kind === 'depthwise_conv_2d' ? 3 : 0;
  const sW = Array.from({ length: t.perChannel ? outC : 1 }, () => (t.ties ? 0.5 : 0.002 + 0.03 * r()));
  const w = constant({ dtype: 'int8', shape: wShape, quant: { scale: sW, zeroPoint: sW.map(() => 0), ...(t.perChannel ? { axis } : {}) } }, int8s(wShape.reduce((a, b) => a * b, 1), -127));
  const K = t.kind === 'depthwise_conv_2d' ? t.kh * t.kw : wShape.slice(1).reduce((a, b) => a * b, 1);
  const sOut = t.ties ? 0.25 : Math.fround(sIn * 0.017 * Math.sqrt(K) * 127 * 74 * t.spread / 100);
  const operands: Value[] = [x, w];
  if (t.bias) {
    const scales = Array.from({ length: outC }, (_, c) => sIn * sW[t.perChannel ? c : 0]);
    operands.push(constant({ dtype: 'int32', shape: [outC], quant: { scale: scales, zeroPoint: scales.map(() => 0), axis: 0 } }, Int32Array.from({ length: outC }, () => Math.round((r() - 0.5) * 40000))));
  }
  const geo = { padding: t.padding, stride_h: t.sh, stride_w: t.sw, dilation_h: t.dh, dilation_w: t.dw, fused_activation: t.act };
  const out = { dtype: 'int8' as const, quant: { scale: [sOut], zeroPoint: [t.zpOut] } };
  try {
    const probe =
      t.kind === 'conv_2d'
        ? g.createOp('conv_2d', operands, geo)
        : t.kind === 'depthwise_conv_2d'
          ? g.createOp('depthwise_conv_2d', operands, { ...geo, depth_multiplier: 1 })
          : g.createOp('fully_connected', operands, { fused_activation: t.act });
    const y = g.add(t.kind as Kind, operands, probe.attrs as never, { types: [{ ...out, shape: probe.outputs[0].type.shape }] });
    g.outputs.push(y);
  } catch {
    return undefined; // the window does not fit the input
  }
  return { graph: g, input: int8s(inShape.reduce((a, b) => a * b, 1), -128) };
}

describe(`WebAssembly SIMD int8 kernels (fast-check seed ${SEED})`, () => {
  it('equal the reference kernels byte for byte, xnnpack mode', () => {
    let fast = 0;
    let tried = 0;
    fc.assert(
      fc.property(caseArb, (t) => {
        const built = build(t);
        if (!built) return;
        tried++;
        const op = built.graph.ops[0];
        if (usesWasm(op as never, 'xnnpack')) fast++;
        const want = new Interpreter(built.graph, { kernels: 'reference' }).run([built.input])[0];
        const got = new Interpreter(built.graph, { kernels: { int8: fastInt8Kernels } }).run([built.input])[0];
        expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    // every case takes the wasm path (constant weights and bias, xnnpack mode)
    expect(fast).toBe(tried);
  });


  it('max_pool_2d: equals the reference byte for byte (16-, 8- and 1-channel paths, padding, activations)', () => {
    const arb = fc.record({
      n: fc.integer({ min: 1, max: 2 }),
      h: fc.integer({ min: 1, max: 7 }),
      w: fc.integer({ min: 1, max: 7 }),
      c: fc.integer({ min: 1, max: 40 }),
      fh: fc.integer({ min: 1, max: 3 }),
      fw: fc.integer({ min: 1, max: 3 }),
      sh: fc.integer({ min: 1, max: 3 }),
      sw: fc.integer({ min: 1, max: 3 }),
      padding: fc.constantFrom('same' as const, 'valid' as const),
      act: fc.constantFrom<Activation>(...ACTIVATIONS),
      scale: fc.double({ min: 1e-3, max: 0.1, noNaN: true }),
      zp: fc.integer({ min: -128, max: 127 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    });
    fc.assert(
      fc.property(arb, (t) => {
        const g = new Graph('pool');
        const quant = { scale: [t.scale], zeroPoint: [t.zp] };
        const x = g.addInput('x', { dtype: 'int8', shape: [t.n, t.h, t.w, t.c], quant });
        const attrs = { padding: t.padding, filter_h: t.fh, filter_w: t.fw, stride_h: t.sh, stride_w: t.sw, fused_activation: t.act };
        let shape: number[];
        try {
          shape = g.createOp('max_pool_2d', [x], attrs).outputs[0].type.shape;
        } catch {
          return; // the window does not fit
        }
        g.outputs.push(g.add('max_pool_2d', [x], attrs, { types: [{ dtype: 'int8', shape, quant }] }));
        const r = lcg(t.seed);
        const input = Int8Array.from({ length: t.n * t.h * t.w * t.c }, () => Math.floor(r() * 256) - 128);
        const want = new Interpreter(g, { kernels: 'reference' }).run([input])[0];
        const got = new Interpreter(g, { kernels: { int8: fastInt8Kernels } }).run([input])[0];
        expect([...got]).toEqual([...want]);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it('quantize between int8 and uint8: equals the reference byte for byte (x ^ 0x80 at one scale, the reference otherwise)', () => {
    const arb = fc.record({
      toInt8: fc.boolean(),
      zpInt8: fc.integer({ min: -128, max: 127 }),
      apart: fc.constantFrom(128, 128, 127, 0),
      sameScale: fc.constantFrom(true, true, false),
      scale: fc.double({ min: 1e-3, max: 0.1, noNaN: true }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    });
    fc.assert(
      fc.property(arb, (t) => {
        const zpUint8 = Math.min(255, Math.max(0, t.zpInt8 + t.apart));
        const int8 = { dtype: 'int8' as const, shape: [3, 37], quant: { scale: [t.scale], zeroPoint: [t.zpInt8] } };
        const uint8 = { dtype: 'uint8' as const, shape: [3, 37], quant: { scale: [t.sameScale ? t.scale : t.scale * 1.5], zeroPoint: [zpUint8] } };
        const [from, to] = t.toInt8 ? [uint8, int8] : [int8, uint8];
        const g = new Graph('q');
        const x = g.addInput('x', from);
        g.outputs.push(g.add('quantize', [x], {}, { types: [to] }));
        const r = lcg(t.seed);
        const raw = Array.from({ length: 3 * 37 }, () => Math.floor(r() * 256));
        const input = from.dtype === 'uint8' ? Uint8Array.from(raw) : Int8Array.from(raw, (v) => v - 128);
        const reference = new Interpreter(g, { kernels: 'reference' });
        const fast = new Interpreter(g, { kernels: { int8: fastInt8Kernels } });
        const want = reference.run([input])[0];
        const got = fast.run([input])[0];
        expect(got.constructor).toBe(want.constructor);
        expect([...got]).toEqual([...want]);
        // a second invoke of the same interpreter on other data (the kernel keeps byte views of its buffers)
        const input2 = input.map((v) => (v === 0 ? 1 : 0));
        expect([...fast.run([input2])[0]]).toEqual([...reference.run([input2])[0]]);
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('leave reference arithmetic to the reference kernels: the default interpreter computes what they compute', () => {
    let differs = 0;
    fc.assert(
      fc.property(caseArb, (t) => {
        const built = build(t);
        if (!built) return;
        const want = new Interpreter(built.graph, { arithmetic: 'reference', kernels: 'reference' }).run([built.input])[0];
        const got = new Interpreter(built.graph, { arithmetic: 'reference' }).run([built.input])[0];
        expect([...got]).toEqual([...want]);
        // the check has teeth: xnnpack arithmetic (what the wasm kernels compute) differs on some cases
        const xnnpack = new Interpreter(built.graph).run([built.input])[0];
        if (xnnpack.some((v, i) => v !== want[i])) differs++;
      }),
      { numRuns: 100, seed: SEED },
    );
    expect(differs).toBeGreaterThan(0);
  });

  it('leave reference mode to the reference kernels', () => {
    const built = build({ ...fc.sample(caseArb, { numRuns: 1, seed: SEED })[0], kind: 'conv_2d', bias: true, h: 4, w: 4, kh: 1, kw: 1 })!;
    expect(usesWasm(built.graph.ops[0] as never, 'xnnpack')).toBe(true);
    expect(usesWasm(built.graph.ops[0] as never, 'reference')).toBe(false);
  });

  it('the committed wasm/*.wasm are what assembly/*.ts build to', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octet-asc-'));
    try {
      execFileSync(process.execPath, [join(HERE, 'scripts', 'build-wasm.mjs'), dir], { cwd: HERE });
      for (const name of ['int8', 'float']) {
        expect(readFileSync(join(dir, `${name}.wasm`)).equals(readFileSync(join(HERE, 'wasm', `${name}.wasm`))), name).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
