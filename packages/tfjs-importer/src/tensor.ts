import { constant, type Value } from '@octet/ir';
import type { Tensor } from './weights.ts';

/** Row-major transpose of `data` (shape `shape`): out.shape[i] = shape[perm[i]]. */
export function permute<T extends Float32Array | Int32Array>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, acc = 1; i >= 0; i--) {
    inStrides[i] = acc;
    acc *= shape[i];
  }
  const stride = perm.map((p) => inStrides[p]); // input stride of each output axis
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[src];
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]++;
      src += stride[a];
      if (idx[a] < outShape[a]) break;
      src -= stride[a] * outShape[a];
      idx[a] = 0;
    }
  }
  return out;
}

/** An IR constant holding a decoded weight, optionally transposed and/or reshaped. */
export function constOf(t: Tensor, name: string | undefined, opts: { perm?: number[]; shape?: number[] } = {}): Value {
  let data = t.data;
  let shape = t.shape;
  if (opts.perm) {
    data = permute(data, shape, opts.perm);
    shape = opts.perm.map((p) => shape[p]);
  }
  if (opts.shape) shape = opts.shape;
  return constant({ dtype: t.dtype, shape: [...shape] }, data, name);
}

export function f32(shape: number[], values: ArrayLike<number>, name?: string): Value {
  return constant({ dtype: 'float32', shape }, Float32Array.from(values), name);
}
