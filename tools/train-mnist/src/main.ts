import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { saveModel } from './save.ts';
import { trainMnist } from './train.ts';

const int = (s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${s}"`);
  return n;
};

const program = new Command('train-mnist')
  .description("Trains the post-training-quantization tutorial's MNIST model and writes model.json + weights")
  .option('--epochs <n>', 'training epochs', int, 5)
  .option('--seed <n>', 'seed of the initial weights and the shuffle', int, 1)
  .option('--out <dir>', 'output folder', 'mnist-model')
  .option('--backend <name>', 'wasm or node (default: node if @tensorflow/tfjs-node loads, else wasm)')
  .parse();

const o = program.opts<{ epochs: number; seed: number; out: string; backend?: 'wasm' | 'node' }>();
const r = await trainMnist({
  epochs: o.epochs,
  seed: o.seed,
  backend: o.backend,
  onEpoch: (e) =>
    console.log(`epoch ${e.epoch}/${e.epochs}: loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy).toFixed(2)}%, ${e.seconds.toFixed(1)} s`),
});
const { bytes } = await saveModel(r.tf, r.model, o.out);
const info = {
  seed: r.seed,
  epochs: r.epochs,
  backend: r.backend,
  testAccuracy: r.testAccuracy,
  testImages: r.testCount,
  trainSeconds: Math.round(r.trainSeconds * 10) / 10,
  history: r.history.map((h) => ({ epoch: h.epoch, loss: h.loss, accuracy: h.accuracy })),
  command: `npm run train -w @octet/train-mnist -- --epochs ${o.epochs} --seed ${o.seed} --out <dir>`,
};
writeFileSync(join(o.out, 'training.json'), JSON.stringify(info, null, 2) + '\n');
console.log(`test accuracy ${(100 * r.testAccuracy).toFixed(2)}% on ${r.testCount} images (backend ${r.backend}, ${r.trainSeconds.toFixed(1)} s); wrote ${o.out}/model.json + ${bytes} weight bytes`);
