import { Graph } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { renderDebugHtml, sqnrChart } from '../src/debug/html.ts';
import { layerErrors, layerFlags, LayerErrorMeter, type LayerError } from '@octet/converter';

/** float: r = relu(x); int8: r = relu(quantize(x)) at q(0.5, 0), the input quantized inside the graph (float I/O). */
function pair(): { float: Graph; quant: Graph } {
  const float = new Graph('f');
  const x = float.addInput('x', { dtype: 'float32', shape: [1, 4] });
  float.outputs = [float.add('relu', [x], {}, { names: ['r'] })];
  const quant = new Graph('q');
  const xf = quant.addInput('x', { dtype: 'float32', shape: [1, 4] });
  const q = { scale: [0.5], zeroPoint: [0] };
  const xq = quant.add('quantize', [xf], {}, { types: [{ dtype: 'int8', shape: [1, 4], quant: q }], names: ['x_int8'] });
  const r = quant.add('relu', [xq], {}, { types: [{ dtype: 'int8', shape: [1, 4], quant: q }], names: ['r'] });
  quant.outputs = [quant.add('dequantize', [r], {}, { names: ['out'] })];
  return { float, quant };
}

const layer = (name: string, sqnrDb: number, extra: Partial<LayerError> = {}): LayerError => ({
  name,
  op: 'conv_2d',
  dtype: 'int8',
  scale: [0.1],
  zeroPoint: [0],
  rangeUsed: [-12.8, 12.7],
  rangeSeen: [-1, 1],
  count: 10,
  rmse: 0.01,
  rmseOverScale: 0.1,
  sqnrDb,
  ...extra,
});

describe('per-layer error (octet debug)', () => {
  it('matches values by tensor name and computes RMSE, RMSE/scale, SQNR and ranges by hand', () => {
    const { float, quant } = pair();
    // x·2 = 0.4, 2, −2, 1.48 → q = 0, 2, −2, 1 → relu → 0, 2, 0, 1 → 0, 1, 0, 0.5 against 0.2, 1, 0, 0.74.
    const x = Float32Array.from([0.2, 1, -1, 0.74]);
    const [r] = layerErrors(float, quant, [[x]]);
    const f = [Math.fround(0.2), 1, 0, Math.fround(0.74)];
    const e = [0 - f[0], 0, 0, 0.5 - f[3]];
    const e2 = e.reduce((a, v) => a + v * v, 0);
    expect(r.name).toBe('r');
    expect(r.op).toBe('relu');
    expect(r.count).toBe(4);
    expect(r.rmse).toBeCloseTo(Math.sqrt(e2 / 4), 12);
    expect(r.rmseOverScale).toBeCloseTo(Math.sqrt(e2 / 0.25 / 4), 12);
    expect(r.sqnrDb).toBeCloseTo(10 * Math.log10(f.reduce((a, v) => a + v * v, 0) / e2), 10);
    expect(r.rangeSeen).toEqual([0, 1]);
    expect(r.rangeUsed).toEqual([-64, 63.5]);
  });

  it('feeds a float sample to an int8 input through the arithmetic\'s QUANTIZE: −0.25 at scale 0.5 is a tie', () => {
    // float: r = relu(x); int8 I/O: r = reshape(x) at q(0.5, 0), no relu. For x = −0.25 the float r is 0;
    // xnnpack quantizes x to even(−0.5) = 0 (r = 0, no error), reference to away(−0.5) = −1 (r = −0.5).
    const { float } = pair();
    const quant = new Graph('q');
    const q = { scale: [0.5], zeroPoint: [0] };
    const x = quant.addInput('x', { dtype: 'int8', shape: [1, 4], quant: q });
    quant.outputs = [quant.add('reshape', [x], { new_shape: [1, 4] }, { types: [{ dtype: 'int8', shape: [1, 4], quant: q }], names: ['r'] })];
    const sample = [Float32Array.from([-0.25, -0.25, -0.25, -0.25])];
    expect(layerErrors(float, quant, [sample], { arithmetic: 'xnnpack' })[0].rmse).toBe(0);
    expect(layerErrors(float, quant, [sample], { arithmetic: 'reference' })[0].rmse).toBe(0.5);
  });

  it('an exact layer has an infinite SQNR; samples accumulate one at a time', () => {
    const { float, quant } = pair();
    const meter = new LayerErrorMeter(float, quant);
    meter.add([Float32Array.from([0.5, 1, 1.5, 0])]);
    meter.add([Float32Array.from([2, -1, 0, 63.5])]);
    expect(meter.samples).toBe(2);
    const [r] = meter.result();
    expect(r.count).toBe(8);
    expect(r.rmse).toBe(0);
    expect(r.sqnrDb).toBe(Infinity);
    expect(r.rangeSeen).toEqual([0, 63.5]);
  });

  it('refuses zero samples', () => {
    const { float, quant } = pair();
    expect(() => layerErrors(float, quant, [])).toThrow(/at least one sample/);
  });

  it('flags the lowest SQNR, errors over twice the rounding error, and clipped ranges', () => {
    const flags = layerFlags([
      layer('a', 40),
      layer('b', 12, { rmseOverScale: 0.8 }),
      layer('c', 30, { rangeSeen: [-1, 13] }),
      layer('d', Infinity),
    ]);
    expect(flags).toEqual([[], ['lowest SQNR', 'error > 2× rounding'], ['clipped'], []]);
  });
});

describe('the debug HTML report', () => {
  const layers = [layer('conv2d', 30), layer('dense<"x">', 15), layer('max_pooling2d', Infinity), layer('bad', -3)];
  const flags = layerFlags(layers);

  it('draws one rect.sqnr-bar per quantized layer, lengths proportional to SQNR (exact: full, negative: none)', () => {
    const svg = sqnrChart(layers, flags);
    const widths = [...svg.matchAll(/<rect class="sqnr-bar[^"]*"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toEqual([420, 210, 420, 0]);
    // Only 'bad' is flagged (the lowest SQNR); the others are within the rounding error and unclipped.
    expect([...svg.matchAll(/class="sqnr-bar flagged" [^>]*data-layer="([^"]*)"/g)].map((m) => m[1])).toEqual(['bad']);
  });

  it('is self-contained and escapes layer names', () => {
    const html = renderDebugHtml({ model: 'm.json', samples: 3, arithmetic: 'xnnpack', layers, flags });
    expect(html).not.toMatch(/<script|<link|src=|href=/i);
    expect(html.match(/https?:\/\//g)).toEqual(['http://']); // the SVG namespace only
    expect(html).toContain('dense&#60;&#34;x&#34;&#62;');
    expect(html).not.toContain('dense<"x">');
    expect(html.match(/<tr( class="flagged")?><td>/g)).toHaveLength(4);
  });
});
