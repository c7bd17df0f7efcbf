import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/mnist.ts';
import { trainMnist } from '../src/train.ts';

// A short run on a slice of MNIST: the seed alone decides the trained weights.
const data = loadMnist({ trainLimit: 320, testLimit: 200 });

async function weightsAfter(seed: number, onEpoch?: Parameters<typeof trainMnist>[0] extends infer O ? O extends { onEpoch?: infer F } ? F : never : never) {
  const r = await trainMnist({ epochs: 2, seed, data, backend: 'wasm', onEpoch });
  const w = r.model.getWeights().map((t) => Array.from(t.dataSync()));
  return { r, w };
}

describe('trainMnist', () => {
  it('is reproducible for a seed, different across seeds, and reports each epoch', async () => {
    const epochs: number[] = [];
    const a = await weightsAfter(5, (e) => epochs.push(e.epoch));
    const b = await weightsAfter(5);
    const c = await weightsAfter(6);
    expect(epochs).toEqual([1, 2]);
    expect(a.r.history).toHaveLength(2);
    expect(a.r.history[1].loss).toBeLessThan(a.r.history[0].loss);
    expect(a.w).toEqual(b.w);
    expect(a.w).not.toEqual(c.w);
    expect(a.r.testCount).toBe(200);
  });
});
