import { Command, InvalidArgumentError } from 'commander';
import { consoleOutput } from './progress.ts';
import { DEFAULT_OPTIONS, runTutorial } from './run.ts';

const count = (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${s}"`);
  return n;
};

const program = new Command('tutorial')
  .description(
    "TensorFlow's post-training integer quantization tutorial with Octet: train the MNIST model, convert it five ways, " +
      'evaluate each with our interpreter and LiteRT, write the .tflite files and report.html',
  )
  .option('--epochs <n>', 'training epochs', count, DEFAULT_OPTIONS.epochs)
  .option('--out <dir>', 'output folder', DEFAULT_OPTIONS.out)
  .option('--seed <n>', 'seed of the initial weights and the shuffle', count, DEFAULT_OPTIONS.seed)
  .option('--limit-train <n>', 'use only the first N training images (quick runs)', count)
  .option('--limit-test <n>', 'use only the first N test images (quick runs)', count)
  .option('--layer-samples <n>', 'test images the per-layer error is measured on', count, DEFAULT_OPTIONS.layerSamples)
  .option('--backend <name>', 'wasm or node (default: node if @tensorflow/tfjs-node loads, else wasm)', (s: string) => {
    if (s !== 'wasm' && s !== 'node') throw new InvalidArgumentError(`expected wasm or node, got "${s}"`);
    return s;
  })
  .parse();

const o = program.opts<{ epochs: number; out: string; seed: number; limitTrain?: number; limitTest?: number; layerSamples: number; backend?: 'wasm' | 'node' }>();
try {
  await runTutorial(o, consoleOutput());
} catch (e) {
  console.error(`tutorial: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
