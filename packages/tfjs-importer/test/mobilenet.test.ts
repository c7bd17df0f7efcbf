import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { interpret } from '@octet/interpreter';
import { verify } from '@octet/ir';
import { unwrapNsfwjsModel } from '@octet/nsfwjs-models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importModelJson } from '../src/index.ts';
import { expectClose, rng, uniform, useCpu } from './helpers.ts';

// The real MobileNetV2s of nsfwjs@4.3.0 (uint8-affine weights): Keras layers format and tfjs-converter
// graph format. Each must import, and our interpreter must agree with tfjs (cpu) on random inputs.
const SEED = 31337;
let dir: string;

/** tfjs's artifacts for a model.json on disk (tfjs's own file:// handler needs tfjs-node). */
function diskHandler(path: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path, 'utf8'));
      const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      const bufs = groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p))));
      const all = Buffer.concat(bufs);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        userDefinedMetadata: json.userDefinedMetadata,
      };
    },
  };
}

beforeAll(async () => {
  await useCpu();
  dir = mkdtempSync(join(tmpdir(), 'octet-nsfwjs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`real MobileNetV2 models from nsfwjs agree with tfjs (seed ${SEED})`, () => {
  it('layers format (mobilenet_v2): BatchNormalization, DepthwiseConv2D, ReLU(6), Add, ZeroPadding2D, Dense, Dropout', async () => {
    const path = unwrapNsfwjsModel('mobilenet_v2', join(dir, 'mobilenet_v2'));
    const graph = importModelJson(path);
    verify(graph);
    const kinds = new Set(graph.ops.map((o) => o.kind));
    for (const k of ['conv_2d', 'depthwise_conv_2d', 'batch_norm', 'relu6', 'add', 'pad', 'fully_connected', 'identity', 'softmax']) expect(kinds.has(k as never), k).toBe(true);
    expect(graph.inputs[0].type.shape).toEqual([1, 224, 224, 3]);
    expect(graph.outputs[0].type.shape).toEqual([1, 5]);
    const model = await tf.loadLayersModel(diskHandler(path));
    const random = rng(SEED);
    for (let k = 0; k < 2; k++) {
      const x = uniform(random, [1, 224, 224, 3], 0, 1);
      const [ours] = interpret(graph, [x]);
      const want = tf.tidy(() => (model.predict(tf.tensor(x, [1, 224, 224, 3])) as tf.Tensor).dataSync());
      expectClose(ours as Float32Array, want as Float32Array, 1e-4, `input ${k}`);
    }
    model.dispose();
  });

  it('graph format (mobilenet_v2_mid): _FusedConv2D, FusedDepthwiseConv2dNative, AddV2, AvgPool, Squeeze, _FusedMatMul', async () => {
    const path = unwrapNsfwjsModel('mobilenet_v2_mid', join(dir, 'mobilenet_v2_mid'));
    const graph = importModelJson(path);
    verify(graph);
    expect(graph.inputs.map((v) => [v.name, v.type.shape])).toEqual([['input', [1, 224, 224, 3]]]);
    expect(graph.outputs.map((v) => [v.name, v.type.shape])).toEqual([['Identity', [1, 5]]]);
    const model = await tf.loadGraphModel(diskHandler(path));
    const random = rng(SEED + 1);
    for (let k = 0; k < 2; k++) {
      const x = uniform(random, [1, 224, 224, 3], 0, 1);
      const [ours] = interpret(graph, [x]);
      const want = tf.tidy(() => (model.execute(tf.tensor(x, [1, 224, 224, 3])) as tf.Tensor).dataSync());
      expectClose(ours as Float32Array, want as Float32Array, 1e-4, `input ${k}`);
    }
    model.dispose();
  });
});
