// Times one runtime on one model, batch 1, in a process of its own (so that one runtime's JIT
// state, heap and wasm memory never weigh on another's figures):
//   node --import tsx tools/bench/src/throughput-job.ts <octet|octet-reference|litert|tfjs> <model> <float|int8> <file> [timing JSON]
// <file> is the .tflite for octet and litert, the tfjs model.json for tfjs. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Interpreter } from '@octet/interpreter';
import type { TypedArray } from '@octet/ir';
import { read } from '@octet/tflite';
import { DEFAULT_TIMING, timeSteps, type Timing, type TimingOptions } from './measure.ts';
import { BENCH_IMAGES, MODELS, quantizeToUint8, type ModelName, type Precision } from './models.ts';

/** `octet`: our interpreter as it comes (its fast kernels); `octet-reference`: with `kernels: 'reference'`, the TypeScript kernels alone. */
export const RUNTIMES = ['octet', 'octet-reference', 'litert', 'tfjs'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** How the tables title each runtime. */
export const RUNTIME_TITLES: { readonly [R in Runtime]: string } = {
  octet: 'octet',
  'octet-reference': 'octet (reference kernels)',
  litert: 'LiteRT',
  tfjs: 'tfjs',
};

export interface ThroughputResult {
  runtime: Runtime;
  /** What computed: kernels, backend, threads. */
  backend: string;
  inputDtype: string;
  timing: Timing;
}

type Step = (i: number) => unknown;

/** Float images as the model's input takes them: as they are, or quantized to its uint8 parameters. */
function feed(bytes: Uint8Array, images: Float32Array[]): TypedArray[] {
  const input = read(bytes).inputs[0];
  if (input.type.dtype === 'float32') return images;
  const q = input.type.quant;
  if (input.type.dtype !== 'uint8' || !q) throw new Error(`input is ${input.type.dtype}: the bench feeds float32 or uint8 inputs`);
  return images.map((x) => quantizeToUint8(x, q.scale[0], q.zeroPoint[0]));
}

async function octet(file: string, images: Float32Array[], kernels: 'fast' | 'reference'): Promise<[Step, string, string]> {
  const bytes = readFileSync(file);
  const inputs = feed(bytes, images);
  const interpreter = new Interpreter(read(bytes), { kernels });
  const what =
    kernels === 'fast'
      ? 'Octet interpreter, its default kernels: conv/depthwise/fully_connected (and int8 max_pool) in WebAssembly SIMD, pinned to the reference kernels, the rest reference TypeScript, 1 thread'
      : "Octet interpreter, kernels: 'reference' (TypeScript only), 1 thread";
  return [(i) => interpreter.run([inputs[i % inputs.length]]), what, inputs[0].constructor.name];
}

async function litert(file: string, images: Float32Array[]): Promise<[Step, string, string]> {
  const { loadLiteRtNode } = await import('@octet/litert');
  const bytes = readFileSync(file);
  const inputs = feed(bytes, images) as (Float32Array | Uint8Array)[];
  const rt = await loadLiteRtNode();
  const model = await rt.compile(bytes);
  const glue = rt.glueFile.split('/').pop();
  return [(i) => model.run([inputs[i % inputs.length]]), `LiteRT wasm (${glue}), 1 thread, accelerator 'wasm'`, inputs[0].constructor.name];
}

async function tfjs(modelJson: string, images: Float32Array[], imageShape: number[]): Promise<[Step, string, string]> {
  const tf = await import('@tensorflow/tfjs');
  let backend: string;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    wasm.setWasmPaths(join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend failed');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    backend = `tfjs ${tf.version.tfjs} wasm backend (${simd ? 'SIMD' : 'no SIMD'}, ${wasm.getThreadsCount()} thread)`;
  } catch (e) {
    await tf.setBackend('cpu');
    backend = `tfjs ${tf.version.tfjs} cpu backend (wasm failed: ${e instanceof Error ? e.message : String(e)})`;
  }
  const json = JSON.parse(readFileSync(modelJson, 'utf8'));
  const groups = json.weightsManifest as { paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }[];
  const weights = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(modelJson), p)))));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: groups.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  const shape = [1, ...imageShape];
  const step: Step = (i) => tf.tidy(() => (model.predict(tf.tensor(images[i % images.length], shape)) as import('@tensorflow/tfjs').Tensor).dataSync());
  return [step, backend, 'Float32Array'];
}

/** One runtime ready to run one model: its step function (one image per call), what it is, what it is fed. */
export async function prepare(runtime: Runtime, model: ModelName, file: string): Promise<[Step, string, string]> {
  const spec = MODELS[model];
  const images = spec.benchImages(BENCH_IMAGES[model]);
  return runtime === 'octet' || runtime === 'octet-reference'
    ? octet(file, images, runtime === 'octet' ? 'fast' : 'reference')
    : runtime === 'litert'
      ? litert(file, images)
      : tfjs(file, images, spec.imageShape);
}

export async function measureThroughput(runtime: Runtime, model: ModelName, file: string, timing: TimingOptions): Promise<ThroughputResult> {
  const [step, backend, inputDtype] = await prepare(runtime, model, file);
  return { runtime, backend, inputDtype, timing: await timeSteps(step, timing) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [runtime, model, , file, timingJson] = process.argv.slice(2) as [Runtime, ModelName, Precision, string, string | undefined];
  const timing = timingJson ? { ...DEFAULT_TIMING, ...(JSON.parse(timingJson) as Partial<TimingOptions>) } : DEFAULT_TIMING;
  const result = await measureThroughput(runtime, model, file, timing);
  console.log(JSON.stringify(result));
  // LiteRT's and tfjs's wasm modules keep no handles open, but exit promptly regardless
  process.exit(0);
}
