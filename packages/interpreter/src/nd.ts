/** Row-major index helpers shared by the layout kernels. */

export function product(dims: readonly number[], from = 0, to = dims.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= dims[i];
  return n;
}

/**
 * Strides with which to read an operand of shape `shape` while walking `outShape` (NumPy
 * broadcasting: shapes aligned on the right, a dimension of 1 read with stride 0).
 */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const out = new Array<number>(outShape.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = outShape.length - shape.length + i;
    out[j] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return out;
}

/**
 * Visits every index of `shape` in row-major order, calling `f(offsetA, offsetB, n)` (n the row-major position) where each
 * offset is the dot product of the index with `stridesA` / `stridesB`. The counters are allocated
 * once per call, never per element.
 */
export function forEachOffset(
  shape: readonly number[],
  stridesA: readonly number[],
  stridesB: readonly number[],
  f: (offsetA: number, offsetB: number, n: number) => void,
): void {
  const rank = shape.length;
  const total = product(shape);
  if (total === 0) return;
  const idx = new Int32Array(rank);
  let a = 0;
  let b = 0;
  for (let n = 0; n < total; n++) {
    f(a, b, n);
    // odometer increment, innermost dimension first
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      a += stridesA[d];
      b += stridesB[d];
      if (idx[d] < shape[d]) break;
      a -= stridesA[d] * shape[d];
      b -= stridesB[d] * shape[d];
      idx[d] = 0;
    }
  }
}
