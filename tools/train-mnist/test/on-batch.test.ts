import { describe, expect, it } from 'vitest';
import { loadMnist } from '../src/mnist.ts';
import { trainMnist, type BatchReport, type EpochReport } from '../src/train.ts';

// onBatch feeds the tutorial's progress bar: running figures that end at the epoch's own.
describe('trainMnist onBatch', () => {
  it('reports every batch, numbered 1..ceil(N / batch), ending at the epoch report', async () => {
    const data = loadMnist({ trainLimit: 330, testLimit: 10 }); // 330 = 10 full batches of 32 + one of 10
    const batches: BatchReport[] = [];
    const epochs: EpochReport[] = [];
    await trainMnist({ epochs: 2, seed: 3, data, backend: 'wasm', onBatch: (b) => batches.push(b), onEpoch: (e) => epochs.push(e) });
    expect(batches).toHaveLength(22);
    expect(batches.slice(0, 11).map((b) => b.batch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(new Set(batches.map((b) => b.batches))).toEqual(new Set([11]));
    for (const e of epochs) {
      const last = batches.filter((b) => b.epoch === e.epoch).at(-1)!;
      expect(last.batch).toBe(11);
      expect(last.loss).toBeCloseTo(e.loss, 12);
      expect(last.accuracy).toBeCloseTo(e.accuracy, 12);
    }
  });
});
