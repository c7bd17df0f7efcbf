/**
 * fast-check arbitraries for property tests: shapes, tensors, quantization parameters and (from
 * ./graph-arbitrary.ts) small random valid graphs. Each takes plain-data options, so that it can also
 * be drawn inside `fc.gen()` and shrink.
 */
import fc from 'fast-check';
import { DTYPES, numElements, type DType, type QuantParams, type TensorType, type TypedArray } from '@octet/ir';

export { arbGraph, GRAPH_OP_BUILDERS, DEFAULT_GRAPH_OPS, type GraphOptions } from './graph-arbitrary.ts';

// --- shapes -----------------------------------------------------------------------------------------

export interface ShapeOptions {
  minRank?: number;
  /** Default 4. */
  maxRank?: number;
  /** Default 1 (0 allows empty tensors). */
  minDim?: number;
  /** Default 6. */
  maxDim?: number;
}

export function arbShape(opts: ShapeOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 6 } = opts;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

// --- tensors ----------------------------------------------------------------------------------------

export interface TensorDataOptions {
  /** Include NaN among float values, with varied payloads (float32) and signs. Default false. */
  withNaN?: boolean;
  /** Include ±Infinity among float values. Default false. */
  withInfinity?: boolean;
  /** Bounds for float32 and integer values (rounded to float32 for float32); default: the whole range. */
  min?: number;
  max?: number;
}

export interface TensorValue {
  dtype: DType;
  shape: number[];
  data: TypedArray;
}

export function arbDType(dtypes: readonly DType[] = DTYPES): fc.Arbitrary<DType> {
  return fc.constantFrom(...dtypes);
}

const INT_RANGES = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  bool: [0, 1],
} as const;

const F32_MAX = 3.4028234663852886e38;

/** `n` elements in the storage of `dtype` (float16 as raw half bits, bool as 0/1 bytes). */
export function arbTensorData(dtype: DType, n: number, opts: TensorDataOptions = {}): fc.Arbitrary<TypedArray> {
  const len = { minLength: n, maxLength: n };
  const clamp = (lo: number, hi: number) => ({ min: Math.max(lo, opts.min ?? lo), max: Math.min(hi, opts.max ?? hi) });
  switch (dtype) {
    case 'float32':
      return float32Data(n, opts);
    case 'float16':
      // Raw half bits; exponent 31 (NaN, Inf) is turned finite unless asked for.
      return fc.array(fc.integer({ min: 0, max: 0xffff }), len).map((bits) =>
        Uint16Array.from(bits, (h) => {
          const special = (h & 0x7c00) === 0x7c00;
          const allowed = (h & 0x3ff) === 0 ? opts.withInfinity : opts.withNaN;
          return special && !allowed ? h & ~0x4000 : h;
        }),
      );
    case 'int8':
      return fc.int8Array({ ...len, ...clamp(...INT_RANGES.int8) });
    case 'uint8':
      return fc.uint8Array({ ...len, ...clamp(...INT_RANGES.uint8) });
    case 'int16':
      return fc.int16Array({ ...len, ...clamp(...INT_RANGES.int16) });
    case 'int32':
      return fc.int32Array({ ...len, ...clamp(...INT_RANGES.int32) });
    case 'int64':
      return fc.bigInt64Array({ ...len, ...(opts.min !== undefined ? { min: BigInt(Math.ceil(opts.min)) } : {}), ...(opts.max !== undefined ? { max: BigInt(Math.floor(opts.max)) } : {}) });
    case 'bool':
      return fc.uint8Array({ ...len, min: 0, max: 1 });
  }
}

function float32Data(n: number, opts: TensorDataOptions): fc.Arbitrary<Float32Array> {
  const values = fc.float32Array({
    minLength: n,
    maxLength: n,
    noNaN: true,
    noDefaultInfinity: !opts.withInfinity,
    ...(opts.min !== undefined ? { min: Math.fround(Math.max(opts.min, -F32_MAX)) } : {}),
    ...(opts.max !== undefined ? { max: Math.fround(Math.min(opts.max, F32_MAX)) } : {}),
  });
  if (!opts.withNaN || n === 0) return values;
  // NaNs written through the bits, so that payloads and signs vary (the text form keeps none of them).
  const nan = fc.record({ index: fc.nat(n - 1), payload: fc.integer({ min: 1, max: 0x7fffff }), negative: fc.boolean() });
  return fc.tuple(values, fc.array(nan, { maxLength: Math.min(n, 4) })).map(([data, nans]) => {
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (const { index, payload, negative } of nans) bits[index] = (negative ? 0xff800000 : 0x7f800000) | payload;
    return data;
  });
}

export interface TensorOptions extends TensorDataOptions {
  dtype?: DType;
  /** A fixed shape, or shape options; default `arbShape()` with at most 4 dims of at most 6. */
  shape?: number[] | ShapeOptions;
}

export function arbTensor(opts: TensorOptions = {}): fc.Arbitrary<TensorValue> {
  const dtypes = opts.dtype ? fc.constant(opts.dtype) : arbDType();
  const shapes = Array.isArray(opts.shape) ? fc.constant(opts.shape) : arbShape(opts.shape);
  return fc
    .tuple(dtypes, shapes)
    .chain(([dtype, shape]) => arbTensorData(dtype, numElements(shape), opts).map((data) => ({ dtype, shape: [...shape], data })));
}

// --- quantization -----------------------------------------------------------------------------------

export type QuantDType = 'int8' | 'uint8' | 'int16' | 'int32';

/** The range of a quantized dtype's stored values. */
export const QUANT_RANGES: Readonly<Record<QuantDType, readonly [number, number]>> = {
  int8: INT_RANGES.int8,
  uint8: INT_RANGES.uint8,
  int16: INT_RANGES.int16,
  int32: INT_RANGES.int32,
};

export interface ScaleOptions {
  /** Scales lie in [2^minExponent, 2^(maxExponent+1)); defaults −20 and 3. */
  minExponent?: number;
  maxExponent?: number;
}

/** A positive, finite float32 scale, log-uniform: m × 2^e with m a float32 in [1, 2). */
export function arbScale(opts: ScaleOptions = {}): fc.Arbitrary<number> {
  const { minExponent = -20, maxExponent = 3 } = opts;
  return fc
    .tuple(fc.integer({ min: minExponent, max: maxExponent }), fc.float({ min: 1, max: 2, maxExcluded: true, noNaN: true }))
    .map(([e, m]) => Math.fround(m * 2 ** e));
}

export interface QuantOptions extends ScaleOptions {
  /** Default int8. */
  dtype?: QuantDType;
  /** Per-axis parameters: one scale and zero point per channel of `axis`. Per-tensor when absent. */
  perAxis?: { axis: number; channels: number };
  /** Zero points all 0 (weights, biases, int16). Default false: zero points anywhere in the dtype's range. */
  symmetric?: boolean;
}

export function arbQuantParams(opts: QuantOptions = {}): fc.Arbitrary<QuantParams> {
  const [lo, hi] = QUANT_RANGES[opts.dtype ?? 'int8'];
  const n = opts.perAxis?.channels ?? 1;
  const zeroPoint = opts.symmetric ? fc.constant(0) : fc.integer({ min: lo, max: hi });
  return fc
    .tuple(fc.array(arbScale(opts), { minLength: n, maxLength: n }), fc.array(zeroPoint, { minLength: n, maxLength: n }))
    .map(([scale, zp]) => ({ scale, zeroPoint: zp, ...(opts.perAxis ? { axis: opts.perAxis.axis } : {}) }));
}

export interface QuantizedTypeOptions extends ScaleOptions {
  dtype?: QuantDType;
  shape?: number[] | ShapeOptions;
  /** true: per-axis along a random axis; false: per-tensor; absent: either (per-axis needs rank ≥ 1). */
  perAxis?: boolean;
  symmetric?: boolean;
}

/** A quantized tensor type: dtype, shape and parameters that fit the shape. */
export function arbQuantizedType(opts: QuantizedTypeOptions = {}): fc.Arbitrary<TensorType> {
  const dtype = opts.dtype ?? 'int8';
  const shapes = Array.isArray(opts.shape) ? fc.constant(opts.shape) : arbShape({ ...opts.shape, ...(opts.perAxis ? { minRank: Math.max(1, opts.shape?.minRank ?? 1) } : {}) });
  return shapes.chain((shape) => {
    const perAxis = shape.length === 0 ? fc.constant(false) : opts.perAxis !== undefined ? fc.constant(opts.perAxis) : fc.boolean();
    return fc.tuple(perAxis, fc.nat(Math.max(0, shape.length - 1))).chain(([pa, axis]) => {
      const base = { dtype, ...(opts.symmetric !== undefined ? { symmetric: opts.symmetric } : {}), ...scaleOpts(opts) };
      return arbQuantParams(pa ? { ...base, perAxis: { axis, channels: shape[axis] } } : base).map((quant) => ({ dtype, shape: [...shape], quant }));
    });
  });
}

const scaleOpts = (o: ScaleOptions): ScaleOptions => ({
  ...(o.minExponent !== undefined ? { minExponent: o.minExponent } : {}),
  ...(o.maxExponent !== undefined ? { maxExponent: o.maxExponent } : {}),
});
