// correct-bias (fast-check, fixed seed): with ŵ the dequantized int8 weight quantize-weights stores and
// E[x] the calibration mean of each input channel, the corrected bias is b − Σ (ŵ − w)·E[x] (computed
// here from the interpreter's values and quantize-weights' output, not from the pass); for
// fully_connected that makes the mean output error of the int8-weight model over the calibration data
// zero, to float32 rounding of the bias; the weights are left as they are, and quantize-weights after
// it stores the same int8 weights as without it.
import fc from 'fast-check';
import { constant, Graph, OctetError, type AnyOp, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { FLOAT32_EPSILON } from '@octet/testing';
import { describe, expect, it } from 'vitest';
import { runPipeline, type Analyses, type DatasetEntry } from '../src/index.ts';
import { buildGraph, graphSpec, prng } from './random-graphs.ts';

const SEED = 20260518;
const WEIGHTED = new Set(['conv_2d', 'depthwise_conv_2d', 'fully_connected']);

/** ŵ: the int8 weights of a quantized constant times their scale (per channel along `axis`, or one). */
function dequantized(q: Value): Float64Array {
  const { scale, axis } = q.type.quant!;
  const shape = q.type.shape;
  const inner = axis === undefined ? 1 : shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const dim = axis === undefined ? 1 : shape[axis];
  return Float64Array.from(q.data as Int8Array, (v, i) => v * scale[axis === undefined ? 0 : Math.floor(i / inner) % dim]);
}

/** Per value, the mean of each last-axis channel over every entry and position (finite elements only), from the interpreter directly. */
function channelMeans(g: Graph, dataset: DatasetEntry[], of: Set<Value>): Map<Value, Float64Array> {
  const sums = new Map<Value, { sum: Float64Array; count: Float64Array }>();
  const interpreter = new Interpreter(g, {
    onValue: (v, data) => {
      if (!of.has(v)) return;
      const c = v.type.shape[v.type.shape.length - 1];
      let s = sums.get(v);
      if (!s) sums.set(v, (s = { sum: new Float64Array(c), count: new Float64Array(c) }));
      for (let i = 0; i < data.length; i++) {
        const x = Number(data[i]);
        if (!Number.isFinite(x)) continue;
        s.sum[i % c] += x;
        s.count[i % c]++;
      }
    },
  });
  for (const entry of dataset) interpreter.run(entry.map((a) => Float32Array.from(a as ArrayLike<number>)));
  return new Map([...sums].map(([v, s]) => [v, s.sum.map((x, c) => x / s.count[c])]));
}

/** For weight element i of `op`: its output channel and the input channel (last axis of input 0) it reads. */
function channelsOf(op: AnyOp): (i: number) => [out: number, input: number] {
  const shape = op.inputs[1].type.shape;
  const cin = op.inputs[0].type.shape[op.inputs[0].type.shape.length - 1];
  if (op.kind === 'depthwise_conv_2d') {
    const out = shape[3];
    const m = op.attrs.depth_multiplier as number;
    return (i) => [i % out, Math.floor((i % out) / m)];
  }
  const inner = shape.slice(1).reduce((a, b) => a * b, 1); // OHWI, or [O, K] (K = cin: the input is [batch, K])
  return (i) => [Math.floor(i / inner), i % cin];
}

const copies = (g: Graph) => g.ops.map((op) => op.inputs.map((v) => (v.data ? Array.from(v.data as Float32Array) : undefined)));

describe(`correct-bias on random conv / depthwise / dense graphs (fast-check seed ${SEED})`, () => {
  it('gives b − Σ (ŵ − w)·E[x] with ŵ what quantize-weights stores, leaves the weights, and quantize-weights after it stores the same int8 weights', () => {
    let ops = 0;
    let added = 0;
    let depthwiseM2 = 0;
    fc.assert(
      fc.property(graphSpec, fc.integer({ min: 1, max: 4 }), (spec, n) => {
        const { graph: original } = buildGraph(spec);
        const rand = prng(spec.seed ^ 0x5bd1e995);
        const size = spec.h * spec.w * spec.c;
        // an offset per entry, so that channel means are not all near zero
        const dataset: DatasetEntry[] = Array.from({ length: n }, () => {
          const offset = rand() - 0.3;
          return [Float32Array.from({ length: size }, () => spec.gain * (rand() - 0.5 + offset))];
        });
        const before = copies(original);
        const corrected = runPipeline(original.clone(), ['calibrate{channel-means=true}', 'correct-bias'], { calibration: { dataset }, verifyEach: true });
        const correctedQ = runPipeline(original.clone(), ['calibrate{channel-means=true}', 'correct-bias', 'quantize-weights'], { calibration: { dataset }, verifyEach: true });
        const plainQ = runPipeline(original.clone(), ['quantize-weights'], { verifyEach: true });
        expect(copies(original)).toEqual(before); // constant data is shared by clones: nothing wrote into it
        expect(corrected.ops.map((op) => op.kind)).toEqual(original.ops.map((op) => op.kind));

        const weighted = original.ops.map((op, i) => [op, i] as const).filter(([op]) => WEIGHTED.has(op.kind));
        const means = channelMeans(original, dataset, new Set(weighted.map(([op]) => op.inputs[0])));
        for (const [op, i] of weighted) {
          const c = corrected.ops[i];
          // the weights: the same float data (and, once quantized, the same int8 data and parameters)
          expect(Array.from(c.inputs[1].data as Float32Array)).toEqual(before[i][1]);
          expect(c.inputs[1].type).toEqual(op.inputs[1].type);
          expect(Array.from(correctedQ.ops[i].inputs[1].data as Int8Array)).toEqual(Array.from(plainQ.ops[i].inputs[1].data as Int8Array));
          expect(correctedQ.ops[i].inputs[1].type).toEqual(plainQ.ops[i].inputs[1].type);

          const w = op.inputs[1].data as Float32Array;
          const wq = dequantized(plainQ.ops[i].inputs[1]);
          const mean = means.get(op.inputs[0])!;
          const at = channelsOf(op);
          const outC = op.outputs[0].type.shape[op.outputs[0].type.shape.length - 1];
          const err = new Float64Array(outC);
          const mag = new Float64Array(outC);
          for (let k = 0; k < w.length; k++) {
            const [o, ci] = at(k);
            err[o] += (wq[k] - w[k]) * mean[ci];
            mag[o] += Math.abs((wq[k] - w[k]) * mean[ci]);
          }
          const b = op.inputs[2]?.data as Float32Array | undefined;
          if (!b) added++;
          if (op.kind === 'depthwise_conv_2d' && (op.attrs.depth_multiplier as number) > 1 && op.inputs[0].type.shape[3] > 1) depthwiseM2++;
          expect(c.inputs.length).toBe(3);
          const got = c.inputs[2].data as Float32Array;
          expect(c.inputs[2].type).toEqual({ dtype: 'float32', shape: [outC] });
          for (let o = 0; o < outC; o++) {
            const want = (b ? b[o] : 0) - err[o];
            // the bias is stored as float32: within half an ulp (2^-24 relative), plus the float64 sums' rounding
            const tol = FLOAT32_EPSILON * Math.abs(want) * (1 + 1e-9) + 1e-12 * mag[o];
            if (!(Math.abs(got[o] - want) <= tol)) {
              throw new Error(`${op.kind} #${i} channel ${o}: bias ${got[o]}, want ${want} (b ${b?.[o] ?? 0}, Σ(ŵ−w)·E[x] ${err[o]}), |diff| ${Math.abs(got[o] - want)} > ${tol}`);
            }
          }
          ops++;
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
    // the property saw ops without a bias and depthwise convolutions with several channels and multipliers
    expect(ops).toBeGreaterThan(150);
    expect(added).toBeGreaterThan(20);
    expect(depthwiseM2).toBeGreaterThan(5);
  });
});

interface DenseCase {
  batch: number;
  k: number;
  out: number;
  bias: boolean;
  perTensor: boolean;
  entries: number;
  seed: number;
}

const denseCase: fc.Arbitrary<DenseCase> = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  k: fc.integer({ min: 1, max: 6 }),
  out: fc.integer({ min: 1, max: 5 }),
  bias: fc.boolean(),
  perTensor: fc.boolean(),
  entries: fc.integer({ min: 1, max: 5 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

describe(`correct-bias on fully_connected: the mean output error over the calibration data (fast-check seed ${SEED})`, () => {
  it('is zero (to float32 rounding of the bias) with the correction, and Σ (ŵ − w)·E[x] without it', () => {
    let visible = 0;
    fc.assert(
      fc.property(denseCase, (d) => {
        const rand = prng(d.seed);
        const u = (lo: number, hi: number) => lo + (hi - lo) * rand();
        const W = Float32Array.from({ length: d.out * d.k }, () => u(-1, 1) * 3);
        const B = Float32Array.from({ length: d.out }, () => u(-0.5, 0.5));
        const g = new Graph('dense');
        const x = g.addInput('x', { dtype: 'float32', shape: [d.batch, d.k] });
        const w = constant({ dtype: 'float32', shape: [d.out, d.k] }, W.slice(), 'w');
        const operands = d.bias ? [x, w, constant({ dtype: 'float32', shape: [d.out] }, B.slice(), 'b')] : [x, w];
        g.outputs.push(g.add('fully_connected', operands, { fused_activation: 'none' }, { names: ['y'] }));
        const shift = Array.from({ length: d.k }, () => u(-2, 2));
        const dataset: DatasetEntry[] = Array.from({ length: d.entries }, () => [Float32Array.from({ length: d.batch * d.k }, (_, i) => shift[i % d.k] + u(-1, 1))]);

        const dense = d.perTensor ? '{dense=per-tensor}' : '';
        const q = runPipeline(g, ['calibrate{channel-means=true}', `correct-bias${dense}`, `quantize-weights${dense}`], { calibration: { dataset }, verifyEach: true });
        const op = q.ops.find((o) => o.kind === 'fully_connected')!;
        expect(op.inputs[1].type.quant!.axis).toBe(d.perTensor ? undefined : 0);
        const wq = dequantized(op.inputs[1]);
        const b2 = op.inputs[2].data as Float32Array;

        // y[r, o] = Σ_k W[o, k]·x[r, k] + b[o], in double; errors averaged over every row of every entry
        const corrected = new Float64Array(d.out);
        const uncorrected = new Float64Array(d.out);
        let rows = 0;
        for (const [xs] of dataset) {
          const xr = xs as Float32Array;
          for (let r = 0; r < d.batch; r++, rows++) {
            for (let o = 0; o < d.out; o++) {
              let yf = d.bias ? B[o] : 0;
              let yq = 0;
              for (let k = 0; k < d.k; k++) {
                yf += W[o * d.k + k] * xr[r * d.k + k];
                yq += wq[o * d.k + k] * xr[r * d.k + k];
              }
              corrected[o] += yq + b2[o] - yf;
              uncorrected[o] += yq + (d.bias ? B[o] : 0) - yf;
            }
          }
        }
        // E[x] and Σ (ŵ − w)·E[x], written out
        const ex = new Float64Array(d.k);
        for (const [xs] of dataset) for (let i = 0; i < d.batch * d.k; i++) ex[i % d.k] += (xs as Float32Array)[i] / (d.entries * d.batch);
        for (let o = 0; o < d.out; o++) {
          let shiftO = 0;
          let mag = Math.abs(d.bias ? B[o] : 0);
          for (let k = 0; k < d.k; k++) {
            shiftO += (wq[o * d.k + k] - W[o * d.k + k]) * ex[k];
            mag += (Math.abs(wq[o * d.k + k]) + Math.abs(W[o * d.k + k])) * Math.abs(ex[k]);
          }
          const tol = FLOAT32_EPSILON * Math.abs(b2[o]) * (1 + 1e-9) + 1e-12 * mag;
          expect(Math.abs(corrected[o] / rows), `channel ${o}`).toBeLessThanOrEqual(tol);
          expect(Math.abs(uncorrected[o] / rows - shiftO), `channel ${o}`).toBeLessThanOrEqual(1e-12 * mag);
          if (Math.abs(shiftO) > 1000 * tol) visible++;
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
    // the correction was far above the tolerance in most channels: the property is not vacuous
    expect(visible).toBeGreaterThan(300);
  });
});

describe('correct-bias', () => {
  it('is an error without the channel means, in the pipeline and with statistics from calibrate without the option', () => {
    const g = () => {
      const graph = new Graph('m');
      const x = graph.addInput('x', { dtype: 'float32', shape: [1, 2] });
      graph.outputs.push(graph.add('fully_connected', [x, constant({ dtype: 'float32', shape: [1, 2] }, Float32Array.from([1, -0.3]))], { fused_activation: 'none' }));
      return graph;
    };
    const message = "correct-bias needs the calibration's channel means: run calibrate{channel-means=true} before it in the same pipeline";
    expect(() => runPipeline(g(), ['correct-bias'])).toThrow(new OctetError(message));
    const analyses: Analyses = {};
    expect(() => runPipeline(g(), ['calibrate', 'correct-bias'], { analyses, calibration: { dataset: [[Float32Array.from([1, 2])]] } })).toThrow(message);
    expect(analyses.statistics?.samples).toBe(1);
    expect(analyses.statistics?.channelMeans).toBeUndefined();
  });
});
