import * as tf from '@tensorflow/tfjs';
import { interpret } from '@octet/interpreter';
import { verify } from '@octet/ir';
import { beforeAll, describe, expect, it } from 'vitest';
import { importLayersModel, importModelArtifacts } from '../src/index.ts';
import { expectClose, numel, rng, uniform, useCpu } from './helpers.ts';

// Topologies as the Keras 3 converter writes them (module / registered_name, batch_shape, inbound
// nodes as {args, kwargs} with __keras_tensor__ objects, a single-ref input_layers, weights named
// <layer>/<index>), checked against the same model built in tfjs with the same weights.
const SEED = 5150;

const k3tensor = (layer: string, shape: (number | null)[]) => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, 0, 0] } });
const dtypePolicy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const k3layer = (class_name: string, name: string, config: object, args: unknown[] = []) => ({
  module: 'keras.layers',
  class_name,
  config: { name, trainable: true, dtype: dtypePolicy, ...config },
  registered_name: null,
  name,
  inbound_nodes: args.length ? [{ args, kwargs: {} }] : [],
});
const conv = { strides: [1, 1], data_format: 'channels_last', dilation_rate: [1, 1], groups: 1 };

function weightsOf(specs: { name: string; shape: number[] }[], random: () => number) {
  const values = specs.map((s) => uniform(random, s.shape));
  const all = new Float32Array(values.reduce((a, v) => a + v.length, 0));
  let o = 0;
  for (const v of values) {
    all.set(v, o);
    o += v.length;
  }
  return { values, weightSpecs: specs.map((s) => ({ ...s, dtype: 'float32' as const })), weightData: all.buffer };
}

describe('Keras 3 and Keras 2 topologies', () => {
  beforeAll(useCpu);

  it('a Keras 3 Functional model (two convs, Add over a nested args list, Flatten, Dense) matches tfjs', () => {
    const random = rng(SEED);
    const topology = {
      module: 'keras',
      class_name: 'Functional',
      config: {
        name: 'k3',
        trainable: true,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 5, 5, 2], dtype: 'float32', sparse: false, name: 'img' }, registered_name: null, name: 'img', inbound_nodes: [] },
          k3layer('Conv2D', 'conv', { ...conv, filters: 3, kernel_size: [3, 3], padding: 'same', activation: 'relu', use_bias: true }, [k3tensor('img', [null, 5, 5, 2])]),
          k3layer('Conv2D', 'conv_b', { ...conv, filters: 3, kernel_size: [1, 1], padding: 'valid', activation: 'linear', use_bias: true }, [k3tensor('img', [null, 5, 5, 2])]),
          k3layer('Add', 'add', {}, [[k3tensor('conv', [null, 5, 5, 3]), k3tensor('conv_b', [null, 5, 5, 3])]]),
          k3layer('Flatten', 'flatten', { data_format: 'channels_last' }, [k3tensor('add', [null, 5, 5, 3])]),
          k3layer('Dense', 'dense', { units: 4, activation: { module: 'keras.activations', class_name: 'function', config: 'tanh', registered_name: 'tanh' }, use_bias: true }, [k3tensor('flatten', [null, 75])]),
        ],
        input_layers: ['img', 0, 0],
        output_layers: ['dense', 0, 0],
      },
    };
    const w = weightsOf(
      [
        { name: 'conv/0', shape: [3, 3, 2, 3] },
        { name: 'conv/1', shape: [3] },
        { name: 'conv_b/0', shape: [1, 1, 2, 3] },
        { name: 'conv_b/1', shape: [3] },
        { name: 'dense/0', shape: [75, 4] },
        { name: 'dense/1', shape: [4] },
      ],
      random,
    );
    const graph = importModelArtifacts({ modelTopology: { keras_version: '3.3.3', backend: 'tensorflow', model_config: topology }, weightSpecs: w.weightSpecs, weightData: w.weightData }, { batch: 3 });
    verify(graph);
    expect(graph.ops.map((o) => o.kind)).toEqual(['conv_2d', 'relu', 'conv_2d', 'add', 'reshape', 'fully_connected', 'tanh']);

    const img = tf.input({ shape: [5, 5, 2], name: 'img' });
    const a = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' }).apply(img) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 3, kernelSize: 1, name: 'conv_b' }).apply(img) as tf.SymbolicTensor;
    const s = tf.layers.add({ name: 'add' }).apply([a, b]) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 4, activation: 'tanh', name: 'dense' }).apply(tf.layers.flatten({ name: 'flatten' }).apply(s) as tf.SymbolicTensor) as tf.SymbolicTensor;
    const model = tf.model({ inputs: img, outputs: y });
    model.setWeights(w.values.map((v, k) => tf.tensor(v, w.weightSpecs[k].shape)));
    const x = uniform(random, [3, 5, 5, 2]);
    const [ours] = interpret(graph, [x]);
    expectClose(ours as Float32Array, (model.predict(tf.tensor(x, [3, 5, 5, 2])) as tf.Tensor).dataSync() as Float32Array, 1e-5, 'k3 functional');
  });

  it('a Keras 3 Sequential model (InputLayer with batch_shape, weights by index) matches tfjs', () => {
    const random = rng(SEED + 1);
    const topology = {
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'seq',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 6], dtype: 'float32', name: 'input_layer' }, registered_name: null },
          { ...k3layer('Dense', 'd1', { units: 3, activation: 'relu', use_bias: true }), build_config: { input_shape: [null, 6] } },
          { ...k3layer('Dense', 'd2', { units: 2, activation: 'softmax', use_bias: false }), build_config: { input_shape: [null, 3] } },
        ],
      },
    };
    const w = weightsOf(
      [
        { name: 'd1/0', shape: [6, 3] },
        { name: 'd1/1', shape: [3] },
        { name: 'd2/0', shape: [3, 2] },
      ],
      random,
    );
    const graph = importModelArtifacts({ modelTopology: topology, weightSpecs: w.weightSpecs, weightData: w.weightData }, { batch: 4 });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, activation: 'relu' }), tf.layers.dense({ units: 2, activation: 'softmax', useBias: false })] });
    model.setWeights(w.values.map((v, k) => tf.tensor(v, w.weightSpecs[k].shape)));
    const x = uniform(random, [4, 6]);
    expectClose(interpret(graph, [x])[0] as Float32Array, (model.predict(tf.tensor(x, [4, 6])) as tf.Tensor).dataSync() as Float32Array, 1e-5, 'k3 sequential');
  });

  it('a tfjs Sequential without an InputLayer (batch_input_shape on its first layer) imports with a synthesized input', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, name: 'only' })] });
    const g = await importLayersModel(model);
    expect(g.inputs.map((v) => [v.name, v.type.shape])).toEqual([['only_input', [1, 4]]]);
    const x = uniform(rng(SEED + 2), [1, 4]);
    expectClose(interpret(g, [x])[0] as Float32Array, (model.predict(tf.tensor(x, [1, 4])) as tf.Tensor).dataSync() as Float32Array, 1e-5, 'no InputLayer');
    expect(numel(g.outputs[0].type.shape)).toBe(2);
  });

  it('Keras 2 Functional (Model class) with several inputs and outputs keeps their order', async () => {
    const a = tf.input({ shape: [3], name: 'a' });
    const b = tf.input({ shape: [2], name: 'b' });
    const cat = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
    const y1 = tf.layers.dense({ units: 2, name: 'y1' }).apply(cat) as tf.SymbolicTensor;
    const y2 = tf.layers.activation({ activation: 'relu', name: 'y2' }).apply(b) as tf.SymbolicTensor;
    const model = tf.model({ inputs: [b, a], outputs: [y2, y1] });
    const g = await importLayersModel(model);
    expect(g.inputs.map((v) => v.name)).toEqual(['b', 'a']);
    expect(g.outputs.map((v) => v.name)).toEqual(['y2', 'y1']);
    const random = rng(SEED + 3);
    const xb = uniform(random, [1, 2]);
    const xa = uniform(random, [1, 3]);
    const ours = interpret(g, [xb, xa]);
    const want = model.predict([tf.tensor(xb, [1, 2]), tf.tensor(xa, [1, 3])]) as tf.Tensor[];
    expectClose(ours[0] as Float32Array, want[0].dataSync() as Float32Array, 1e-5, 'y2');
    expectClose(ours[1] as Float32Array, want[1].dataSync() as Float32Array, 1e-5, 'y1');
  });
});
