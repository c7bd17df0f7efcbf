import type { DType } from './dtype.ts';

/**
 * Affine quantization: real = scale × (q − zeroPoint).
 * Per-tensor when the arrays hold one element; per-axis (along `axis`) otherwise.
 * Scales are float32 values (what TFLite stores): passes that compute them in double round with
 * `Math.fround`, and the parser does the same.
 */
export interface QuantParams {
  scale: number[];
  zeroPoint: number[];
  axis?: number;
}

export interface TensorType {
  dtype: DType;
  shape: number[];
  quant?: QuantParams;
}

export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function quantEqual(a: QuantParams | undefined, b: QuantParams | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.axis === b.axis &&
    a.scale.length === b.scale.length &&
    a.scale.every((s, i) => s === b.scale[i]) &&
    a.zeroPoint.length === b.zeroPoint.length &&
    a.zeroPoint.every((z, i) => z === b.zeroPoint[i])
  );
}

export function typesEqual(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && shapesEqual(a.shape, b.shape) && quantEqual(a.quant, b.quant);
}

export function isPerAxis(q: QuantParams): boolean {
  return q.axis !== undefined;
}

export function cloneType(t: TensorType): TensorType {
  return {
    dtype: t.dtype,
    shape: [...t.shape],
    ...(t.quant ? { quant: { scale: [...t.quant.scale], zeroPoint: [...t.quant.zeroPoint], ...(t.quant.axis !== undefined ? { axis: t.quant.axis } : {}) } } : {}),
  };
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
