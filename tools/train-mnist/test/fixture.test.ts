import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../src/backend.ts';
import { loadMnist } from '../src/mnist.ts';
import { evaluate } from '../src/train.ts';

const DIR = join(import.meta.dirname, '../../../e2e/fixtures/mnist');

describe('the committed MNIST fixture', () => {
  beforeAll(async () => {
    await useWasmBackend();
  });

  it('has the tutorial architecture and the recorded accuracy (≥ 97.5%) on all 10,000 test images', async () => {
    const info = JSON.parse(readFileSync(join(DIR, 'training.json'), 'utf8')) as { testAccuracy: number; seed: number };
    const json = JSON.parse(readFileSync(join(DIR, 'model.json'), 'utf8'));
    const weights = readFileSync(join(DIR, 'weights.bin'));
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    expect(model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Reshape', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense']);
    expect(model.inputs[0].shape).toEqual([null, 28, 28]);
    expect(model.countParams()).toBe(20410);
    const { test } = loadMnist();
    expect(test.count).toBe(10000);
    const accuracy = evaluate(tf, model, test);
    expect(accuracy).toBeGreaterThanOrEqual(0.975);
    expect(accuracy).toBeCloseTo(info.testAccuracy, 4);
  });
});
