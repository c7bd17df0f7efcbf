import { parse } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { checks } from '../tutorial/checks.ts';
import { argmax, quantize } from '../tutorial/io.ts';
import { layerErrors, quantizedLayers } from '@octet/converter';
import type { TutorialResult } from '../tutorial/run.ts';
import { renderReport } from '../tutorial/report.ts';
import { formatTable, type Row } from '../tutorial/table.ts';

describe('quantize (TFLite QUANTIZE on the XNNPACK path: round half to even, saturate)', () => {
  it('rounds ties to even and saturates, int8 and uint8', () => {
    // x / 0.5 = 0.5, 1.5, -200, 200, 1, 2.5
    const x = [0.25, 0.75, -100, 100, 0.5, 1.25];
    expect(Array.from(quantize(x, 0.5, 3, 'int8'))).toEqual([3, 5, -128, 127, 4, 5]);
    expect(Array.from(quantize(x, 0.5, 128, 'uint8'))).toEqual([128, 130, 0, 255, 129, 130]);
  });
  it('argmax takes the first of equal maxima', () => {
    expect(argmax([1, 5, 5, -2])).toBe(1);
    expect(argmax(Int8Array.of(-128, -128))).toBe(0);
  });
});

// Both graphs compute relu(x); the quantized one at scale 0.5, zero point -10. For
// x = [1.25, -0.75, 3, 0.375]: x / 0.5 = [2.5, -1.5, 6, 0.75] rounds (half to even) to [2, -2, 6, 1],
// q = [-8, -12, -4, -9], relu keeps q >= -10: [-8, -10, -4, -9], dequantized [1, 0, 3, 0.5].
// Float relu: [1.25, 0, 3, 0.375]; errors [-0.25, 0, 0, 0.125] = [-0.5, 0, 0, 0.25] steps.
const FLOAT = `graph @f(%x: f32[4]) {
  %r = relu(%x) : f32[4]
  return %r
}`;
const QUANT_FLOAT_IO = `graph @q(%x: f32[4]) {
  %xq = quantize(%x) : i8[4] q(0.5, -10)
  %r = relu(%xq) : i8[4] q(0.5, -10)
  %y = dequantize(%r) : f32[4]
  return %y
}`;
const QUANT_INT8_IO = `graph @q(%x: i8[4] q(0.5, -10)) {
  %r = relu(%x) : i8[4] q(0.5, -10)
  return %r
}`;
const SAMPLE = Float32Array.of(1.25, -0.75, 3, 0.375);

describe('layerErrors', () => {
  it('covers op results with a float namesake, not graph inputs or unmatched names', () => {
    expect(quantizedLayers(parse(FLOAT), parse(QUANT_FLOAT_IO)).map((l) => l.name)).toEqual(['r']);
    expect(quantizedLayers(parse(FLOAT), parse(QUANT_INT8_IO)).map((l) => l.name)).toEqual(['r']);
  });

  for (const [io, text] of [['float I/O', QUANT_FLOAT_IO], ['int8 I/O (inputs quantized as QUANTIZE does)', QUANT_INT8_IO]] as const) {
    it(`gives the hand-computed error statistics, ${io}`, () => {
      const [r] = layerErrors(parse(FLOAT), parse(text), [[SAMPLE], [SAMPLE]]);
      expect(r.name).toBe('r');
      expect(r.op).toBe('relu');
      expect(r.dtype).toBe('int8');
      expect(r.scale).toEqual([0.5]);
      expect(r.zeroPoint).toEqual([-10]);
      expect(r.count).toBe(8);
      expect(r.rangeUsed).toEqual([0.5 * (-128 + 10), 0.5 * (127 + 10)]);
      expect(r.rangeSeen).toEqual([0, 3]);
      // Σ f² = 1.5625 + 9 + 0.140625 = 10.703125 per sample, Σ e² = 0.0625 + 0.015625 = 0.078125
      expect(r.sqnrDb).toBeCloseTo(10 * Math.log10(10.703125 / 0.078125), 10);
      expect(r.rmse).toBeCloseTo(Math.sqrt(0.078125 / 4), 12);
      expect(r.rmseOverScale).toBeCloseTo(Math.sqrt((0.25 + 0.0625) / 4), 12);
    });
  }

  it('refuses an empty set of samples', () => {
    expect(() => layerErrors(parse(FLOAT), parse(QUANT_FLOAT_IO), [])).toThrow('layer errors need at least one sample');
  });

  it('reports exact values as infinite SQNR', () => {
    const [r] = layerErrors(parse(FLOAT), parse(QUANT_FLOAT_IO), [[Float32Array.of(1, 0, -3, 2.5)]]);
    expect(r.sqnrDb).toBe(Infinity);
    expect(r.rmse).toBe(0);
  });
});

const row = (id: Row['id'], label: string, extra: Omit<Row, 'id' | 'label' | 'file'>): Row => ({ id, label, file: `${id}.tflite`, ...extra });

describe('the table', () => {
  const rows: Row[] = [
    row('float', 'float', { bytes: 83184, convertMs: 19.4, evaluation: { count: 500, accuracyOurs: 0.9812, accuracyLiteRt: 0.9812, agreement: { kind: 'argmax', fraction: 1, maxAbsDiff: 3.8e-6 }, seconds: 1 } }),
    row('dynamic', 'dynamic range', { bytes: 22528, convertMs: 3, evaluation: { count: 500, accuracyOurs: 0.9, seconds: 1 } }),
    row('uint8', 'integer only, uint8 I/O', { bytes: 23968, convertMs: 130, evaluation: { count: 500, accuracyOurs: 0.98, accuracyLiteRt: 0.98, agreement: { kind: 'identical', fraction: 0.998 }, seconds: 1 } }),
  ];

  it('pads the columns (numbers right-aligned) and shows a missing LiteRT figure as —', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^variant +bytes +accuracy \(ours\) +accuracy \(LiteRT\) +agreement with LiteRT +convert ms$/);
    expect(lines[1]).toMatch(/^-{23}  -{6}  -{15}  -{17}  -{30}  -{10}$/);
    expect(lines[2]).toMatch(/^float +83,184 +98\.12% +98\.12% +100\.00% argmax, max \|Δ\| 3\.8e-6 +19$/);
    expect(lines[3]).toMatch(/^dynamic range +22,528 +90\.00% +— +— +3$/);
    expect(lines[4]).toMatch(/ 99\.80% byte-identical +130$/);
    // every line ends its numeric columns at the same place
    const end = (l: string, s: string) => l.indexOf(s) + s.length;
    expect(end(lines[2], '98.12%')).toBe(end(lines[4], '98.00%'));
    expect(end(lines[2], '83,184')).toBe(end(lines[3], '22,528'));
    expect(new Set(lines.slice(2).map((l) => l.length))).toEqual(new Set([lines[0].length]));
  });

  it('checks flag what misses the tutorial claims', () => {
    const r = { rows } as TutorialResult;
    expect(checks(r)).toEqual([
      "✓ float accuracy 98.12% (≥ 97.50% expected after the tutorial's 5 epochs on all images)",
      "✓ float: argmax equal to LiteRT's on 100.00% of 500 images",
      "✗ integer only, uint8 I/O: outputs byte-identical to LiteRT's on 99.80% of 500 images",
    ]);
  });
});

describe('report.html', () => {
  const layer = (name: string, sqnrDb: number) => ({
    name, op: 'conv_2d', dtype: 'int8' as const, scale: [0.1], zeroPoint: [-128], rangeUsed: [0, 25.5] as [number, number],
    rangeSeen: [0, 20] as [number, number], count: 100, rmse: 0.03, rmseOverScale: 0.3, sqnrDb,
  });
  const result = {
    options: { epochs: 1, out: 'x', seed: 1, layerSamples: 10 },
    training: { backend: 'wasm', trainImages: 10, testImages: 10, history: [], testAccuracyTfjs: 0.9 },
    rows: [
      { id: 'float', label: 'float', file: 'f.tflite', bytes: 1000, convertMs: 1, evaluation: { count: 10, accuracyOurs: 0.9, accuracyLiteRt: 0.9, seconds: 1 } },
      { id: 'dynamic', label: 'dynamic <range> & co', file: 'd.tflite', bytes: 500, convertMs: 1 },
    ],
    layers: [layer('a<b>', 30.25), layer('c', Infinity), layer('d', 12)],
    layersOf: 'int8',
    layerSamples: 10,
    seconds: { load: 0, train: 0, convert: 0, evaluate: 0, layers: 0, total: 0 },
    files: { modelJson: '', report: '', results: '' },
  } as TutorialResult;
  const html = renderReport(result);

  it('draws one sqnr-bar per layer, the lowest SQNR marked worst, an exact layer as ∞', () => {
    expect([...html.matchAll(/<rect class="(sqnr-bar[^"]*)"/g)].map((m) => m[1])).toEqual(['sqnr-bar', 'sqnr-bar', 'sqnr-bar worst']);
    expect(html).toContain('30.3 dB');
    expect(html).toContain('∞ (exact)');
  });

  it('escapes names and labels', () => {
    expect(html).toContain('a&lt;b&gt; (conv_2d)');
    expect(html).not.toContain('<range>');
    expect(html).toContain('<td>dynamic &lt;range&gt; &amp; co</td>');
  });

  it('draws one size bar per variant, saying how much smaller than float', () => {
    expect([...html.matchAll(/<rect class="size-bar [^"]*"[^>]*width="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([420, 210]);
    expect(html).toContain('500 B (2.0× smaller)');
  });

  it('loads nothing: no script, no link but the empty data: icon, no URL but the SVG namespace', () => {
    expect(html).not.toMatch(/<script|<img|@import|url\(/);
    expect([...html.matchAll(/<link [^>]*>/g)].map((m) => m[0])).toEqual(['<link rel="icon" href="data:,">']);
    expect(new Set([...html.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => m[0]))).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });
});
