import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataError, representativeDataset, representativeFromModule, representativeFromNpy, type RepresentativeSource } from '../src/index.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'octet-rep-'));
let n = 0;
const moduleFile = (source: string, ext = '.mjs') => {
  const path = join(dir, `m${n++}${ext}`);
  writeFileSync(path, source);
  return path;
};

async function collect(source: RepresentativeSource) {
  const out = [];
  for await (const e of source) out.push(e);
  return out;
}

describe('representative dataset from a .npy', () => {
  it('yields the rows of a float32 array', async () => {
    const src = representativeFromNpy(join(fixtures, 'f32_2x3.npy'));
    expect(src.count).toBe(2);
    expect(src.sampleShape).toEqual([3]);
    expect(await collect(src)).toEqual([new Float32Array([-1, -0.5, 0]), new Float32Array([0.5, 1, 1.5])]);
    expect(await collect(representativeFromNpy(join(fixtures, 'f32_2x3.npy'), { limit: 1 }))).toEqual([new Float32Array([-1, -0.5, 0])]);
  });

  it('refuses float64 with the cast to use, and scalars', () => {
    expect(() => representativeFromNpy(join(fixtures, 'f64_3.npy'))).toThrow(/f64_3\.npy: the \.npy array is float64, float32 is needed: save it with x\.astype\(np\.float32\)$/);
    expect(() => representativeFromNpy(join(fixtures, 'i32_scalar.npy'))).toThrow(/int32, float32 is needed/);
  });
});

describe('representative dataset from a JS module', () => {
  it('an array, a generator function, an async generator', async () => {
    const arr = moduleFile('export default [new Float32Array([1, 2]), [3, 4]];');
    expect(await collect(await representativeFromModule(arr))).toEqual([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    const gen = moduleFile('export default function* () { for (let i = 0; i < 3; i++) yield new Float32Array([i]); }');
    expect(await collect(await representativeFromModule(gen))).toEqual([0, 1, 2].map((i) => new Float32Array([i])));
    const agen = moduleFile('export default (async function* () { yield { x: new Float32Array([5]), y: [6, 7] }; })();');
    expect(await collect(await representativeFromModule(agen))).toEqual([{ x: new Float32Array([5]), y: new Float32Array([6, 7]) }]);
  });

  it('one array per input for several inputs', async () => {
    const m = moduleFile('export default [[new Float32Array([1]), [2, 3]]];');
    expect(await collect(await representativeFromModule(m))).toEqual([[new Float32Array([1]), new Float32Array([2, 3])]]);
  });

  it('a limit stops an endless generator', async () => {
    const m = moduleFile('export default function* () { for (let i = 0; ; i++) yield [i]; }');
    expect(await collect(await representativeFromModule(m, { limit: 4 }))).toEqual([0, 1, 2, 3].map((i) => new Float32Array([i])));
  });

  it('bad samples name the module and the sample', async () => {
    const strings = moduleFile("export default [new Float32Array(1), 'oops'];");
    await expect(collect(await representativeFromModule(strings))).rejects.toThrow(
      `${strings}: sample 1 is string: yield a Float32Array, an array of them (one per model input) or a record of them by input name`,
    );
    const f64 = moduleFile('export default [[new Float32Array(1), new Float64Array(2)]];');
    await expect(collect(await representativeFromModule(f64))).rejects.toThrow(`${f64}: sample 0, input 1, is a Float64Array: yield Float32Array.from(x)`);
    const ints = moduleFile('export default [new Int32Array(2)];');
    await expect(collect(await representativeFromModule(ints))).rejects.toThrow(/sample 0 is Int32Array:/);
  });

  it('a module that is not a dataset', async () => {
    const notIterable = moduleFile('export default 42;');
    await expect(representativeFromModule(notIterable)).rejects.toThrow(`${notIterable}: the default export is not an iterable of samples`);
    const broken = moduleFile('export default [;');
    const err = await representativeFromModule(broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/could not import the module: .*/);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('representativeDataset picks the source by file name', () => {
  it('.npy, modules, anything else', async () => {
    expect((await representativeDataset(join(fixtures, 'f32_1.npy'))).count).toBe(1);
    const m = moduleFile('export default [[1]];', '.js');
    expect((await representativeDataset(m)).origin).toBe(m);
    await expect(representativeDataset('samples.csv')).rejects.toThrow(
      'samples.csv: not a representative dataset: give a float32 .npy (one sample per row) or a module (.js, .mjs, .cjs, .ts, .mts)',
    );
  });
});
