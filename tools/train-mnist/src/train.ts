import { chooseBackend, type Tf } from './backend.ts';
import { loadMnist, normalizedBatch, type Mnist, type MnistSplit } from './mnist.ts';
import { buildMnistModel } from './model.ts';
import { mulberry32, permutation } from './random.ts';

import type { LayersModel } from '@tensorflow/tfjs';

export interface EpochReport {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** Mean training loss (sparse categorical cross-entropy from logits) over the epoch's batches. */
  loss: number;
  /** Training accuracy over the epoch (the model as it was at each batch). */
  accuracy: number;
  seconds: number;
}

/** Running figures of the epoch so far, after each batch (for progress bars). */
export interface BatchReport {
  epoch: number;
  epochs: number;
  /** 1-based. */
  batch: number;
  batches: number;
  /** Mean loss and accuracy over the epoch's batches so far. */
  loss: number;
  accuracy: number;
}

export interface TrainOptions {
  epochs?: number;
  seed?: number;
  batchSize?: number;
  onEpoch?: (r: EpochReport) => void;
  onBatch?: (r: BatchReport) => void;
  /** Force a backend; by default tfjs-node if it loads, else wasm. */
  backend?: 'wasm' | 'node';
  /** Use only the first N training / test images (for quick runs and tests). */
  trainLimit?: number;
  testLimit?: number;
  data?: Mnist;
}

export interface TrainResult {
  tf: Tf;
  model: ReturnType<Tf["sequential"]>;
  backend: string;
  seed: number;
  epochs: number;
  history: EpochReport[];
  /** Fraction of the test images classified right. */
  testAccuracy: number;
  testCount: number;
  trainSeconds: number;
}

const IMAGE = [28, 28];

/** Fraction of `split` whose argmax of the model's logits equals the label. */
export function evaluate(tf: Tf, model: Pick<LayersModel, 'predict'>, split: MnistSplit, batch = 1000): number {
  let right = 0;
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const idx = Array.from({ length: n }, (_, i) => start + i);
    const pred = tf.tidy(() => {
      const x = tf.tensor3d(normalizedBatch(split, idx), [n, ...IMAGE] as [number, number, number]);
      return (model.predict(x) as ReturnType<Tf['tensor']>).argMax(-1).dataSync();
    });
    for (let i = 0; i < n; i++) if (pred[i] === split.labels[start + i]) right++;
  }
  return right / split.count;
}

/**
 * Trains the tutorial's model: Adam (Keras defaults: lr 1e-3, β 0.9/0.999, ε 1e-7), sparse categorical
 * cross-entropy from logits, batch 32, inputs x/255. The seed fixes the initial weights and the
 * per-epoch shuffle, so a backend gives the same model for the same seed.
 */
export async function trainMnist(opts: TrainOptions = {}): Promise<TrainResult> {
  const epochs = opts.epochs ?? 5;
  const seed = opts.seed ?? 1;
  const batchSize = opts.batchSize ?? 32;
  const { tf, name } = await chooseBackend(opts.backend);
  const data = opts.data ?? loadMnist({ trainLimit: opts.trainLimit, testLimit: opts.testLimit });
  const { train } = data;
  const model = buildMnistModel(tf, seed);
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-7);
  const random = mulberry32(seed);
  const history: EpochReport[] = [];
  const t0 = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const te = performance.now();
    const order = permutation(train.count, random);
    let lossSum = 0;
    let right = 0;
    let batches = 0;
    let seen = 0;
    const batchCount = Math.ceil(train.count / batchSize);
    for (let start = 0; start < train.count; start += batchSize) {
      const idx = order.subarray(start, Math.min(start + batchSize, train.count));
      const n = idx.length;
      const labels = Int32Array.from(idx, (i) => train.labels[i]);
      const [loss, pred] = tf.tidy(() => {
        const x = tf.tensor3d(normalizedBatch(train, idx), [n, ...IMAGE] as [number, number, number]);
        const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
        let logits: ReturnType<Tf['tensor']> | undefined;
        const l = optimizer.minimize(() => {
          logits = tf.keep(model.apply(x, { training: true }) as ReturnType<Tf['tensor']>); // kept past minimize's scope
          return tf.losses.softmaxCrossEntropy(y, logits) as ReturnType<Tf['scalar']>;
        }, true)!;
        const predicted = logits!.argMax(-1).dataSync();
        logits!.dispose();
        return [l.dataSync()[0], predicted];
      });
      lossSum += loss;
      for (let i = 0; i < n; i++) if (pred[i] === labels[i]) right++;
      batches++;
      seen += n;
      opts.onBatch?.({ epoch, epochs, batch: batches, batches: batchCount, loss: lossSum / batches, accuracy: right / seen });
    }
    const report: EpochReport = { epoch, epochs, loss: lossSum / batches, accuracy: right / train.count, seconds: (performance.now() - te) / 1000 };
    history.push(report);
    opts.onEpoch?.(report);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  optimizer.dispose();
  const testAccuracy = evaluate(tf, model, data.test);
  return { tf, model, backend: name, seed, epochs, history, testAccuracy, testCount: data.test.count, trainSeconds };
}
