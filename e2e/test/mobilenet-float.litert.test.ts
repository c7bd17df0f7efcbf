import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Converter } from '@octet/converter';
import { loadLiteRtNode } from '@octet/litert';
import { unwrapNsfwjsModel, type NsfwjsModel } from '@octet/nsfwjs-models';
import { emit, inspect, read } from '@octet/tflite';
import { mulberry32 } from '@octet/testing';
import { artifacts } from './tfjs-artifacts.ts';

// Issue 3 acceptance: the real MobileNetV2s of nsfwjs@4.3.0 (layers and graph format) convert to
// float .tflite files that LiteRT runs within 1e-4 × max|output| of tfjs on 8 inputs, with
// BatchNorm folded, activations fused and Dropout gone.
const SEED = 424242;
let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'octet-mnv2-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases: [NsfwjsModel, 'layers' | 'graph'][] = [
  ['mobilenet_v2', 'layers'],
  ['mobilenet_v2_mid', 'graph'],
];

describe(`MobileNetV2 float conversions run in LiteRT like tfjs (seed ${SEED})`, () => {
  it.each(cases)('%s (%s format)', async (name, format) => {
    const path = unwrapNsfwjsModel(name, join(dir, name));
    const bytes = await Converter.fromModelJson(path).convert();
    const ops = inspect(bytes).subgraphs[0].operators.map((o) => o.op);
    const count = (op: string) => ops.filter((o) => o === op).length;
    expect([count('CONV_2D'), count('DEPTHWISE_CONV_2D')]).toEqual([35, 17]);
    // Activations fused, Dropout gone, BatchNorm folded: the only MUL left is the graph model's own
    // input scaling (hub_input/Mul, followed by hub_input/Sub), which is not a BatchNorm.
    expect([count('RELU6'), count('RELU'), count('MUL')]).toEqual([0, 0, format === 'layers' ? 0 : 1]);
    // emitter → reader → emitter is byte-identical
    expect(Buffer.from(emit(read(bytes))).equals(Buffer.from(bytes))).toBe(true);

    const model = format === 'layers' ? await tf.loadLayersModel(artifacts(path)) : await tf.loadGraphModel(artifacts(path));
    const litert = await (await loadLiteRtNode()).compile(bytes);
    const [input] = litert.getInputDetails();
    const random = mulberry32(SEED);
    let worst = 0;
    for (let k = 0; k < 8; k++) {
      const x = Float32Array.from({ length: 224 * 224 * 3 }, () => random());
      const want = tf.tidy(() => (model.predict(tf.tensor(x, input.shape)) as tf.Tensor).dataSync() as Float32Array);
      const [got] = (await litert.run([x])) as Float32Array[];
      const scale = Math.max(...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / scale);
    }
    litert.dispose();
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
