import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { mulberry32 } from '@octet/testing';

/** mulberry32, for reproducible test data. */
export const rng = mulberry32;

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Uniform values in [lo, hi). */
export function uniform(random: () => number, shape: readonly number[], lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: numel(shape) }, () => lo + (hi - lo) * random());
}

/** |got − want| ≤ rel × max|want| element-wise, shapes equal. Returns the worst error for messages. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what = ''): number {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  expect(scale, `${what}: reference is all zeros`).toBeGreaterThan(0);
  expect(worst, `${what}: worst error at ${at}: got ${got[at]}, want ${want[at]} (max|want| ${scale})`).toBeLessThanOrEqual(rel * scale);
  return worst;
}

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}
