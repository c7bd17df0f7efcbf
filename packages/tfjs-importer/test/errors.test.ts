import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, importModelArtifacts, importModelJson, SUPPORTED_LAYERS, SUPPORTED_NODES } from '../src/index.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'octet-importer-errors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const layersModel = (layers: unknown[], inputs = [['x', 0, 0]], outputs = [['y', 0, 0]]) => ({
  modelTopology: { class_name: 'Functional', config: { name: 'm', layers, input_layers: inputs, output_layers: outputs } },
});
const inputLayer = (shape: (number | null)[]) => ({ name: 'x', class_name: 'InputLayer', config: { name: 'x', batch_input_shape: shape, dtype: 'float32' }, inbound_nodes: [] });

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    const m = (e as Error).message;
    expect(m.split('\n')).toHaveLength(1);
    return m;
  }
  throw new Error('expected an ImportError');
}

describe('import errors: one line, naming the layer, node, file or input', () => {
  it('an unsupported layer names it and its class and lists the supported layers', () => {
    const m = message(() => importModelArtifacts(layersModel([inputLayer([null, 4, 3]), { name: 'y', class_name: 'LSTM', config: { name: 'y', units: 2 }, inbound_nodes: [[['x', 0, 0, {}]]] }])));
    expect(m).toContain("layer 'y' has class LSTM, which is not supported");
    for (const l of SUPPORTED_LAYERS) expect(m).toContain(l);
  });

  it('an unsupported node names it and its op and lists the supported ops', () => {
    const artifacts = {
      format: 'graph-model',
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '3' }] } } } },
          { name: 'erf', op: 'Erf', input: ['x'], attr: {} },
        ],
      },
      weightSpecs: [],
      weightData: new ArrayBuffer(0),
    };
    const m = message(() => importModelArtifacts(artifacts));
    expect(m).toContain("node 'erf' has op Erf, which is not supported");
    for (const n of SUPPORTED_NODES) expect(m).toContain(n);
  });

  it('an unsupported activation, padding or data format names the layer and the alternatives', () => {
    const conv = (cfg: object) => layersModel([inputLayer([null, 4, 4, 1]), { name: 'y', class_name: 'Conv2D', config: { name: 'y', filters: 1, kernel_size: [1, 1], ...cfg }, inbound_nodes: [[['x', 0, 0, {}]]] }]);
    const w = { weightSpecs: [{ name: 'y/kernel', shape: [1, 1, 1, 1], dtype: 'float32' as const }], weightData: new Float32Array([1]).buffer };
    expect(message(() => importModelArtifacts({ ...conv({ activation: 'elu', use_bias: false }), ...w }))).toMatch(/layer 'y' \(Conv2D\) has activation 'elu', which is not supported: use one of linear, relu, relu6, sigmoid, tanh, softmax/);
    expect(message(() => importModelArtifacts({ ...conv({ padding: 'causal', use_bias: false }), ...w }))).toMatch(/padding 'causal'.*'same' or 'valid'/);
    expect(message(() => importModelArtifacts({ ...conv({ data_format: 'channels_first', use_bias: false }), ...w }))).toMatch(/data_format 'channels_first'.*channels_last/);
  });

  it('a missing weight names the layer, the weight and what the manifest has', () => {
    const m = message(() =>
      importModelArtifacts({
        ...layersModel([inputLayer([null, 3]), { name: 'y', class_name: 'Dense', config: { name: 'y', units: 2 }, inbound_nodes: [[['x', 0, 0, {}]]] }]),
        weightSpecs: [{ name: 'y/kernel', shape: [3, 2], dtype: 'float32' }],
        weightData: new ArrayBuffer(24),
      }),
    );
    expect(m).toBe("layer 'y' (Dense) has no weight 'bias' in the weights manifest: found y/kernel");
  });

  it('a dimension that stays unknown names the input; inputShape resolves it', () => {
    const model = layersModel([inputLayer([null, null, 3]), { name: 'y', class_name: 'ReLU', config: { name: 'y' }, inbound_nodes: [[['x', 0, 0, {}]]] }]);
    expect(message(() => importModelArtifacts(model))).toBe(
      "input 'x' [?,?,3] has unknown dimension 1: give its static shape with the inputShape option (or inputShapes: {'x': [...]})",
    );
    expect(importModelArtifacts(model, { inputShape: [7, 3] }).inputs[0].type.shape).toEqual([1, 7, 3]);
    expect(importModelArtifacts(model, { inputShapes: { x: [2, 5, 3] } }).inputs[0].type.shape).toEqual([2, 5, 3]);
    expect(message(() => importModelArtifacts(model, { inputShape: [7, 4] }))).toMatch(/input 'x' \[\?,\?,3\]: given shape \[1,7,4\] differs at dimension 2 \(4 vs 3\)/);
  });

  it('a short shard on disk names the file and the byte counts; a missing one names the file', () => {
    const json = {
      format: 'layers-model',
      modelTopology: layersModel([inputLayer([null, 3]), { name: 'y', class_name: 'Dense', config: { name: 'y', units: 2, use_bias: false }, inbound_nodes: [[['x', 0, 0, {}]]] }]).modelTopology,
      weightsManifest: [{ paths: ['shard-a.bin', 'shard-b.bin'], weights: [{ name: 'y/kernel', shape: [3, 2], dtype: 'float32' }] }],
    };
    writeFileSync(join(dir, 'my-model.json'), JSON.stringify(json));
    writeFileSync(join(dir, 'shard-a.bin'), new Uint8Array(16));
    writeFileSync(join(dir, 'shard-b.bin'), new Uint8Array(4));
    const short = message(() => importModelJson(join(dir, 'my-model.json')));
    expect(short).toBe(
      `weight shard '${join(dir, 'shard-b.bin')}' is short (4 bytes): weights group 1 [shard-a.bin, shard-b.bin] needs 24 bytes, its shards hold 20: re-download or re-convert the model`,
    );
    writeFileSync(join(dir, 'shard-b.bin'), new Uint8Array(8));
    expect(importModelJson(join(dir, 'my-model.json')).outputs[0].type.shape).toEqual([1, 2]);
    rmSync(join(dir, 'shard-b.bin'));
    expect(message(() => importModelJson(join(dir, 'my-model.json')))).toMatch(new RegExp(`weight shard '${join(dir, 'shard-b.bin')}' \\(listed in '.*my-model.json'\\) cannot be read`));
  });

  it('a nested model and an unknown model class are refused by name', () => {
    expect(message(() => importModelArtifacts(layersModel([inputLayer([null, 3]), { name: 'inner', class_name: 'Sequential', config: { layers: [] } }])))).toMatch(
      /layer 'inner' is a nested Sequential model/,
    );
    expect(message(() => importModelArtifacts({ modelTopology: { class_name: 'Estimator', config: {} } }))).toMatch(/class 'Estimator' is not supported: expected one of Sequential, Functional, Model/);
  });
});
