import { IrError } from './errors.ts';

export type Padding = 'same' | 'valid';

/** Output size of a windowed op along one spatial dimension, TFLite's rule. */
export function windowOutputSize(input: number, filter: number, stride: number, dilation: number, padding: Padding): number {
  const effective = (filter - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - effective) / stride) + 1;
}

/** Padding before (top/left) along one dimension, as TFLite computes it: total padding split, extra after. */
export function windowPadBefore(input: number, filter: number, stride: number, dilation: number, padding: Padding): number {
  if (padding === 'valid') return 0;
  const out = windowOutputSize(input, filter, stride, dilation, padding);
  const effective = (filter - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - input, 0);
  return Math.floor(total / 2);
}

/** NumPy broadcasting of two shapes; throws on incompatible shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new IrError(`shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast (dimension ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalizes a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new IrError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
