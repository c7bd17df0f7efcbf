import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constant, DTYPES, Graph, numElements, OP_KINDS, parse, print, storageMatches, verify, type DType, type OpKind, type TypedArray, type Value } from '@octet/ir';
import {
  arbGraph,
  arbQuantizedType,
  arbQuantParams,
  arbShape,
  arbTensor,
  arbTensorData,
  DEFAULT_GRAPH_OPS,
  GRAPH_OP_BUILDERS,
  QUANT_RANGES,
} from '../src/index.ts';

const SEED = 0x0c7e7;
const params = (numRuns: number) => ({ seed: SEED, numRuns });
const FULL = { elideConstantsAbove: Infinity };

/** Equal bits, except that any NaN equals any NaN (the text form keeps no payload). */
function sameBits(dtype: DType, a: TypedArray, b: TypedArray): boolean {
  if (a.length !== b.length || a.constructor !== b.constructor) return false;
  const isNaNBits = (x: number) => (dtype === 'float16' ? (x & 0x7c00) === 0x7c00 && (x & 0x3ff) !== 0 : Number.isNaN(x));
  const raw = dtype === 'float32' ? new Uint32Array(a.buffer, a.byteOffset, a.length) : a;
  const rawB = dtype === 'float32' ? new Uint32Array(b.buffer, b.byteOffset, b.length) : b;
  for (let i = 0; i < a.length; i++) {
    if (dtype === 'float32' || dtype === 'float16') {
      const x = a[i] as number;
      const y = b[i] as number;
      if (isNaNBits(x) && isNaNBits(y)) continue;
    }
    if (raw[i] !== rawB[i]) return false;
  }
  return true;
}

describe('sameBits (the round-trip oracle)', () => {
  it('tells -0 from 0 and ignores NaN payloads only', () => {
    expect(sameBits('float32', new Float32Array([-0]), new Float32Array([0]))).toBe(false);
    const payload = new Float32Array(1);
    new Uint32Array(payload.buffer)[0] = 0xffc00123;
    expect(sameBits('float32', payload, new Float32Array([NaN]))).toBe(true);
    expect(sameBits('float32', new Float32Array([1]), new Float32Array([NaN]))).toBe(false);
    expect(sameBits('float16', new Uint16Array([0x7e01]), new Uint16Array([0x7e00]))).toBe(true);
    expect(sameBits('float16', new Uint16Array([0x7c00]), new Uint16Array([0x7e00]))).toBe(false);
    expect(sameBits('int64', new BigInt64Array([1n]), new BigInt64Array([2n]))).toBe(false);
  });
});

describe(`shapes, tensors and quantization parameters (seed ${SEED})`, () => {
  it('draws shapes within the rank and dimension bounds', () => {
    fc.assert(
      fc.property(arbShape({ minRank: 1, maxRank: 3, minDim: 2, maxDim: 5 }), (s) => {
        expect(s.length).toBeGreaterThanOrEqual(1);
        expect(s.length).toBeLessThanOrEqual(3);
        for (const d of s) expect(d >= 2 && d <= 5 && Number.isInteger(d)).toBe(true);
      }),
      params(200),
    );
  });

  it('draws tensors in the storage of their dtype, one element per position, without NaN or infinity by default', () => {
    fc.assert(
      fc.property(arbTensor(), (t) => {
        expect(storageMatches(t.dtype, t.data)).toBe(true);
        expect(t.data.length).toBe(numElements(t.shape));
        if (t.dtype === 'float32') for (const x of t.data as Float32Array) expect(Number.isFinite(x)).toBe(true);
        if (t.dtype === 'float16') for (const h of t.data as Uint16Array) expect(h & 0x7c00).not.toBe(0x7c00);
        if (t.dtype === 'bool') for (const b of t.data as Uint8Array) expect(b <= 1).toBe(true);
      }),
      params(300),
    );
  });

  it('keeps float32 data within [min, max] and draws NaNs with varied payloads when asked', () => {
    fc.assert(
      fc.property(arbTensor({ dtype: 'float32', shape: [16], min: -1.5, max: 0.25 }), (t) => {
        for (const x of t.data as Float32Array) expect(x >= -1.5 && x <= 0.25).toBe(true);
      }),
      params(100),
    );
    const samples = fc.sample(arbTensorData('float32', 8, { withNaN: true }), { seed: SEED, numRuns: 200 });
    const nanBits = new Set<number>();
    for (const s of samples) {
      const bits = new Uint32Array(s.buffer, s.byteOffset, s.length);
      s.forEach((x, i) => Number.isNaN(x) && nanBits.add(bits[i]));
    }
    expect(nanBits.size).toBeGreaterThan(5);
  });

  it('draws float32 scales and in-range zero points, per-tensor and per-axis', () => {
    const dtypes = Object.keys(QUANT_RANGES) as (keyof typeof QUANT_RANGES)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...dtypes).chain((dtype) => fc.tuple(fc.constant(dtype), arbQuantizedType({ dtype, shape: { maxRank: 3 } }))),
        ([dtype, t]) => {
          const q = t.quant!;
          const [lo, hi] = QUANT_RANGES[dtype];
          for (const s of q.scale) expect(s > 0 && Number.isFinite(s) && Math.fround(s) === s).toBe(true);
          for (const z of q.zeroPoint) expect(Number.isInteger(z) && z >= lo && z <= hi).toBe(true);
          expect(q.scale.length).toBe(q.axis === undefined ? 1 : t.shape[q.axis]);
          expect(q.zeroPoint.length).toBe(q.scale.length);
          // the verifier agrees that the parameters fit the type
          const g = new Graph('q');
          g.outputs.push(constant(t, new (storageOf(dtype))(numElements(t.shape))));
          verify(g);
        },
      ),
      params(300),
    );
    fc.assert(
      fc.property(arbQuantParams({ dtype: 'int8', perAxis: { axis: 3, channels: 5 }, symmetric: true }), (q) => {
        expect(q).toEqual({ scale: expect.any(Array), zeroPoint: [0, 0, 0, 0, 0], axis: 3 });
        expect(q.scale.length).toBe(5);
      }),
      params(50),
    );
  });
});

function storageOf(dtype: keyof typeof QUANT_RANGES) {
  return { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, int32: Int32Array }[dtype];
}

describe(`random graphs (seed ${SEED})`, () => {
  it('gives every op kind a builder or a reason, and draws only float32 kinds by default', () => {
    expect(Object.keys(GRAPH_OP_BUILDERS).sort()).toEqual([...OP_KINDS].sort());
    expect([...DEFAULT_GRAPH_OPS].sort()).toEqual(
      [
        'conv_2d', 'depthwise_conv_2d', 'fully_connected', 'max_pool_2d', 'average_pool_2d', 'mean', 'reshape', 'pad', 'add', 'sub', 'mul', 'div', 'minimum',
        'concatenation', 'relu', 'relu6', 'logistic', 'tanh', 'softmax', 'resize_nearest_neighbor', 'transpose',
      ].sort(),
    );
  });

  it('generates graphs that pass the verifier, using every op kind asked for', () => {
    const kinds: OpKind[] = [...DEFAULT_GRAPH_OPS, 'batch_norm', 'fake_quant', 'identity'];
    const seen = new Set<OpKind>();
    let multiInput = 0;
    fc.assert(
      fc.property(arbGraph({ ops: kinds }), (g) => {
        verify(g);
        expect(g.ops.length).toBeGreaterThanOrEqual(1);
        for (const op of g.ops) {
          seen.add(op.kind);
          for (const v of [...op.inputs, ...op.outputs]) expect(v.type.dtype).toBe('float32');
          for (const v of op.outputs) expect(numElements(v.type.shape)).toBeLessThanOrEqual(512);
        }
        if (g.ops.some((op) => op.inputs.filter((v) => !v.data).length > 1)) multiInput++;
      }),
      params(400),
    );
    expect([...seen].sort()).toEqual([...kinds].sort());
    expect(multiInput).toBeGreaterThan(20); // DAGs, not only chains
  });

  it('round-trips through the printer and the parser, text and constants bit for bit', () => {
    const weights = { withNaN: true, withInfinity: true };
    fc.assert(
      fc.property(arbGraph({ weights, maxOps: 8 }), (g) => {
        const text = print(g, FULL);
        const back = parse(text);
        expect(print(back, FULL)).toBe(text);
        const [a, b] = [g.constants(), back.constants()];
        expect(b.length).toBe(a.length);
        a.forEach((c, i) => expect(sameBits('float32', c.data!, b[i].data!)).toBe(true));
        expect(back.inputs.map((v) => v.name)).toEqual(g.inputs.map((v) => v.name));
        expect(back.ops.map((op) => op.loc)).toEqual(g.ops.map((op) => op.loc));
      }),
      params(300),
    );
  });

  it('round-trips constants of every dtype, quantized or not', () => {
    const constants = fc
      .tuple(arbTensor({ withNaN: true, withInfinity: true, shape: { maxRank: 3 } }), fc.boolean())
      .chain(([t, quantized]) => {
        const q = ['int8', 'uint8', 'int16', 'int32'].includes(t.dtype) && quantized;
        return (q ? arbQuantizedType({ dtype: t.dtype as 'int8', shape: t.shape }).map((ty) => ty.quant) : fc.constant(undefined)).map((quant) => ({ t, quant }));
      });
    fc.assert(
      fc.property(fc.array(constants, { minLength: 1, maxLength: 4 }), (cs) => {
        const g = new Graph('consts');
        const values: Value[] = cs.map(({ t, quant }) => constant({ dtype: t.dtype, shape: t.shape, ...(quant ? { quant } : {}) }, t.data));
        g.outputs.push(...values);
        verify(g);
        const text = print(g, FULL);
        const back = parse(text);
        expect(print(back, FULL)).toBe(text);
        back.outputs.forEach((v, i) => {
          expect(v.type).toEqual(values[i].type);
          expect(sameBits(v.type.dtype, v.data!, values[i].data!)).toBe(true);
        });
      }),
      params(300),
    );
    expect(DTYPES.length).toBe(8); // every dtype is drawn by arbTensor's default arbDType()
  });
});
