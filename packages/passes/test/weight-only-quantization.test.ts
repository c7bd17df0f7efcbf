// Properties (fast-check, fixed seed) of the weight-only conversions: dynamic range (int8 weights,
// hybrid kernels quantizing the input at run time) and float16 (half weights behind a dequantize).
// Each stays within a bound derived from the weight rounding it made and the input quantization step.
import fc from 'fast-check';
import { halfToFloat, isConst, numElements, verify, type AnyOp, type Graph, type TypedArray, type Value } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { arbGraph, arbTensorData } from '@octet/testing';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../src/index.ts';

const SEED = 20261129;
const RUNS = 200;

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};

/** Σ over each output channel of f(i), the largest channel (weights [O,…] on dim 0, depthwise on dim 3). */
function channelMax(op: AnyOp, shape: readonly number[], f: (i: number) => number): number {
  const axis = op.kind === 'depthwise_conv_2d' ? 3 : 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const sums = new Float64Array(shape[axis]);
  for (let i = 0; i < numElements(shape); i++) sums[Math.floor(i / inner) % shape[axis]] += f(i);
  return maxAbs(sums);
}

/** The stored weights of `w` (int8 dequantized per channel, float16 widened), as float. */
function stored(w: Value): (i: number) => number {
  if (w.type.dtype === 'float16') return (i) => halfToFloat((w.data as Uint16Array)[i]);
  if (w.type.dtype === 'float32') return (i) => (w.data as Float32Array)[i];
  const q = w.type.quant!;
  const axis = q.axis ?? 0;
  const inner = w.type.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  return (i) => q.scale[q.axis === undefined ? 0 : Math.floor(i / inner) % w.type.shape[axis]] * (w.data as Int8Array)[i];
}

/** The constant an op reads at `i` in the converted graph: itself, or what a dequantize reads. */
const source = (v: Value) => (v.producer?.kind === 'dequantize' ? v.producer.inputs[0] : v);

const single = (ops: AnyOp['kind'][]) =>
  arbGraph({ ops, minOps: 1, maxOps: 1, names: false, weights: { min: -2, max: 2 } }).chain((g) =>
    fc.tuple(fc.constant(g), fc.tuple(...g.inputs.map((v) => arbTensorData('float32', numElements(v.type.shape), { min: -3, max: 3 })))),
  );

function check(g: Graph, converted: Graph, input: TypedArray[], bound: (op: AnyOp, qop: AnyOp, x: Float32Array) => number): void {
  const want = new Interpreter(g).run(input) as Float32Array[];
  const got = new Interpreter(converted).run(input) as Float32Array[];
  const op = g.ops[0];
  const qop = converted.ops.find((o) => o.kind === op.kind)!;
  // The op's non-constant operand is a graph input (one-op graphs).
  const x = input[g.inputs.indexOf(op.inputs.find((v) => !isConst(v))!)] as Float32Array;
  // plus float32 rounding: relative to the result, and absolute in the subnormal range (2^-149)
  const b = bound(op, qop, x) + 2 ** -20 * maxAbs(want[0]) + 2 ** -149;
  want[0].forEach((w, k) => {
    const err = Math.abs(got[0][k] - w);
    if (!(err <= b)) throw new Error(`${op.kind}: output[${k}] |${got[0][k]} − ${w}| = ${err} > bound ${b}`);
  });
}

describe(`dynamic range (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('int8 weights with hybrid kernels: within Σ|ŵ|·s_x/2 + Σ|Δw|·max|x| of the float op', () => {
    fc.assert(
      fc.property(single(['conv_2d', 'depthwise_conv_2d', 'fully_connected']), fc.boolean(), ([g, input], perTensor) => {
        fc.pre(g.ops.length === 1); // arbGraph gives no op when none fits the input's rank
        const converted = runPipeline(g.clone(), [`quantize-dynamic-range{min-elements=1${perTensor ? ' dense=per-tensor' : ''}}`], { verifyEach: true });
        verify(converted);
        const w = converted.ops[0].inputs[1];
        expect(w.type.dtype).toBe('int8');
        expect(w.type.quant!.axis === undefined).toBe(perTensor && converted.ops[0].kind === 'fully_connected');
        for (const v of converted.ops[0].inputs.slice(2)) expect(v.type.dtype).toBe('float32'); // the bias stays float
        check(g, converted, input as TypedArray[], (op, qop, x) => {
          // The input step at run time: its range (with 0) over 255 levels, at most that of the whole tensor.
          const sx = (Math.max(0, ...x) - Math.min(0, ...x)) / 255;
          const w0 = op.inputs[1].data as Float32Array;
          const wq = stored(qop.inputs[1]);
          const sumW = channelMax(op, op.inputs[1].type.shape, (i) => Math.abs(w0[i]));
          const sumDW = channelMax(op, op.inputs[1].type.shape, (i) => Math.abs(wq(i) - w0[i]));
          // Σŵ(x̂ − x) + Σ(ŵ − w)x with |ŵ| ≤ |w| + |Δw| and |x̂ − x| ≤ s_x/2. An input range below
          // 255·2^-128 overflows the quantizer's 255/range (all zeros): off by at most Σ|ŵ|·2^-120 then.
          return (sumW + sumDW) * ((sx / 2) * (1 + 2 ** -20) + 2 ** -120) + sumDW * maxAbs(x);
        });
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });

  it('leaves tensors below min-elements float (1024 by default)', () => {
    fc.assert(
      fc.property(single(['conv_2d', 'depthwise_conv_2d', 'fully_connected']), ([g]) => {
        fc.pre(g.ops.length === 1);
        const converted = runPipeline(g.clone(), ['quantize-dynamic-range'], { verifyEach: true });
        // arbGraph's weights are small (at most 4·3·3·C): none reaches 1024 elements
        expect(converted.ops[0].inputs[1].type.dtype).toBe('float32');
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});

describe(`float16 (fast-check seed ${SEED}, ${RUNS} runs)`, () => {
  it('half constants behind one dequantize each: within the weights’ half rounding of the float op', () => {
    const ops: AnyOp['kind'][] = ['conv_2d', 'depthwise_conv_2d', 'fully_connected', 'add', 'sub', 'mul', 'minimum'];
    fc.assert(
      fc.property(single(ops), ([g, input]) => {
        fc.pre(g.ops.length === 1);
        const converted = runPipeline(g.clone(), ['quantize-float16'], { verifyEach: true });
        for (const c of converted.constants()) expect(c.type.dtype).toBe('float16');
        expect(converted.ops.filter((o) => o.kind === 'dequantize').length).toBe(converted.constants().length);
        check(g, converted, input as TypedArray[], (op, qop, x) => {
          // |stored − float| per constant, then how each op propagates it
          const delta = (i: number) => {
            const c = op.inputs[i];
            if (!isConst(c)) return (_: number) => 0;
            const f = c.data as Float32Array;
            const h = stored(source(qop.inputs[i]));
            return (k: number) => Math.abs(h(k) - f[k]);
          };
          const maxDelta = (i: number) => (isConst(op.inputs[i]) ? Math.max(0, ...Array.from({ length: numElements(op.inputs[i].type.shape) }, (_, k) => delta(i)(k))) : 0);
          switch (op.kind) {
            case 'conv_2d':
            case 'depthwise_conv_2d':
            case 'fully_connected':
              return channelMax(op, op.inputs[1].type.shape, delta(1)) * maxAbs(x) + (op.inputs[2] ? maxDelta(2) : 0);
            case 'mul':
              return Math.max(...op.inputs.map((v, i) => maxDelta(i) * (isConst(op.inputs[1 - i]) ? maxAbs(op.inputs[1 - i].data as Float32Array) : maxAbs(x))));
            default: // add, sub, minimum: 1-Lipschitz in each operand
              return maxDelta(0) + maxDelta(1);
          }
        });
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
