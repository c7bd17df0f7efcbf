import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Converter } from '@octet/converter';
import { loadMnist } from '@octet/data';
import { Interpreter } from '@octet/interpreter';
import { loadLiteRtNode, type LiteRtModel } from '@octet/litert';
import { read } from '@octet/tflite';

// Issue 3 acceptance: the committed MNIST fixture, converted to float, computes what tfjs computes
// in LiteRT and in our interpreter, on all 10,000 test images.
const MODEL = fileURLToPath(new URL('../fixtures/mnist/model.json', import.meta.url));
const N = 10_000;

describe('MNIST float: LiteRT, our interpreter and tfjs agree on all 10,000 test images', () => {
  let bytes: Uint8Array;
  let litert: LiteRtModel;
  let images: Float32Array;
  let tfjsOut: Float32Array;

  beforeAll(async () => {
    bytes = await Converter.fromModelJson(MODEL).convert();
    const test = loadMnist('test', { limit: N });
    images = Float32Array.from(test.images, (p) => p / 255);
    await tf.setBackend('cpu');
    const model = await tf.loadLayersModel(tf.io.fromMemory(await import('node:fs').then((fs) => {
      const json = JSON.parse(fs.readFileSync(MODEL, 'utf8'));
      const weights = fs.readFileSync(new URL('../fixtures/mnist/weights.bin', import.meta.url));
      return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) };
    })));
    tfjsOut = tf.tidy(() => (model.predict(tf.tensor3d(images, [N, 28, 28])) as tf.Tensor).dataSync() as Float32Array);
    litert = await (await loadLiteRtNode()).compile(bytes);
  });
  afterAll(() => litert?.dispose());

  it('agrees on every argmax and to 1e-5 × max|output|', async () => {
    const ours = new Interpreter(read(bytes));
    let argmaxAgree = 0;
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const x = images.subarray(i * 784, (i + 1) * 784);
      const a = ours.run([x])[0] as Float32Array;
      const [b] = (await litert.run([x])) as Float32Array[];
      const t = tfjsOut.subarray(i * 10, (i + 1) * 10);
      const scale = Math.max(...Array.from(t, Math.abs));
      for (let k = 0; k < 10; k++) worst = Math.max(worst, Math.abs(a[k] - t[k]) / scale, Math.abs(b[k] - t[k]) / scale);
      const am = (v: ArrayLike<number>) => Array.prototype.indexOf.call(v, Math.max(...Array.from(v)));
      if (am(a) === am(t) && am(b) === am(t)) argmaxAgree++;
    }
    expect(argmaxAgree).toBe(N);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});
