// Fuzzing the reader: truncations, bit flips, overwritten offsets and random bytes must give an
// OctetError (or a valid graph), never another exception, and each file must be read quickly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { Graph, OctetError } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { Builder } from 'flatbuffers';
import { emit, inspect, read, TfliteFormatError } from '../src/index.ts';
import { Buffer as FbBuffer, Model, SubGraph, Tensor } from '../src/generated/tflite.ts';
import { ints, mnistGraph, weights } from './helpers.ts';

const SEED = 20250311;
const RUNS = 1500;
/** Time for one read + inspect (+ emit of what was read) of one mutated file. */
const PER_FILE_MS = 2000;

function smallModel(): Uint8Array {
  const g = new Graph('small');
  const x = g.addInput('x', { dtype: 'float32', shape: [1, 5, 5, 2] });
  const c = g.add('conv_2d', [x, weights([3, 3, 3, 2], 'w'), weights([3], 'b')], { padding: 'same', fused_activation: 'relu' }, { names: ['conv'] });
  const p = g.add('average_pool_2d', [c], { padding: 'valid', filter_h: 2, filter_w: 2, stride_h: 1, stride_w: 1 });
  const m = g.add('mean', [p], { axes: [1, 2] });
  const s = g.add('softmax', [g.add('add', [m, weights([3], 'bias2')], {})], {}, { names: ['probs'] });
  g.outputs.push(s);
  return emit(g);
}

function quantizedModel(): Uint8Array {
  const g = new Graph('q');
  const x = g.addInput('x', { dtype: 'float32', shape: [1, 6] });
  const q = g.add('quantize', [x], {}, { types: [{ dtype: 'int8', shape: [1, 6], quant: { scale: [0.05], zeroPoint: [2] } }] });
  const w = ints('int8', [4, 6], [3, -8, 127, 0, -127, 44], { scale: [0.1, 0.2, 0.3, 0.4], zeroPoint: [0, 0, 0, 0], axis: 0 });
  const fcOut = g.add('fully_connected', [q, w], {}, { types: [{ dtype: 'int8', shape: [1, 4], quant: { scale: [0.5], zeroPoint: [-1] } }] });
  g.outputs.push(g.add('dequantize', [fcOut], {}));
  return emit(g);
}

const selfie = (() => {
  const pkg = dirname(createRequire(import.meta.url).resolve('@mediapipe/selfie_segmentation/package.json'));
  return new Uint8Array(readFileSync(join(pkg, 'selfie_segmentation.tflite')));
})();

const SEEDS: readonly [string, Uint8Array][] = [
  ['small float model', smallModel()],
  ['int8 model', quantizedModel()],
  ['MNIST model', emit(mnistGraph())],
];

/** Reads, inspects and re-emits; returns what was thrown (undefined when the file read). */
function attempt(bytes: Uint8Array): unknown {
  const start = performance.now();
  let thrown: unknown;
  try {
    inspect(bytes);
  } catch (e) {
    thrown = e;
  }
  try {
    const g = read(bytes);
    // whatever the reader accepts, the emitter writes and the reader reads again
    read(emit(g));
  } catch (e) {
    thrown ??= e;
    if (!(e instanceof OctetError)) thrown = e;
  }
  const ms = performance.now() - start;
  if (ms > PER_FILE_MS) throw new Error(`reading a ${bytes.length}-byte file took ${ms.toFixed(0)} ms`);
  return thrown;
}

function expectOctetErrorOnly(bytes: Uint8Array): void {
  const thrown = attempt(bytes);
  if (thrown !== undefined && !(thrown instanceof OctetError)) {
    throw new Error(`non-Octet error on a ${bytes.length}-byte file: ${(thrown as Error)?.stack ?? String(thrown)}`);
  }
}

const seedArb = fc.constantFrom(...SEEDS.map(([, b]) => b));
const params = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;

describe(`reader fuzzing (fast-check seed ${SEED}, ${RUNS} runs each)`, () => {
  it('the unmutated seeds read', () => {
    for (const [, bytes] of SEEDS) expect(attempt(bytes)).toBeUndefined();
  });

  it('truncations', () => {
    fc.assert(
      fc.property(seedArb, fc.nat(), (bytes, n) => expectOctetErrorOnly(bytes.slice(0, n % bytes.length))),
      params,
    );
  });

  it('bit flips', () => {
    fc.assert(
      fc.property(seedArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }), (bytes, flips) => {
        const b = bytes.slice();
        // bias half the flips toward the structure (the data of big weights sits at the end)
        for (const [pos, bit] of flips) b[(pos % 2 ? pos % Math.min(b.length, 2048) : pos) % b.length] ^= 1 << bit;
        expectOctetErrorOnly(b);
      }),
      params,
    );
  });

  it('offsets overwritten with values out of range or nearby', () => {
    fc.assert(
      fc.property(
        seedArb,
        fc.nat(),
        fc.oneof(fc.integer({ min: -64, max: 64 }), fc.constantFrom(0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffc), fc.nat()),
        (bytes, at, value) => {
          const b = bytes.slice();
          const pos = (at % Math.max(1, Math.min(b.length, 4096) - 4)) & ~3;
          const view = new DataView(b.buffer);
          const old = view.getUint32(pos, true);
          view.setUint32(pos, Math.abs(value) > 64 ? value >>> 0 : (old + value) >>> 0, true);
          expectOctetErrorOnly(b);
        },
      ),
      params,
    );
  });

  it('random bytes, with and without the TFL3 identifier', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, identify) => {
        const b = bytes.slice();
        if (identify && b.length >= 8) b.set([0x54, 0x46, 0x4c, 0x33], 4);
        expectOctetErrorOnly(b);
      }),
      params,
    );
  });

  it('a real model from another producer, mutated', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), (cut, pos, bit) => {
        const b = selfie.slice(0, selfie.length - (cut % 64));
        b[pos % Math.min(b.length, 16384)] ^= 1 << bit;
        expectOctetErrorOnly(b);
      }),
      { ...params, numRuns: 300 },
    );
  });

  it('offsets pointing many times at one table or vector are refused, not expanded', () => {
    // 4,000 entries of the subgraphs vector all point at one subgraph of 200 tensors: walking the
    // file naively would visit 800,000 tensors in a file of about 20 kB.
    const b = new Builder(1024);
    const tensors = Array.from({ length: 200 }, () => Tensor.create(b, { shape: Tensor.createShapeVector(b, [1]) }));
    const sg = SubGraph.create(b, { tensors: SubGraph.createTensorsVector(b, tensors), inputs: SubGraph.createInputsVector(b, [0]), outputs: SubGraph.createOutputsVector(b, [0]) });
    const model = Model.create(b, {
      version: 3,
      subgraphs: Model.createSubgraphsVector(b, new Array(4000).fill(sg)),
      buffers: Model.createBuffersVector(b, [FbBuffer.create(b, {})]),
    });
    Model.finish(b, model);
    const bytes = b.asUint8Array();
    expect(bytes.length).toBeLessThan(25_000);
    const start = performance.now();
    expect(() => inspect(bytes)).toThrow(/point many times at the same tables/);
    expect(() => read(bytes)).toThrow(TfliteFormatError);
    expect(performance.now() - start).toBeLessThan(PER_FILE_MS);
  });
});
