import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Converter } from '@octet/converter';
import { Interpreter } from '@octet/interpreter';
import { loadLiteRtNode } from '@octet/litert';
import { unwrapNsfwjsModel, type NsfwjsModel } from '@octet/nsfwjs-models';
import { inspect, read } from '@octet/tflite';
import { digitImages } from './mobilenet-inputs.ts';
import { artifacts } from './tfjs-artifacts.ts';

// Issue 4 acceptance: the real MobileNetV2s of nsfwjs@4.3.0 (layers and graph format) convert to
// integer-only models with uint8 I/O, calibrated on 100 representative inputs; on 100 held-back
// inputs LiteRT's output bytes equal our interpreter's, and against the float model (tfjs itself,
// on its wasm backend: the original, with no conversion in between) the top-1 class agrees on at
// least 90% and the SQNR of the dequantized outputs is at least 25 dB.
// The conversion uses Octet's two options beyond TensorFlow's converter, bias correction and the
// mse observer. With TensorFlow's recipe alone (min/max ranges, biases as trained) the same files
// reach 14.5 dB / 87% (layers) and 23.5 dB / 97% (graph) here, byte-identical in LiteRT all the
// same: on the layers model the first depthwise conv's int8 weights (3×3 kernels that nearly cancel)
// shift flat regions by a per-channel offset that global pooling passes on, which bias correction
// removes (output SQNR with it alone: 24.0 dB layers, 24.5 dB graph). What is left is mostly
// activation rounding in the long-tailed projection, residual and logit values (weights alone,
// corrected, cost 34–35 dB on the logits), which the mse observer's clipping lowers: 25.9 / 26.2 dB.
// Inputs: MNIST digits painted as posters, skin-tone close-ups and sketches (mobilenet-inputs.ts
// says what and why). Representative: 100 from the training digits; held back: 100 from the test
// digits, with their own colours and styles (another seed): the same distribution, other images.
const N = 100;
const representative = digitImages('train', N, 1);
const heldBack = digitImages('test', N, 2);
const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

let dir: string;
beforeAll(async () => {
  await tf.setBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'octet-mnv2-int8-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k] > v[best]) best = k;
  return best;
};

/** Quantizes a float input as TFLite's QUANTIZE does into uint8 (round half away from zero, clamp). */
function quantizeU8(x: Float32Array, scale: number, zeroPoint: number, out: Uint8Array): void {
  for (let i = 0; i < x.length; i++) {
    const q = x[i] / scale;
    out[i] = Math.min(255, Math.max(0, (q < 0 ? -Math.round(-q) : Math.round(q)) + zeroPoint));
  }
}

interface Run {
  bytes: Uint8Array;
  convertSeconds: number;
  /** Held-back inputs whose LiteRT output bytes all equal ours. */
  identical: number;
  firstMismatch?: string;
  /** Held-back inputs where the int8 model's top-1 is the float model's. */
  agree: number;
  /** 10·log10(Σ f² / Σ (f − q)²) over all held-back outputs, q dequantized. */
  sqnrDb: number;
  /** Float model's top-1 class counts on the held-back inputs. */
  floatClasses: Map<string, number>;
}

const cases: [NsfwjsModel, 'layers' | 'graph'][] = [
  ['mobilenet_v2', 'layers'],
  ['mobilenet_v2_mid', 'graph'],
];

describe.each(cases)('MobileNetV2 %s (%s format), integer-only with uint8 I/O', (name, format) => {
  let run: Run;

  beforeAll(async () => {
    const path = unwrapNsfwjsModel(name, join(dir, name));
    const converter = Converter.fromModelJson(path);
    converter.optimizations = ['DEFAULT'];
    converter.representativeDataset = function* () {
      for (let i = 0; i < N; i++) yield [representative.image(i)];
    };
    converter.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
    converter.inferenceInputType = 'uint8';
    converter.inferenceOutputType = 'uint8';
    converter.biasCorrection = true;
    converter.calibration = 'mse';
    const t0 = performance.now();
    const bytes = await converter.convert();
    const convertSeconds = (performance.now() - t0) / 1000;

    const float = format === 'layers' ? await tf.loadLayersModel(artifacts(path)) : await tf.loadGraphModel(artifacts(path));
    const ours = new Interpreter(read(bytes));
    const litert = await (await loadLiteRtNode()).compile(bytes);
    const [input] = ours.getInputDetails();
    const [output] = ours.getOutputDetails();
    const { scale, zeroPoint } = output.quantization;
    const xq = new Uint8Array(224 * 224 * 3);
    let identical = 0;
    let firstMismatch: string | undefined;
    let agree = 0;
    let signal = 0;
    let noise = 0;
    const floatClasses = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const x = heldBack.image(i);
      const f = tf.tidy(() => (float.predict(tf.tensor(x, [1, 224, 224, 3])) as tf.Tensor).dataSync() as Float32Array);
      quantizeU8(x, input.quantization.scale, input.quantization.zeroPoint, xq);
      const q = ours.run([xq])[0] as Uint8Array;
      const [theirs] = (await litert.run([xq])) as Uint8Array[];
      if (q.length === theirs.length && q.every((v, k) => v === theirs[k])) identical++;
      else firstMismatch ??= `${heldBack.describe(i)}: ours [${q.join(',')}], LiteRT [${theirs.join(',')}]`;
      for (let k = 0; k < f.length; k++) {
        const d = scale * (q[k] - zeroPoint);
        signal += f[k] * f[k];
        noise += (f[k] - d) * (f[k] - d);
      }
      const top = CLASSES[argmax(f)];
      floatClasses.set(top, (floatClasses.get(top) ?? 0) + 1);
      if (argmax(q) === argmax(f)) agree++;
    }
    litert.dispose();
    float.dispose();
    run = { bytes, convertSeconds, identical, agree, sqnrDb: 10 * Math.log10(signal / noise), floatClasses, ...(firstMismatch ? { firstMismatch } : {}) };
    const classes = [...run.floatClasses].map(([c, n]) => `${c} ${n}`).join(', ');
    console.log(
      `${name}: ${bytes.length.toLocaleString('en-US')} bytes, converted in ${convertSeconds.toFixed(1)} s; ` +
        `LiteRT byte-identical on ${identical}/${N}; top-1 agreement ${agree}/${N}; SQNR ${run.sqnrDb.toFixed(2)} dB; float top-1: ${classes}`,
    );
  }, 600_000);

  it('is integer-only: uint8 input and output, no float tensor in the file', () => {
    const [graph] = inspect(run.bytes).subgraphs;
    expect([graph.inputs, graph.outputs].map((io) => io.map((t) => graph.tensors[t].dtype))).toEqual([['UINT8'], ['UINT8']]);
    expect(graph.tensors.filter((t) => t.dtype === 'FLOAT32').map((t) => t.name)).toEqual([]);
  });

  it('runs in LiteRT byte-identical to our interpreter on every held-back input', () => {
    expect(run.firstMismatch).toBeUndefined();
    expect(run.identical).toBe(N);
  });

  it('the float model gives at least 3 distinct top-1 classes on the held-back inputs', () => {
    expect(run.floatClasses.size, JSON.stringify([...run.floatClasses])).toBeGreaterThanOrEqual(3);
  });

  it("agrees with the float model's top-1 on at least 90% of the held-back inputs", () => {
    expect(run.agree / N).toBeGreaterThanOrEqual(0.9);
  });

  it('has an output SQNR of at least 25 dB against the float model', () => {
    expect(run.sqnrDb).toBeGreaterThanOrEqual(25);
  });
});
