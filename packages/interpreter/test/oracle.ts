/**
 * Test-only helpers: deterministic data, the tolerance of the float kernels against tfjs, and the
 * tfjs cpu backend as the oracle (tfjs is allowed in tests, never in src/).
 */
import * as tf from '@tensorflow/tfjs';
import type { Activation } from '@octet/ir';
import { mulberry32 } from '@octet/testing';

export { tf };

/** The fast-check seed of every property in this package (printed in the test names). */
export const SEED = 20261125;

let ready: Promise<void> | undefined;
export function useCpuBackend(): Promise<void> {
  ready ??= tf.setBackend('cpu').then((ok) => {
    if (!ok || tf.getBackend() !== 'cpu') throw new Error('tfjs cpu backend did not start');
  });
  return ready;
}

/** mulberry32: a small deterministic generator, so that a case is a seed, not a megabyte of floats. */
export const rng = mulberry32;

/** n uniform values in [−scale, scale), float32. */
export function randomData(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * r() - 1) * scale;
  return out;
}

export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The acceptance bound of issue 2: max |ours − tfjs| ≤ 1e-5 × max |tfjs|. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} elements, tfjs gives ${expected.length}`);
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) maxRef = Math.max(maxRef, Math.abs(expected[i]));
  const bound = 1e-5 * maxRef;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= bound)) {
      throw new Error(`${what}: element ${i} is ${actual[i]}, tfjs gives ${expected[i]} (|error| ${err} > 1e-5 × ${maxRef})`);
    }
  }
}

/** tfjs's version of a fused activation. */
export function tfActivation(y: tf.Tensor, act: Activation): tf.Tensor {
  switch (act) {
    case 'none':
      return y;
    case 'relu':
      return tf.relu(y);
    case 'relu6':
      return tf.relu6(y);
    case 'relu_n1_to_1':
      return tf.clipByValue(y, -1, 1);
  }
}

/** Runs a tfjs computation and returns its data, freeing the tensors. */
export function tfData(f: () => tf.Tensor): Float32Array {
  const t = tf.tidy(f);
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return data;
}
