/**
 * Hybrid (dynamic-range) kernels: float32 input, int8 per-channel weights, float32 bias and output.
 * The kernel family routes them; against the float kernel on the dequantized weights they differ
 * only by the run-time quantization of the input (a bound from its step); and hand-computed cases
 * pin the two input quantizers (XNNPACK's qd8 and TFLite's AsymmetricQuantizeFloats).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, constant, Graph, windowOutputSize, type Activation, type Value } from '@octet/ir';
import { hybridKernelBound } from '@octet/testing';
import { interpret, kernelFamily, type Arithmetic } from '../src/index.ts';
import { dequantize, fl, numel, rng, SEED, weights } from './int8-helpers.ts';

const RUNS = 150;
const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape });

function hybridGraph(kind: 'conv_2d' | 'depthwise_conv_2d' | 'fully_connected', xShape: number[], w: Value, b: Value | undefined, attrs: Record<string, unknown>, outShape: number[]): Graph {
  const g = new Graph('hybrid');
  const x = g.addInput('x', f32(xShape));
  g.outputs.push(g.add(kind, [x, w, ...(b ? [b] : [])], attrs as never, { types: [f32(outShape)] }));
  return g;
}

/** The float twin: the same op with the weights dequantized to float32. */
function floatTwin(g: Graph): Graph {
  const op = g.ops[0];
  const t = new Graph('float');
  const x = t.addInput('x', f32(g.inputs[0].type.shape));
  const w = op.inputs[1];
  const wf = constant(f32(w.type.shape), dequantize(w.type, w.data!));
  t.outputs.push(t.add(op.kind, [x, wf, ...op.inputs.slice(2)], op.attrs as never, { types: [f32(op.outputs[0].type.shape)] }));
  return t;
}

describe('kernel selection', () => {
  it('a float32 conv_2d, depthwise_conv_2d or fully_connected with int8 weights is in the int8 family (hybrid)', () => {
    const w = weights([1, 1, 1, 1], [0.5], 0, new Int8Array([2]));
    const g = hybridGraph('conv_2d', [1, 1, 1, 1], w, undefined, { padding: 'valid' }, [1, 1, 1, 1]);
    expect(kernelFamily(g.ops[0])).toBe('int8');
    // x = 3 alone: qd8 quantizes [0, 3] to steps of 3/255 with zp −128 → q − zp = 255; y = 255·(3/255)·(2·0.5) = 3
    expect([...(interpret(g, [Float32Array.of(3)])[0] as Float32Array)]).toEqual([3]);
  });

  it('refuses an int32 bias on a hybrid op', () => {
    const w = weights([1, 1], [0.5], 0, new Int8Array([2]));
    const b = constant({ dtype: 'int32', shape: [1], quant: { scale: [0.5], zeroPoint: [0] } }, new Int32Array([1]));
    const g = hybridGraph('fully_connected', [1, 1], w, b, {}, [1, 1]);
    expect(() => interpret(g, [Float32Array.of(1)])).toThrow("'fully_connected' op is hybrid (float32 input, int8 weights) but has float32, int8, int32 → float32: give it a float32 bias and result");
  });
});

describe('input quantization, by hand', () => {
  // x = [−0.5, 0.19921875, 1.4921875]: rmax − rmin = 255/128, so inv = 128 and scale = 1/128 exactly;
  // zp = −128 − (−0.5·128) = −64 (the min side has the smaller error). x·128 = −64, 25.5, 191.
  // qd8 (xnnpack fully_connected): q = even(25.5) + zp, q − zp = 26.
  // TFLite (reference, and depthwise in both modes): q = away(fl(zp + 25.5)) = away(−38.5) = −39, q − zp = 25.
  // w = [1, 2, 3] at s_w = 0.5, bias 0.25: acc = −64 + 2·26 + 3·191 = 561 (559 with 25);
  // y = fl(fl(561/128)·0.5) + 0.25 = 2.44140625 (2.43359375). The float kernel gives 2.4375.
  const x = Float32Array.of(-0.5, 0.19921875, 1.4921875);
  const run = (mode: Arithmetic) => {
    const g = hybridGraph('fully_connected', [1, 3], weights([1, 3], [0.5], 0, Int8Array.of(1, 2, 3)), constant(f32([1]), Float32Array.of(0.25)), {}, [1, 1]);
    return [...(interpret(g, [x], { arithmetic: mode })[0] as Float32Array)];
  };

  it('xnnpack (XNNPACK qd8): round half to even', () => {
    expect(run('xnnpack')).toEqual([2.44140625]);
  });

  it('reference (TFLite AsymmetricQuantizeFloats): round half away from zero', () => {
    expect(run('reference')).toEqual([2.43359375]);
  });

  it('depthwise_conv_2d uses TFLite’s quantizer in both modes (LiteRT runs it on the builtin kernel)', () => {
    // the same three values as one 1×1×3 image, a 1×1 depthwise filter per channel [1, 2, 3]·0.5:
    // q − zp = [−64, 25, 191] → y = [−64, 50, 573]·(1/128)·0.5 = [−0.25, 0.1953125, 2.23828125]
    const g = hybridGraph('depthwise_conv_2d', [1, 1, 1, 3], weights([1, 1, 1, 3], [0.5, 0.5, 0.5], 3, Int8Array.of(1, 2, 3)), undefined, { padding: 'valid' }, [1, 1, 1, 3]);
    for (const mode of ['xnnpack', 'reference'] as const) expect([...(interpret(g, [x], { arithmetic: mode })[0] as Float32Array)]).toEqual([-0.25, 0.1953125, 2.23828125]);
  });

  it('xnnpack quantizes a 1×1 stride-1 conv_2d per pixel (XNNPACK runs it as a GEMM over pixels)', () => {
    // pixel 0 is the fully_connected row above → 2.44140625; pixel 1 = [0, 255/128, 0]: its own range gives
    // inv = 128, zp = −128, q − zp = [0, 255, 0], y = 2·255/128·0.5 + 0.25 = 2.2421875. Per image, the
    // shared range [−0.5, 255/128] would give pixel 1 a step of 2.4921875/255 instead.
    const g = hybridGraph('conv_2d', [1, 1, 2, 3], weights([1, 1, 1, 3], [0.5], 0, Int8Array.of(1, 2, 3)), constant(f32([1]), Float32Array.of(0.25)), { padding: 'valid' }, [1, 1, 2, 1]);
    expect([...(interpret(g, [Float32Array.of(...x, 0, 1.9921875, 0)])[0] as Float32Array)]).toEqual([2.44140625, 2.2421875]);
  });

  it('an all-zero input gives the bias; the fused activation clamps in float', () => {
    const g = hybridGraph('fully_connected', [2, 3], weights([2, 3], [0.5, 1], 0, Int8Array.of(1, 2, 3, -4, 5, -6)), constant(f32([2]), Float32Array.of(0.25, -7)), { fused_activation: 'relu6' }, [2, 2]);
    // row 0 is zero: y = bias → [0.25, relu(−7) = 0]. Row 1 = [0, 255/128, 0]: inv = 128, zp = −128, q − zp = [0, 255, 0];
    // acc = [2·255, 5·255] → [510/128·0.5 + 0.25, 1275/128·1 − 7] = [2.2421875, 2.9609375], all exact in float32
    const y = [...(interpret(g, [Float32Array.of(0, 0, 0, 0, 1.9921875, 0)])[0] as Float32Array)];
    expect(y).toEqual([0.25, 0, 2.2421875, 2.9609375]);
  });
});

const caseArb = fc.record({
  kind: fc.constantFrom('conv_2d' as const, 'depthwise_conv_2d' as const, 'fully_connected' as const),
  n: fc.integer({ min: 1, max: 2 }),
  h: fc.integer({ min: 1, max: 6 }),
  w: fc.integer({ min: 1, max: 6 }),
  c: fc.integer({ min: 1, max: 5 }),
  o: fc.integer({ min: 1, max: 7 }),
  m: fc.integer({ min: 1, max: 2 }),
  k: fc.integer({ min: 1, max: 3 }),
  stride: fc.integer({ min: 1, max: 2 }),
  act: fc.constantFrom<Activation>(...ACTIVATIONS),
  hasBias: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

describe(`hybrid kernels against the float kernels on dequantized weights (seed ${SEED}, ${RUNS} runs)`, () => {
  it('differ by at most the input step/2 times Σ|w| per output, in both modes', () => {
    fc.assert(
      fc.property(caseArb, (p) => {
        const r = rng(p.seed);
        const channels = p.kind === 'depthwise_conv_2d' ? p.c * p.m : p.o;
        const sW = Array.from({ length: channels }, () => fl(2 ** (-9 + 5 * r())));
        let g: Graph;
        let groupSize: number;
        const xShape = p.kind === 'fully_connected' ? [p.n * p.h, p.c * p.k] : [p.n, p.h, p.w, p.c];
        const b = p.hasBias ? constant(f32([channels]), Float32Array.from({ length: channels }, () => r() - 0.5)) : undefined;
        if (p.kind === 'fully_connected') {
          const K = p.c * p.k;
          g = hybridGraph('fully_connected', xShape, weights([p.o, K], sW, 0, Int8Array.from({ length: p.o * K }, () => Math.floor(r() * 255) - 127)), b, { fused_activation: p.act }, [p.n * p.h, p.o]);
          groupSize = K;
        } else {
          const wShape = p.kind === 'conv_2d' ? [p.o, p.k, p.k, p.c] : [1, p.k, p.k, channels];
          const w = weights(wShape, sW, p.kind === 'conv_2d' ? 0 : 3, Int8Array.from({ length: numel(wShape) }, () => Math.floor(r() * 255) - 127));
          const out = [p.n, windowOutputSize(p.h, p.k, p.stride, 1, 'same'), windowOutputSize(p.w, p.k, p.stride, 1, 'same'), channels];
          const attrs = { padding: 'same', stride_h: p.stride, stride_w: p.stride, fused_activation: p.act, ...(p.kind === 'depthwise_conv_2d' ? { depth_multiplier: p.m } : {}) };
          g = hybridGraph(p.kind, xShape, w, b, attrs, out);
          groupSize = p.h * p.w * p.c;
        }
        const offset = r() - 0.3;
        const x = Float32Array.from({ length: numel(xShape) }, () => fl((2 * r() - 1) * 2 + offset));
        const reference = interpret(floatTwin(g), [x])[0] as Float32Array;
        // the step of each quantization group: (max(0, max) − min(0, min))/255; Σ|w_real| per output channel
        let step = 0;
        for (let start = 0; start < x.length; start += groupSize) {
          const part = x.subarray(start, start + groupSize);
          step = Math.max(step, (Math.max(0, ...part) - Math.min(0, ...part)) / 255);
        }
        const wReal = dequantize(g.ops[0].inputs[1].type, g.ops[0].inputs[1].data!);
        const perChannel = new Float64Array(channels);
        wReal.forEach((v, i) => (perChannel[p.kind === 'depthwise_conv_2d' ? i % channels : Math.floor(i / (wReal.length / channels))] += Math.abs(v)));
        const sumAbs = Math.max(...perChannel);
        const xMax = Math.max(...Array.from(x, Math.abs));
        const terms = wReal.length / channels + 1;
        const bound = hybridKernelBound(step, sumAbs, sumAbs * xMax + 1, terms);
        for (const mode of ['xnnpack', 'reference'] as const) {
          const y = interpret(g, [x], { arithmetic: mode })[0] as Float32Array;
          for (let i = 0; i < y.length; i++) {
            const d = Math.abs(y[i] - reference[i]);
            if (!(d <= bound)) throw new Error(`${mode} ${p.kind}: element ${i} is ${y[i]}, the float kernel gives ${reference[i]}: |error| ${d} > ${bound}`);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
