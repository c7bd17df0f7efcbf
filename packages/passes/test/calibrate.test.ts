// Calibration: statistics from the float interpreter over a representative dataset (sync or async),
// NaN skipped and counted, progress, limits, one-line errors, and the statistics feeding
// quantize-activations through the pipeline's analyses.
import { DiagnosticError, OctetError, parse, print, type Value } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { calibrate, calibrateSync, CalibrationError, runPipeline, runPipelineAsync, type Analyses, type CalibrationProgress, type CalibrationStatistics, type DatasetEntry } from '../src/index.ts';

const model = () =>
  parse(`graph @m(%x: f32[1,3]) {
  %w = const f32[2,3] [1, 0, 0, 0, 1, -1]
  %y = fully_connected(%x, %w) : f32[1,2]
  %r = relu(%y) : f32[1,2]
  return %r
}`);

// Three entries: y = [x0, x1 − x2], r = relu(y).
const ENTRIES: DatasetEntry[] = [
  [Float32Array.from([1, 2, 3])], // y = [1, -1]
  [Float32Array.from([-2, 0, -4])], // y = [-2, 4]
  [Float32Array.from([0.5, NaN, 1])], // y = [NaN, NaN]: 0·NaN is NaN
];

const byName = (s: CalibrationStatistics) => Object.fromEntries([...s.values].map(([v, st]) => [v.name, st]));

describe('calibrate (min/max observer)', () => {
  it('records the global min and max of every float value over all entries, NaN skipped and counted', async () => {
    const s = await calibrate(model(), ENTRIES);
    expect(s.observer).toBe('minmax');
    expect(s.samples).toBe(3);
    const st = byName(s);
    expect(Object.keys(st).sort()).toEqual(['r', 'x', 'y']);
    expect(st.x).toEqual({ min: -4, max: 3, finite: 8, nan: 1, infinite: 0 });
    expect(st.y).toEqual({ min: -2, max: 4, finite: 4, nan: 2, infinite: 0 });
    expect(st.r).toEqual({ min: 0, max: 4, finite: 4, nan: 2, infinite: 0 });
  });

  it('gives the same statistics from an array, a generator, an async generator, and number arrays', async () => {
    const want = byName(calibrateSync(model(), ENTRIES));
    function* gen() {
      yield* ENTRIES;
    }
    async function* agen() {
      for (const e of ENTRIES) {
        await new Promise((r) => setTimeout(r, 0));
        yield e;
      }
    }
    expect(byName(await calibrate(model(), gen()))).toEqual(want);
    expect(byName(await calibrate(model(), agen()))).toEqual(want);
    expect(byName(await calibrate(model(), ENTRIES.map((e) => [Array.from(e[0] as Float32Array)])))).toEqual(want);
    expect(byName(await calibrate(model(), ENTRIES.map((e) => [Float64Array.from(e[0] as Float32Array)])))).toEqual(want);
  });

  it('counts infinities apart and keeps them out of the range', async () => {
    const st = byName(await calibrate(model(), [[Float32Array.from([Infinity, 1, 0])], [Float32Array.from([2, -1, 0])]]));
    expect(st.x).toEqual({ min: -1, max: 2, finite: 5, nan: 0, infinite: 1 });
  });

  it('reports progress after each entry, with the total when it is known, and stops at `samples`', async () => {
    const seen: CalibrationProgress[] = [];
    await calibrate(model(), ENTRIES, { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { samples: 1, total: 3 },
      { samples: 2, total: 3 },
      { samples: 3, total: 3 },
    ]);
    seen.length = 0;
    let pulled = 0;
    function* endless() {
      for (;;) {
        pulled++;
        yield [Float32Array.from([pulled, 0, 0])];
      }
    }
    const s = await calibrate(model(), endless(), { samples: 4, onProgress: (p) => seen.push(p) });
    expect(s.samples).toBe(4);
    expect(pulled).toBe(4);
    expect(byName(s).x).toMatchObject({ min: 0, max: 4 });
    expect(seen.map((p) => p.total)).toEqual([4, 4, 4, 4]);
  });

  it('rejects entries that do not fit the model, naming the entry and the input', async () => {
    const fail = async (data: unknown) => {
      try {
        await calibrate(model(), data as DatasetEntry[]);
      } catch (e) {
        expect(e).toBeInstanceOf(CalibrationError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(await fail([Float32Array.from([1, 2, 3])])).toBe("representative dataset entry 0 is not an array: yield one array per model input ('x'), e.g. [x]");
    expect(await fail([[new Float32Array(3), new Float32Array(3)]])).toBe("representative dataset entry 0 has 2 arrays, the model takes 1 input ('x'): give one array per input, in order");
    expect(await fail([ENTRIES[0], [new Float32Array(4)]])).toBe("representative dataset entry 1, input 'x' of shape [1,3]: expected 3 values, got 4");
    expect(await fail([['abc']])).toBe("representative dataset entry 0, input 'x': expected an array of 3 numbers, got string");
    expect(await fail([])).toBe('the representative dataset gave no entries: give at least one entry (one array per model input)');
  });

  it('names every value that saw no finite number, at once', async () => {
    const g = parse(`graph @n(%x: f32[2]) {
  %z = const f32[2] [0, 0]
  %q = div(%z, %z) : f32[2]
  %y = add(%x, %q) : f32[2]
  return %y
}`);
    let err: unknown;
    try {
      await calibrate(g, [[Float32Array.from([1, 2])], [Float32Array.from([3, 4])]]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).diagnostics.map((d) => d.message)).toEqual([
      "'div' op %q saw no finite value in 2 calibration samples (4 NaN, 0 infinite): it has no range to quantize; check the model and the representative data",
      "'add' op %y saw no finite value in 2 calibration samples (4 NaN, 0 infinite): it has no range to quantize; check the model and the representative data",
    ]);
  });
});

describe('the calibrate pass', () => {
  it('puts the statistics in the analyses, where quantize-activations reads them', async () => {
    const analyses: Analyses = {};
    const g = await runPipelineAsync(model(), ['calibrate', 'quantize-weights', 'quantize-activations'], { analyses, calibration: { dataset: ENTRIES }, verifyEach: true });
    expect(analyses.statistics?.samples).toBe(3);
    // x ∈ [-4, 3]: s = 7/255, zp = −128 + 4/s = 17.71… -> 18; y ∈ [-2, 4]: s = 6/255, zp = −128 + 85 = −43; r ∈ [0, 4]: s = 4/255, zp −128.
    const text = print(g);
    expect(text).toContain('quantize(%x) : i8[1,3] q(0.02745098, 18)');
    expect(text).toContain(': i8[1,2] q(0.023529412, -43)');
    expect(text).toContain(': i8[1,2] q(0.015686275, -128)');
  });

  it('runs a sync dataset in runPipeline and refuses an async one there, pointing at runPipelineAsync', () => {
    const analyses: Analyses = {};
    runPipeline(model(), ['calibrate'], { analyses, calibration: { dataset: ENTRIES } });
    expect(byName(analyses.statistics!).r).toMatchObject({ min: 0, max: 4 });
    async function* agen() {
      yield ENTRIES[0];
    }
    expect(() => runPipeline(model(), ['calibrate'], { calibration: { dataset: agen() } })).toThrow(
      new OctetError('calibrate got an async representative dataset: run the pipeline with runPipelineAsync'),
    );
  });

  it('keys statistics by value, so that passes after it (which edit in place) still find them', async () => {
    const analyses: Analyses = {};
    const g = model();
    const r: Value = g.ops[1].outputs[0];
    await runPipelineAsync(g, ['calibrate', 'quantize-weights'], { analyses, calibration: { dataset: ENTRIES } });
    expect(g.ops[1].outputs[0]).toBe(r);
    expect(analyses.statistics!.values.get(r)).toMatchObject({ min: 0, max: 4 });
  });
});
