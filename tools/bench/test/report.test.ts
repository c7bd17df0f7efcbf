import { describe, expect, it } from 'vitest';
import type { Timing } from '../src/measure.ts';
import { checkTargets, ratioToLiteRt, throughputTable, type ConversionRow, type ThroughputRow } from '../src/report.ts';

const timing = (imagesPerSecond: number): Timing => ({ imagesPerSecond, msPerImage: 1000 / imagesPerSecond, roundRates: [imagesPerSecond], runs: 10, warmupRuns: 3 });
const ok = (model: ThroughputRow['model'], precision: ThroughputRow['precision'], runtime: ThroughputRow['runtime'], rate: number): ThroughputRow => ({
  model,
  precision,
  runtime,
  status: 'ok',
  backend: 'b',
  inputDtype: 'Uint8Array',
  timing: timing(rate),
});
const conv = (model: ConversionRow['model'], wallMs: number, peakMiB: number): ConversionRow => ({
  model,
  precision: 'int8',
  tool: 'octet convert',
  command: 'c',
  status: 'ok',
  wallMs,
  peakRssBytes: peakMiB * 2 ** 20,
  memoryMethod: 'm',
  bytes: 1,
  convertMs: 1,
});

describe('report', () => {
  const rows: ThroughputRow[] = [
    ok('mnist', 'int8', 'litert', 16000),
    ok('mnist', 'int8', 'octet', 4000),
    ok('mobilenet_v2', 'int8', 'litert', 64),
    ok('mobilenet_v2', 'int8', 'octet', 20),
    { model: 'mobilenet_v2', precision: 'float', runtime: 'octet', status: 'not available', reason: 'no float kernel for gather' },
  ];

  it('divides by LiteRT on the same model and precision, and has no ratio without LiteRT', () => {
    expect(ratioToLiteRt(rows, 'mnist', 'int8', 'octet')).toBe(0.25);
    expect(ratioToLiteRt(rows, 'mobilenet_v2', 'float', 'octet')).toBeUndefined();
  });

  it('checks the targets of issue 5 and says how far a missed one is', () => {
    const checks = checkTargets(rows, [conv('mnist', 900, 200), conv('mobilenet_v2', 22_000, 900)]);
    expect(checks.map((c) => [c.met, c.gap])).toEqual([
      [true, undefined],
      [false, '2.00× the target'],
      [false, 'needs 4.0× faster'], // 0.25× of LiteRT, target 1.0×
      [true, undefined], // 20 / 64 = 0.3125 ≥ 0.25
    ]);
    expect(checkTargets(rows, [conv('mnist', 900, 300)])[0].met).toBe(false); // over 250 MiB
    const [, mnv2] = checkTargets(rows, [conv('mnist', 900, 200), conv('mobilenet_v2', 10_400, 235)]);
    expect([mnv2.met, mnv2.measured]).toEqual([true, '10.4 s']);
  });

  it('judges the throughput targets on the interpreter as it comes (paired ratios first), not on its reference kernels', () => {
    const reference = [ok('mnist', 'int8', 'octet-reference', 2000), ok('mobilenet_v2', 'int8', 'octet-reference', 2)];
    const paired = [{ model: 'mnist' as const, runtime: 'octet' as const, ratio: 1.2, ratios: [1.1, 1.2, 1.3], ours: 19200, litert: 16000 }];
    const checks = checkTargets([...rows, ...reference], [], paired);
    expect(checks.filter((c) => c.name.includes('throughput')).map((c) => [c.name, c.met])).toEqual([
      ['octet int8 mnist throughput vs LiteRT (1 thread, paired)', true],
      ['octet int8 mobilenet_v2 throughput vs LiteRT (1 thread)', true],
    ]);
  });

  it('prints a ratio in each non-LiteRT cell and the reason of each missing cell', () => {
    const text = throughputTable(rows);
    expect(text).toContain('4,000/s 0.25 ms (0.25×)');
    expect(text).toContain('n/a octet mobilenet_v2 float: not available: no float kernel for gather');
    expect(text.split('\n')[0]).toMatch(/^model +precision +octet +octet \(reference kernels\) +LiteRT +tfjs$/);
  });
});
