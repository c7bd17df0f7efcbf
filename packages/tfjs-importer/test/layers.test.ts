import * as tf from '@tensorflow/tfjs';
import { interpret } from '@octet/interpreter';
import { verify } from '@octet/ir';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactsOf, importLayersModel, importModelArtifacts } from '../src/index.ts';
import { expectClose, rng, uniform, useCpu } from './helpers.ts';

// Small layers models built with tf.sequential / tf.model, weights drawn at random (seeded), imported
// live and run by our interpreter; the oracle is model.predict on tfjs's cpu backend.
const SEED = 777001;

type Build = () => tf.LayersModel;
interface Case {
  name: string;
  build: Build;
  /** Input value range (default [-1, 1)). */
  range?: [number, number];
}

const seq = (inputShape: number[], ...layers: tf.layers.Layer[]): Build => () => {
  const m = tf.sequential();
  layers.forEach((l, k) => {
    if (k === 0) m.add(tf.layers.inputLayer({ inputShape }));
    m.add(l);
  });
  return m;
};

const L = tf.layers;
const cases: Case[] = [
  { name: 'Dense on rank 2', build: seq([6], L.dense({ units: 4 })) },
  { name: 'Dense on rank 3 (keeps leading dims), relu, no bias', build: seq([3, 5], L.dense({ units: 2, activation: 'relu', useBias: false })) },
  { name: 'Reshape with -1', build: seq([4, 6], L.reshape({ targetShape: [2, -1, 3] })) },
  { name: 'Flatten after NHWC (no transpose)', build: seq([3, 4, 2], L.flatten(), L.dense({ units: 3 })) },
  { name: 'Conv2D same, stride 2, relu', build: seq([9, 8, 3], L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' })) },
  { name: 'Conv2D valid, dilation 2, no bias, sigmoid', build: seq([9, 9, 2], L.conv2d({ filters: 3, kernelSize: [3, 2], dilationRate: 2, useBias: false, activation: 'sigmoid' })) },
  { name: 'Conv2D strides 2x1, tanh', build: seq([7, 6, 2], L.conv2d({ filters: 2, kernelSize: 2, strides: [2, 1], activation: 'tanh' })) },
  { name: 'DepthwiseConv2D multiplier 2, same, stride 2', build: seq([8, 7, 3], L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' })) },
  { name: 'DepthwiseConv2D valid, no bias, relu6', build: seq([6, 6, 4], L.depthwiseConv2d({ kernelSize: 3, useBias: false, activation: 'relu6' })), range: [-8, 8] },
  { name: 'SeparableConv2D multiplier 2, same', build: seq([7, 7, 3], L.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same' })) },
  { name: 'SeparableConv2D valid, no bias, softmax', build: seq([6, 6, 2], L.separableConv2d({ filters: 4, kernelSize: 3, useBias: false, activation: 'softmax' })) },
  { name: 'BatchNormalization', build: seq([4, 4, 3], L.batchNormalization({ epsilon: 0.01 })) },
  { name: 'BatchNormalization without center and scale', build: seq([5, 3], L.batchNormalization({ center: false, scale: false })) },
  ...(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax'] as const).map((a) => ({
    name: `Activation ${a}`,
    build: seq([3, 8], L.activation({ activation: a })),
    range: [-8, 8] as [number, number],
  })),
  { name: 'ReLU', build: seq([10], L.reLU()) },
  { name: 'ReLU max_value 6', build: seq([10], L.reLU({ maxValue: 6 })), range: [-9, 9] },
  { name: 'ReLU max_value 2.5 (relu, then minimum)', build: seq([2, 10], L.reLU({ maxValue: 2.5 })), range: [-4, 4] },
  { name: 'Softmax layer (tfjs default axis 1 = last of rank 2)', build: seq([6], L.softmax()), range: [-5, 5] },
  { name: 'MaxPooling2D same, 3x3 stride 2', build: seq([7, 8, 2], L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' })) },
  { name: 'AveragePooling2D same (padding not counted)', build: seq([7, 5, 2], L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })) },
  { name: 'AveragePooling2D valid 2x2', build: seq([6, 6, 3], L.averagePooling2d({ poolSize: 2 })) },
  { name: 'GlobalAveragePooling2D', build: seq([5, 4, 3], L.globalAveragePooling2d({})) },
  { name: 'GlobalMaxPooling2D', build: seq([5, 4, 3], L.globalMaxPooling2d({})) },
  { name: 'ZeroPadding2D asymmetric', build: seq([3, 4, 2], L.zeroPadding2d({ padding: [[1, 2], [0, 3]] })) },
  { name: 'UpSampling2D 2x3 nearest', build: seq([3, 4, 2], L.upSampling2d({ size: [2, 3] })) },
  { name: 'Dropout and SpatialDropout1D (identity at inference)', build: seq([4, 3], L.dropout({ rate: 0.5 }), L.spatialDropout1d({ rate: 0.3 }), L.dense({ units: 2 })) },
  { name: 'Permute', build: seq([2, 3, 4], L.permute({ dims: [3, 1, 2] })) },
  {
    name: 'Add, Multiply, Concatenate over two inputs, two outputs',
    build: () => {
      const a = tf.input({ shape: [4, 4, 3], name: 'a' });
      const b = tf.input({ shape: [4, 4, 3], name: 'b' });
      const c = L.conv2d({ filters: 3, kernelSize: 1, name: 'c' }).apply(a) as tf.SymbolicTensor;
      const sum = L.add({ name: 'sum' }).apply([c, b, a]) as tf.SymbolicTensor;
      const prod = L.multiply({ name: 'prod' }).apply([sum, a]) as tf.SymbolicTensor;
      const cat = L.concatenate({ name: 'cat', axis: -1 }).apply([prod, c]) as tf.SymbolicTensor;
      const flat = L.globalAveragePooling2d({ name: 'gap' }).apply(cat) as tf.SymbolicTensor;
      return tf.model({ inputs: [a, b], outputs: [cat, flat], name: 'two_in_two_out' });
    },
  },
  {
    name: 'a shared layer called twice, Concatenate on axis 1',
    build: () => {
      const x = tf.input({ shape: [5], name: 'x' });
      const shared = L.dense({ units: 3, activation: 'relu', name: 'shared' });
      const y1 = shared.apply(x) as tf.SymbolicTensor;
      const y2 = shared.apply(L.dense({ units: 5, name: 'pre' }).apply(x) as tf.SymbolicTensor) as tf.SymbolicTensor;
      return tf.model({ inputs: x, outputs: L.concatenate({ axis: 1, name: 'cat' }).apply([y1, y2]) as tf.SymbolicTensor });
    },
  },
];

/** Random weights, seeded; variances positive. */
function randomize(model: tf.LayersModel, random: () => number): void {
  const values = model.weights.map((w) => {
    const data = uniform(random, w.shape as number[], -1, 1);
    if (w.name.includes('variance')) for (let k = 0; k < data.length; k++) data[k] = 0.2 + Math.abs(data[k]);
    return tf.tensor(data, w.shape as number[]);
  });
  model.setWeights(values);
  tf.dispose(values);
}

describe(`layers agree with tfjs (cpu backend, seed ${SEED})`, () => {
  beforeAll(useCpu);

  it.each(cases.map((c, k) => [c.name, c, k] as const))('%s', async (_, c, k) => {
    const random = rng(SEED + k);
    const model = c.build();
    randomize(model, random);
    const batch = 2;
    const shapes = model.inputs.map((t) => [batch, ...(t.shape.slice(1) as number[])]);
    const [lo, hi] = c.range ?? [-1, 1];
    const xs = shapes.map((s) => uniform(random, s, lo, hi));

    const graph = await importLayersModel(model, { batch });
    verify(graph);
    expect(graph.inputs.map((v) => v.type.shape)).toEqual(shapes);
    const layerNames = new Set(model.layers.map((l) => l.name));
    for (const op of graph.ops) expect(layerNames.has(op.loc!), `${op.kind} loc ${op.loc}`).toBe(true);
    const ours = interpret(graph, xs);

    const preds = model.predict(xs.map((x, j) => tf.tensor(x, shapes[j]))) as tf.Tensor | tf.Tensor[];
    const want = Array.isArray(preds) ? preds : [preds];
    expect(ours).toHaveLength(want.length);
    want.forEach((w, j) => {
      expect(graph.outputs[j].type.shape).toEqual(w.shape);
      expectClose(ours[j] as Float32Array, w.dataSync() as Float32Array, 1e-5, `${c.name} output ${j}`);
    });
    tf.dispose(want);
    model.dispose();
  });

  it('Subtract (absent from tfjs): a − b exactly, from a topology whose Add is renamed', async () => {
    const a = tf.input({ shape: [3, 2], name: 'a' });
    const b = tf.input({ shape: [3, 2], name: 'b' });
    const model = tf.model({ inputs: [a, b], outputs: L.add({ name: 'diff' }).apply([a, b]) as tf.SymbolicTensor });
    const artifacts = await artifactsOf(model);
    const topo = JSON.parse(JSON.stringify(artifacts.modelTopology).replace('"class_name":"Add"', '"class_name":"Subtract"'));
    const g = importModelArtifacts({ ...artifacts, modelTopology: topo });
    expect(g.ops.map((o) => o.kind)).toEqual(['sub']);
    const random = rng(SEED);
    const [xa, xb] = [uniform(random, [1, 3, 2]), uniform(random, [1, 3, 2])];
    const [y] = interpret(g, [xa, xb]);
    expect(Array.from(y as Float32Array)).toEqual(Array.from(xa, (v, k) => Math.fround(v - xb[k])));
    model.dispose();
  });

  it('Softmax over a middle axis (tfjs cannot run it): transpose, softmax, transpose back, as computed by hand', async () => {
    const model = seq([3, 2], L.softmax({ axis: 1, name: 'sm' }))();
    const g = importModelArtifacts(await artifactsOf(model));
    expect(g.ops.map((o) => o.kind)).toEqual(['transpose', 'softmax', 'transpose']);
    const x = Float32Array.from([0.5, -1, 2, 0, -0.25, 3]); // [1, 3, 2]
    const [y] = interpret(g, [x]);
    for (let j = 0; j < 2; j++) {
      const col = [0, 1, 2].map((i) => x[i * 2 + j]);
      const z = col.reduce((acc, v) => acc + Math.exp(v), 0);
      col.forEach((v, i) => expect(y[i * 2 + j]).toBeCloseTo(Math.exp(v) / z, 6));
    }
    model.dispose();
  });

  it('maps layers to the ops of TFLite: Dropout → identity, BatchNormalization → batch_norm, Flatten → reshape', async () => {
    const m = seq([4, 4, 2], L.conv2d({ filters: 2, kernelSize: 3, name: 'c' }), L.batchNormalization({ name: 'bn' }), L.dropout({ rate: 0.1, name: 'd' }), L.flatten({ name: 'f' }), L.dense({ units: 3, name: 'fc' }))();
    const g = await importLayersModel(m);
    expect(g.ops.map((o) => [o.kind, o.loc])).toEqual([
      ['conv_2d', 'c'],
      ['batch_norm', 'bn'],
      ['identity', 'd'],
      ['reshape', 'f'],
      ['fully_connected', 'fc'],
    ]);
    expect(g.inputs[0].type.shape).toEqual([1, 4, 4, 2]); // batch defaults to 1
    expect(g.ops[3].attrs).toEqual({ new_shape: [1, 8] });
    expect(g.ops[0].inputs[1].type.shape).toEqual([2, 3, 3, 2]); // OHWI
    expect(g.ops[4].inputs[1].type.shape).toEqual([3, 8]); // [out, in]
    m.dispose();
  });
});
