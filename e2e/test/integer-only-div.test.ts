/**
 * Issue 4 acceptance: `--integer-only` on a model with ops that have no integer kernel (a tfjs graph
 * model with two divs, RealDiv and Div, as TensorFlow writes `x / y`) fails listing every such op
 * and its node, and leaves no file behind; without `--integer-only` the same model converts with
 * float fallback (each DIV computing in float between a DEQUANTIZE and a QUANTIZE), and the file
 * runs in LiteRT with the outputs of our interpreter. The Converter API path fails the same way.
 *
 * The model is written here, in a temporary folder, as tfjs-converter writes a graph model
 * (GraphDef nodes in model.json, weights in one shard listed by the weights manifest):
 *
 *   x [-1,8,8,3] → _FusedConv2D 3×3 [BiasAdd] → RealDiv by 4 ('…/truediv') → Relu
 *     → Conv2D 3×3 stride 2 → BiasAdd → Div by a per-channel constant ('…/div_1')
 *     → Mean over H,W → Identity: [1,6]
 *
 * (The first conv as tfjs-converter fuses it, the second as two nodes: Octet's fold-bias-add pass
 * makes the separate BiasAdd the second conv's bias, as TensorFlow's converter does.)
 *
 * The Mean after the second div keeps that div inside the int8 model too (a QUANTIZE after it, not
 * the float output), so both divs are fallback islands, and gives a small output whose argmax
 * means something.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Converter } from '@octet/converter';
import { writeNpy } from '@octet/data';
import { DiagnosticError } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { loadLiteRtNode, type LiteRtModel } from '@octet/litert';
import { read, type InspectedModel } from '@octet/tflite';
import { mulberry32, spawnIn } from '@octet/testing';

const SEED = 4_2026;
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'packages/cli/bin/octet.js');

const TRUEDIV = 'StatefulPartitionedCall/model/scale/truediv';
const DIV = 'StatefulPartitionedCall/model/normalize/div_1';
const SAMPLES = 32; // representative rows
const CHECKED = 12; // inputs run in LiteRT and ours

const rng = mulberry32;
const uniform = (r: () => number, n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * r());

// ---- the graph model, as tfjs-converter writes it ----

const b64 = (v: string) => Buffer.from(v).toString('base64');
const T = { T: { type: 'DT_FLOAT' } };
const conv = (stride: number) => ({
  ...T,
  strides: { list: { i: ['1', String(stride), String(stride), '1'] } },
  padding: { s: b64('SAME') },
  data_format: { s: b64('NHWC') },
  dilations: { list: { i: ['1', '1', '1', '1'] } },
  explicit_paddings: { list: {} },
  use_cudnn_on_gpu: { b: true },
});

interface Weight {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

function writeGraphModel(dir: string): string {
  const r = rng(SEED);
  const weights: Weight[] = [
    { name: 'StatefulPartitionedCall/model/conv1/Conv2D/ReadVariableOp', shape: [3, 3, 3, 8], data: uniform(r, 3 * 3 * 3 * 8, -0.5, 0.5) },
    { name: 'StatefulPartitionedCall/model/conv1/BiasAdd/ReadVariableOp', shape: [8], data: uniform(r, 8, -0.2, 0.2) },
    { name: `${TRUEDIV}/y`, shape: [], data: Float32Array.of(4) },
    { name: 'StatefulPartitionedCall/model/conv2/Conv2D/ReadVariableOp', shape: [3, 3, 8, 6], data: uniform(r, 3 * 3 * 8 * 6, -0.5, 0.5) },
    { name: 'StatefulPartitionedCall/model/conv2/BiasAdd/ReadVariableOp', shape: [6], data: uniform(r, 6, -0.2, 0.2) },
    { name: `${DIV}/y`, shape: [6], data: Float32Array.of(2, -3, 0.5, 1.5, 8, -0.75) },
    { name: 'StatefulPartitionedCall/model/pool/Mean/reduction_indices', shape: [2], data: Int32Array.of(1, 2) },
  ];
  const [k1, b1, y1, k2, b2, y2, axes] = weights.map((w) => w.name);
  const dtypeOf = (w: Weight) => (w.data instanceof Int32Array ? 'DT_INT32' : 'DT_FLOAT');
  const dim = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
  const node = [
    { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim([-1, 8, 8, 3]) } } },
    ...weights.map((w) => ({ name: w.name, op: 'Const', attr: { value: { tensor: { dtype: dtypeOf(w), tensorShape: dim(w.shape) } }, dtype: { type: dtypeOf(w) } } })),
    // tfjs-converter's own fusion of Conv2D + BiasAdd …
    { name: 'StatefulPartitionedCall/model/conv1/BiasAdd', op: '_FusedConv2D', input: ['x', k1, b1], attr: { ...conv(1), fused_ops: { list: { s: [b64('BiasAdd')] } }, num_args: { i: '1' }, epsilon: { f: 0 } } },
    { name: TRUEDIV, op: 'RealDiv', input: ['StatefulPartitionedCall/model/conv1/BiasAdd', y1], attr: T },
    { name: 'StatefulPartitionedCall/model/relu/Relu', op: 'Relu', input: [TRUEDIV], attr: T },
    // … and the two nodes unfused.
    { name: 'StatefulPartitionedCall/model/conv2/Conv2D', op: 'Conv2D', input: ['StatefulPartitionedCall/model/relu/Relu', k2], attr: conv(2) },
    { name: 'StatefulPartitionedCall/model/conv2/BiasAdd', op: 'BiasAdd', input: ['StatefulPartitionedCall/model/conv2/Conv2D', b2], attr: { ...T, data_format: { s: b64('NHWC') } } },
    { name: DIV, op: 'Div', input: ['StatefulPartitionedCall/model/conv2/BiasAdd', y2], attr: T },
    { name: 'StatefulPartitionedCall/model/pool/Mean', op: 'Mean', input: [DIV, axes], attr: { ...T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
    { name: 'Identity', op: 'Identity', input: ['StatefulPartitionedCall/model/pool/Mean'], attr: T },
  ];
  const shard = Buffer.concat(weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength)));
  writeFileSync(join(dir, 'group1-shard1of1.bin'), shard);
  const model = {
    format: 'graph-model',
    generatedBy: '2.21.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    signature: {
      inputs: { 'x:0': { name: 'x:0', dtype: 'DT_FLOAT', tensorShape: dim([-1, 8, 8, 3]) } },
      outputs: { 'Identity:0': { name: 'Identity:0', dtype: 'DT_FLOAT', tensorShape: dim([-1, 6]) } },
    },
    modelTopology: { node, library: {}, versions: { producer: 1882 } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.data instanceof Int32Array ? 'int32' : 'float32' })) }],
  };
  const path = join(dir, 'model.json');
  writeFileSync(path, JSON.stringify(model));
  return path;
}

// ---- running the command ----

const octet = (args: readonly string[]) => spawnIn(REPO, process.execPath, [BIN, ...args]);

const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k] > v[best]) best = k;
  return best;
};

describe(`integer-only on a graph model with two divs (issue 4 acceptance; seed ${SEED})`, () => {
  let dir: string;
  let model: string;
  let npy: string;
  let rows: Float32Array;
  const inputs = ['model.json', 'group1-shard1of1.bin', 'x.npy'];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'octet-div-'));
    model = writeGraphModel(dir);
    npy = join(dir, 'x.npy');
    rows = uniform(rng(SEED + 1), SAMPLES * 8 * 8 * 3, -1, 1);
    writeNpy(npy, { shape: [SAMPLES, 8, 8, 3], data: rows });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sample = (i: number) => rows.slice(i * 192, (i + 1) * 192);

  it('--integer-only fails naming both divs and their nodes, why and what to do, and writes nothing', async () => {
    const out = join(dir, 'int8.tflite');
    const r = await octet(['convert', model, '-o', out, '--mode', 'int8', '--representative', npy, '--integer-only', '--input-type', 'uint8', '--output-type', 'uint8']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const why = 'illegal for int8: no integer kernel; keep it float or drop --integer-only (TFLite has no int8 DIV kernel)';
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([`octet: 'div' op (from '${TRUEDIV}') ${why}`, `octet: 'div' op (from '${DIV}') ${why}`]);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual([...inputs].sort()); // no temporary file either
  });

  it('the Converter API with supportedOps TFLITE_BUILTINS_INT8 rejects with a DiagnosticError on both nodes, before calibrating', async () => {
    const c = Converter.fromModelJson(model);
    c.optimizations = ['DEFAULT'];
    let pulled = 0;
    c.representativeDataset = function* () {
      for (let i = 0; i < SAMPLES; i++) {
        pulled++;
        yield [sample(i)];
      }
    };
    c.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
    c.inferenceInputType = 'uint8';
    c.inferenceOutputType = 'uint8';
    const err = await c.convert().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DiagnosticError);
    const diagnostics = (err as DiagnosticError).diagnostics;
    expect(diagnostics.map((d) => [d.op?.kind, d.op?.loc])).toEqual([
      ['div', TRUEDIV],
      ['div', DIV],
    ]);
    expect(diagnostics[0].message).toContain(`'${TRUEDIV}'`);
    expect(diagnostics[1].message).toContain(`'${DIV}'`);
    expect(pulled, 'the check runs before calibration').toBe(0);
  });

  describe('without --integer-only: float fallback, float I/O', () => {
    const out = () => join(dir, 'fallback.tflite');
    let bytes: Uint8Array;
    let litert: LiteRtModel;

    beforeAll(async () => {
      const r = await octet(['convert', model, '-o', out(), '--mode', 'int8', '--representative', npy]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/fallback\.tflite: \d+ bytes, int8, converted in \d+ ms\n$/);
      bytes = new Uint8Array(readFileSync(out()));
      litert = await (await loadLiteRtNode()).compile(bytes);
    });
    afterAll(() => litert?.dispose());

    it('writes the file (and nothing else)', () => {
      expect(readdirSync(dir).filter((f) => !inputs.includes(f))).toEqual(['fallback.tflite']);
      expect(bytes.length).toBeGreaterThan(0);
    });

    it('inspect: both DIVs compute in float, each between a DEQUANTIZE and a QUANTIZE; the rest is int8', async () => {
      const r = await octet(['inspect', '--json', out()]);
      expect(r.code).toBe(0);
      const m = JSON.parse(r.stdout) as InspectedModel;
      const [sg] = m.subgraphs;
      const dtype = (t: number) => sg.tensors[t].dtype;
      const producer = (t: number) => sg.operators.find((op) => op.outputs.includes(t))?.op;
      const readers = (t: number) => sg.operators.filter((op) => op.inputs.includes(t)).map((op) => op.op);
      expect(sg.operators.map((op) => `${op.op}:${dtype(op.outputs[0])}`)).toEqual([
        'QUANTIZE:INT8', // float input
        'CONV_2D:INT8',
        'DEQUANTIZE:FLOAT32',
        'DIV:FLOAT32', // truediv, with the relu fused
        'QUANTIZE:INT8',
        'CONV_2D:INT8', // its separate BiasAdd folded into the bias
        'DEQUANTIZE:FLOAT32',
        'DIV:FLOAT32', // div_1
        'QUANTIZE:INT8',
        'MEAN:INT8',
        'DEQUANTIZE:FLOAT32', // float output
      ]);
      const divs = sg.operators.filter((op) => op.op === 'DIV');
      expect(divs.map((d) => d.options?.fields?.fused_activation_function)).toEqual(['RELU', 'NONE']);
      for (const d of divs) {
        const [a, k] = d.inputs;
        expect([dtype(a), dtype(k), dtype(d.outputs[0])]).toEqual(['FLOAT32', 'FLOAT32', 'FLOAT32']);
        expect(sg.tensors[k].bufferSize).toBeGreaterThan(0); // the divisor is a constant
        expect(producer(a)).toBe('DEQUANTIZE');
        expect(readers(d.outputs[0])).toEqual(['QUANTIZE']);
      }
      expect(sg.inputs.map(dtype)).toEqual(['FLOAT32']);
      expect(sg.outputs.map(dtype)).toEqual(['FLOAT32']);
    });

    it('runs in LiteRT with the outputs of our interpreter: equal argmax and within 1e-5 × max|output|', async () => {
      const ours = new Interpreter(read(bytes));
      // Representative rows, fresh rows in the same range, and rows beyond the calibrated range (clipped by the int8 parts).
      const r = rng(SEED + 2);
      const xs = [
        ...Array.from({ length: CHECKED / 3 }, (_, i) => sample(i * 7)),
        ...Array.from({ length: CHECKED / 3 }, () => uniform(r, 192, -1, 1)),
        ...Array.from({ length: CHECKED / 3 }, () => uniform(r, 192, -3, 3)),
      ];
      let worst = 0;
      const classes = new Set<number>();
      for (const x of xs) {
        const [a] = ours.run([x]) as Float32Array[];
        const [b] = (await litert.run([x])) as Float32Array[];
        expect(b.length).toBe(6);
        expect(argmax(a)).toBe(argmax(b));
        classes.add(argmax(b));
        const scale = Math.max(...Array.from(b, Math.abs));
        expect(scale).toBeGreaterThan(0);
        for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / scale);
      }
      // The int8 parts agree byte for byte and the float parts are single IEEE operations (dequantize,
      // divide), so nothing should differ at all; the bound is the issue's.
      expect(worst).toBeLessThanOrEqual(1e-5);
      expect(classes.size, 'the inputs should not all give one argmax').toBeGreaterThan(1);
      console.log(`float fallback: LiteRT vs ours on ${xs.length} inputs: worst |Δ|/max|output| = ${worst}, ${classes.size} distinct argmax`);
    });

    it('stays close to the float model (tfjs GraphModel on the same files): SQNR over the representative rows', async () => {
      await tf.setBackend('cpu');
      const json = JSON.parse(readFileSync(model, 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[]; signature: object };
      const shard = readFileSync(join(dir, 'group1-shard1of1.bin'));
      const reference = await tf.loadGraphModel(
        tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength), format: 'graph-model', signature: json.signature } as tf.io.ModelArtifacts),
      );
      let signal = 0;
      let noise = 0;
      for (let i = 0; i < SAMPLES; i++) {
        const x = sample(i);
        const t = tf.tensor(x, [1, 8, 8, 3]);
        const y = reference.execute({ x: t }) as tf.Tensor;
        const want = y.dataSync() as Float32Array;
        tf.dispose([t, y]);
        const [got] = (await litert.run([x])) as Float32Array[];
        for (let k = 0; k < 6; k++) {
          signal += want[k] ** 2;
          noise += (got[k] - want[k]) ** 2;
        }
      }
      reference.dispose();
      const sqnr = 10 * Math.log10(signal / noise);
      console.log(`float fallback vs the float model on ${SAMPLES} representative rows: SQNR ${sqnr.toFixed(1)} dB`);
      // 8-bit activations through two convs and a mean give about 40 dB here (41.4 at this seed); a
      // div emitted wrongly (operands swapped, divisor lost) would fall far below.
      expect(sqnr).toBeGreaterThanOrEqual(30);
    });
  });
});
