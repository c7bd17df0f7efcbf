import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../src/backend.ts';
import { mulberry32 } from '../src/random.ts';

// Our Conv2DBackpropFilter on the wasm backend against tfjs's own kernel on the cpu backend,
// through the public gradient of conv2d with respect to its filter.
const SEED = 20240611;

interface Case {
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

const cases: Case[] = [
  { x: [1, 5, 5, 1], f: [3, 3, 1, 1], strides: [1, 1], pad: 'valid' },
  { x: [2, 7, 6, 3], f: [3, 2, 3, 4], strides: [1, 1], pad: 'same' },
  { x: [3, 9, 8, 2], f: [3, 3, 2, 5], strides: [2, 2], pad: 'same' },
  { x: [2, 10, 7, 2], f: [4, 3, 2, 3], strides: [3, 2], pad: 'valid' },
  { x: [1, 6, 6, 4], f: [1, 1, 4, 2], strides: [2, 1], pad: 'same' },
  { x: [4, 28, 28, 1], f: [3, 3, 1, 12], strides: [1, 1], pad: 'valid' }, // the tutorial's layer
];

function filterGrad(backend: string, c: Case, xs: Float32Array, fs: Float32Array, dys: Float32Array): Promise<Float32Array> {
  return (async () => {
    await tf.setBackend(backend);
    const g = tf.tidy(() => {
      const x = tf.tensor4d(xs, c.x);
      const f = tf.tensor4d(fs, c.f);
      const y = tf.conv2d(x, f, c.strides, c.pad);
      const dy = tf.tensor(dys.subarray(0, y.size), y.shape);
      // d/df Σ y·dy = Conv2DBackpropFilter(x, dy)
      return tf.grad((ff) => tf.sum(tf.mul(tf.conv2d(x, ff as tf.Tensor4D, c.strides, c.pad), dy)))(f);
    });
    const out = (await g.data()) as Float32Array;
    g.dispose();
    return out;
  })();
}

describe(`Conv2DBackpropFilter on wasm (seed ${SEED})`, () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('is registered for the wasm backend by us', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i matches the cpu backend', async (i, c) => {
    const random = mulberry32(SEED + i);
    const rand = (n: number) => Float32Array.from({ length: n }, () => random() * 2 - 1);
    const xs = rand(c.x.reduce((a, b) => a * b));
    const fs = rand(c.f.reduce((a, b) => a * b));
    const dys = rand(c.x[0] * c.x[1] * c.x[2] * c.f[3]); // ≥ the output size for any stride/padding
    const want = await filterGrad('cpu', c, xs, fs, dys);
    const got = await filterGrad('wasm', c, xs, fs, dys);
    expect(got.length).toBe(c.f.reduce((a, b) => a * b));
    const scale = Math.max(...want.map(Math.abs));
    expect(scale).toBeGreaterThan(0);
    const err = Math.max(...got.map((v, k) => Math.abs(v - want[k])));
    expect(err).toBeLessThanOrEqual(1e-5 * scale);
  });
});
