import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, encodeIdx, encodeNpy, numel, parseIdx, parseIdxImages, parseNpy, readIdx, readNpy, type NpyData } from '../src/index.ts';

const SEED = 20240611;
const RUNS = 3000;

const dims = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 });

const npyArray = fc
  .record({
    dtype: fc.constantFrom('float32', 'float64', 'int8', 'uint8', 'int32', 'int64'),
    shape: dims,
    version: fc.constantFrom(1 as const, 2 as const),
    seed: fc.integer(),
  })
  .map(({ dtype, shape, version, seed }) => {
    const n = numel(shape);
    const values = Array.from({ length: n }, (_, i) => ((seed + i * 7919) % 251) - 125);
    const data: NpyData = {
      float32: () => Float32Array.from(values, (v) => v / 8),
      float64: () => Float64Array.from(values, (v) => v / 3),
      int8: () => Int8Array.from(values),
      uint8: () => Uint8Array.from(values, (v) => v + 125),
      int32: () => Int32Array.from(values, (v) => v * 100000),
      int64: () => BigInt64Array.from(values, (v) => BigInt(v) * 10n ** 15n),
    }[dtype]();
    return { dtype, shape, data, version };
  });

/** A mutation of valid bytes: what a truncated download, a bad disk or a wrong file looks like. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat({ max: 140 }), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = new Uint8Array(bytes);
  const pos = (at: number) => (out.length === 0 ? 0 : at % out.length);
  switch (m.kind) {
    case 'truncate':
      return out.subarray(0, pos(m.at));
    case 'flip':
      for (let k = 0; k < m.count && out.length > 0; k++) out[pos(m.at * (k + 1) + k)] ^= 1 << m.bit;
      return out;
    case 'set':
      if (out.length > 0) out[pos(m.at)] = m.byte;
      return out;
    case 'insert': {
      const at = pos(m.at);
      return new Uint8Array([...out.subarray(0, at), ...m.bytes, ...out.subarray(at)]);
    }
    case 'random':
      return m.bytes;
  }
}

/** Either a consistent result or a one-line DataError naming the file; nothing else. */
function onlyDataErrors<T>(file: string, parse: () => T, consistent: (value: T) => boolean): boolean {
  let value: T;
  try {
    value = parse();
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return e.message.startsWith(`${file}: `) && !e.message.includes('\n');
  }
  return consistent(value);
}

const BYTES: Record<string, number> = { float32: 4, float64: 8, int8: 1, uint8: 1, int32: 4, int64: 8 };

describe(`npy reader fuzzing (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('round-trips every valid array', () => {
    fc.assert(
      fc.property(npyArray, ({ dtype, shape, data, version }) => {
        const back = parseNpy(encodeNpy({ shape, data }, { version }), 'a.npy');
        expect(back).toEqual({ dtype, shape, data });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('mutated files give a consistent array or a DataError, never another exception', () => {
    fc.assert(
      fc.property(npyArray, mutation, ({ shape, data, version }, m) => {
        const bytes = mutate(encodeNpy({ shape, data }, { version }), m);
        return onlyDataErrors('f.npy', () => parseNpy(bytes, 'f.npy'), (a) => a.data.length === numel(a.shape) && a.data.byteLength === numel(a.shape) * BYTES[a.dtype]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('header text mutations (the part a strict parser must survive)', () => {
    const headerChar = fc.constantFrom(...`{}()[],:'" 0123456789-LTrueFalsdcrihpo<>|f4u1\n\t`.split(''));
    fc.assert(
      fc.property(npyArray, fc.nat(), fc.array(headerChar, { minLength: 1, maxLength: 6 }), ({ shape, data }, at, chars) => {
        const bytes = encodeNpy({ shape, data });
        const headerLength = bytes[8] | (bytes[9] << 8);
        const start = 10 + (at % headerLength);
        chars.forEach((c, k) => {
          if (start + k < 10 + headerLength) bytes[start + k] = c.charCodeAt(0);
        });
        return onlyDataErrors('h.npy', () => parseNpy(bytes, 'h.npy'), (a) => a.data.length === numel(a.shape));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

const idxArray = fc
  .record({ shape: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }), seed: fc.integer() })
  .map(({ shape, seed }) => ({ shape, data: Uint8Array.from({ length: numel(shape) }, (_, i) => (seed + i * 31) & 255) }));

describe(`IDX reader fuzzing (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('round-trips every valid file', () => {
    fc.assert(
      fc.property(idxArray, ({ shape, data }) => {
        const back = parseIdx(encodeIdx(shape, data), 'a.idx');
        expect(back.shape).toEqual(shape);
        expect(back.data).toEqual(data);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('mutated files give a consistent array or a DataError, never another exception', () => {
    fc.assert(
      fc.property(idxArray, mutation, fc.boolean(), ({ shape, data }, m, asImages) => {
        const bytes = mutate(encodeIdx(shape, data), m);
        if (asImages) return onlyDataErrors('i.idx', () => parseIdxImages(bytes, 'i.idx'), (a) => a.images.length === a.count * a.rows * a.cols);
        return onlyDataErrors('i.idx', () => parseIdx(bytes, 'i.idx'), (a) => a.data.length === numel(a.shape));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('the same from disk, with limits (readIdx reads only a prefix)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octet-fuzz-'));
    const path = join(dir, 'f.idx');
    fc.assert(
      fc.property(idxArray, mutation, fc.option(fc.nat({ max: 8 })), ({ shape, data }, m, limit) => {
        writeFileSync(path, mutate(encodeIdx(shape, data), m));
        return onlyDataErrors(path, () => readIdx(path, { limit: limit ?? undefined }), (a) => a.data.length === numel(a.shape));
      }),
      { seed: SEED, numRuns: 500 },
    );
    // and readNpy from disk for good measure
    fc.assert(
      fc.property(npyArray, mutation, ({ shape, data }, m) => {
        writeFileSync(path, mutate(encodeNpy({ shape, data }), m));
        return onlyDataErrors(path, () => readNpy(path), (a) => a.data.length === numel(a.shape));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
