import * as tf from '@tensorflow/tfjs';
import { interpret } from '@octet/interpreter';
import { verify } from '@octet/ir';
import { beforeAll, describe, expect, it } from 'vitest';
import { importModelArtifacts, type ModelArtifactsLike } from '../src/index.ts';
import { expectClose, numel, rng, uniform, useCpu } from './helpers.ts';

// Small GraphDef models written by hand, one per node type, with weights computed here; the oracle
// is tfjs's own GraphModel executor (cpu backend) on the same in-memory artifacts.
const SEED = 424242;

type Attr = Record<string, unknown>;
const s = (v: string): Attr => ({ s: Buffer.from(v).toString('base64') });
const li = (v: number[]): Attr => ({ list: { i: v.map(String) } });
const ls = (v: string[]): Attr => ({ list: { s: v.map((x) => Buffer.from(x).toString('base64')) } });
const b = (v: boolean): Attr => ({ b: v });
const i = (v: number): Attr => ({ i: String(v) });
const f = (v: number): Attr => ({ f: v });
const T = { T: { type: 'DT_FLOAT' } };

interface Node {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, Attr>;
}
interface ConstSpec {
  name: string;
  shape: number[];
  dtype?: 'float32' | 'int32';
  /** Values; random in [-1, 1) when omitted. */
  values?: number[];
}
interface Case {
  name: string;
  inputs: Record<string, number[]>;
  consts?: ConstSpec[];
  nodes: Node[];
  /** Input value range (default [-1, 1)). */
  range?: [number, number];
}

const conv = (extra: Record<string, Attr> = {}): Record<string, Attr> => ({
  ...T,
  strides: li([1, 1, 1, 1]),
  padding: s('SAME'),
  data_format: s('NHWC'),
  dilations: li([1, 1, 1, 1]),
  ...extra,
});
const fused = (ops: string[], extra: Record<string, Attr> = {}) => conv({ fused_ops: ls(ops), num_args: i(1), epsilon: f(0), ...extra });
const pool = (extra: Record<string, Attr> = {}) => ({ ...T, ksize: li([1, 3, 3, 1]), strides: li([1, 2, 2, 1]), padding: s('SAME'), data_format: s('NHWC'), ...extra });

const cases: Case[] = [
  { name: 'Conv2D SAME stride 2', inputs: { x: [1, 7, 8, 3] }, consts: [{ name: 'w', shape: [3, 3, 3, 4] }], nodes: [{ name: 'y', op: 'Conv2D', input: ['x', 'w'], attr: conv({ strides: li([1, 2, 2, 1]) }) }] },
  { name: 'Conv2D VALID dilation 2', inputs: { x: [2, 9, 9, 2] }, consts: [{ name: 'w', shape: [3, 2, 2, 3] }], nodes: [{ name: 'y', op: 'Conv2D', input: ['x', 'w'], attr: conv({ padding: s('VALID'), dilations: li([1, 2, 2, 1]) }) }] },
  {
    name: 'Conv2D EXPLICIT padding',
    inputs: { x: [1, 6, 5, 2] },
    consts: [{ name: 'w', shape: [3, 3, 2, 2] }],
    nodes: [{ name: 'y', op: 'Conv2D', input: ['x', 'w'], attr: conv({ padding: s('EXPLICIT'), explicit_paddings: li([0, 0, 1, 2, 2, 1, 0, 0]) }) }],
  },
  {
    name: 'DepthwiseConv2dNative multiplier 2, stride 2',
    inputs: { x: [1, 8, 7, 3] },
    consts: [{ name: 'w', shape: [3, 3, 3, 2] }],
    nodes: [{ name: 'y', op: 'DepthwiseConv2dNative', input: ['x', 'w'], attr: conv({ strides: li([1, 2, 2, 1]) }) }],
  },
  {
    name: '_FusedConv2D BiasAdd+Relu',
    inputs: { x: [1, 6, 6, 3] },
    consts: [{ name: 'w', shape: [3, 3, 3, 5] }, { name: 'bias', shape: [5] }],
    nodes: [{ name: 'y', op: '_FusedConv2D', input: ['x', 'w', 'bias'], attr: fused(['BiasAdd', 'Relu']) }],
  },
  {
    name: '_FusedConv2D BiasAdd+Relu6 VALID',
    inputs: { x: [1, 6, 6, 3] },
    consts: [{ name: 'w', shape: [1, 1, 3, 4] }, { name: 'bias', shape: [4] }],
    nodes: [{ name: 'y', op: '_FusedConv2D', input: ['x', 'w', 'bias'], attr: fused(['BiasAdd', 'Relu6'], { padding: s('VALID') }) }],
    range: [-8, 8],
  },
  {
    name: '_FusedConv2D BiasAdd+Sigmoid',
    inputs: { x: [1, 5, 5, 2] },
    consts: [{ name: 'w', shape: [3, 3, 2, 3] }, { name: 'bias', shape: [3] }],
    nodes: [{ name: 'y', op: '_FusedConv2D', input: ['x', 'w', 'bias'], attr: fused(['BiasAdd', 'Sigmoid']) }],
  },
  {
    name: 'FusedDepthwiseConv2dNative BiasAdd+Relu6',
    inputs: { x: [1, 7, 7, 4] },
    consts: [{ name: 'w', shape: [3, 3, 4, 1] }, { name: 'bias', shape: [4] }],
    nodes: [{ name: 'y', op: 'FusedDepthwiseConv2dNative', input: ['x', 'w', 'bias'], attr: fused(['BiasAdd', 'Relu6'], { strides: li([1, 2, 2, 1]) }) }],
    range: [-6, 6],
  },
  { name: 'MatMul', inputs: { x: [3, 5] }, consts: [{ name: 'w', shape: [5, 4] }], nodes: [{ name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { ...T, transpose_a: b(false), transpose_b: b(false) } }] },
  { name: 'MatMul transpose_b', inputs: { x: [2, 5] }, consts: [{ name: 'w', shape: [4, 5] }], nodes: [{ name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { ...T, transpose_a: b(false), transpose_b: b(true) } }] },
  {
    name: '_FusedMatMul BiasAdd+Relu',
    inputs: { x: [2, 6] },
    consts: [{ name: 'w', shape: [6, 3] }, { name: 'bias', shape: [3] }],
    nodes: [{ name: 'y', op: '_FusedMatMul', input: ['x', 'w', 'bias'], attr: { ...T, transpose_a: b(false), transpose_b: b(false), fused_ops: ls(['BiasAdd', 'Relu']), num_args: i(1), epsilon: f(0) } }],
  },
  { name: 'BiasAdd', inputs: { x: [1, 3, 3, 4] }, consts: [{ name: 'c', shape: [4] }], nodes: [{ name: 'y', op: 'BiasAdd', input: ['x', 'c'], attr: { ...T, data_format: s('NHWC') } }] },
  { name: 'Add (broadcast)', inputs: { x: [2, 3, 4] }, consts: [{ name: 'c', shape: [1, 4] }], nodes: [{ name: 'y', op: 'Add', input: ['x', 'c'], attr: T }] },
  { name: 'AddV2 of two inputs', inputs: { x: [2, 3], z: [2, 3] }, nodes: [{ name: 'y', op: 'AddV2', input: ['x', 'z'], attr: T }] },
  { name: 'Sub (constant first)', inputs: { x: [2, 4] }, consts: [{ name: 'c', shape: [] }], nodes: [{ name: 'y', op: 'Sub', input: ['c', 'x'], attr: T }] },
  { name: 'Mul', inputs: { x: [1, 2, 2, 3] }, consts: [{ name: 'c', shape: [3] }], nodes: [{ name: 'y', op: 'Mul', input: ['x', 'c'], attr: T }] },
  { name: 'Relu', inputs: { x: [2, 5] }, nodes: [{ name: 'y', op: 'Relu', input: ['x'], attr: T }] },
  { name: 'Relu6', inputs: { x: [2, 9] }, nodes: [{ name: 'y', op: 'Relu6', input: ['x'], attr: T }], range: [-9, 9] },
  { name: 'Sigmoid', inputs: { x: [2, 5] }, nodes: [{ name: 'y', op: 'Sigmoid', input: ['x'], attr: T }], range: [-6, 6] },
  { name: 'Tanh', inputs: { x: [2, 5] }, nodes: [{ name: 'y', op: 'Tanh', input: ['x'], attr: T }], range: [-3, 3] },
  { name: 'Softmax', inputs: { x: [3, 7] }, nodes: [{ name: 'y', op: 'Softmax', input: ['x'], attr: T }], range: [-4, 4] },
  { name: 'MaxPool SAME 3x3/2', inputs: { x: [1, 7, 6, 2] }, nodes: [{ name: 'y', op: 'MaxPool', input: ['x'], attr: pool() }] },
  { name: 'AvgPool SAME 3x3/2', inputs: { x: [1, 7, 6, 2] }, nodes: [{ name: 'y', op: 'AvgPool', input: ['x'], attr: pool() }] },
  { name: 'AvgPool VALID 2x2/1', inputs: { x: [2, 4, 5, 3] }, nodes: [{ name: 'y', op: 'AvgPool', input: ['x'], attr: pool({ ksize: li([1, 2, 2, 1]), strides: li([1, 1, 1, 1]), padding: s('VALID') }) }] },
  {
    name: 'Mean over H,W',
    inputs: { x: [2, 4, 3, 5] },
    consts: [{ name: 'axes', shape: [2], dtype: 'int32', values: [1, 2] }],
    nodes: [{ name: 'y', op: 'Mean', input: ['x', 'axes'], attr: { ...T, keep_dims: b(false), Tidx: { type: 'DT_INT32' } } }],
  },
  {
    name: 'Mean last axis, keep_dims',
    inputs: { x: [2, 3, 4] },
    consts: [{ name: 'axes', shape: [1], dtype: 'int32', values: [-1] }],
    nodes: [{ name: 'y', op: 'Mean', input: ['x', 'axes'], attr: { ...T, keep_dims: b(true), Tidx: { type: 'DT_INT32' } } }],
  },
  {
    name: 'Reshape with -1',
    inputs: { x: [2, 3, 4] },
    consts: [{ name: 'shape', shape: [2], dtype: 'int32', values: [-1, 6] }],
    nodes: [{ name: 'y', op: 'Reshape', input: ['x', 'shape'], attr: { ...T, Tshape: { type: 'DT_INT32' } } }],
  },
  { name: 'Squeeze dims 1,2', inputs: { x: [2, 1, 1, 5] }, nodes: [{ name: 'y', op: 'Squeeze', input: ['x'], attr: { ...T, squeeze_dims: li([1, 2]) } }] },
  { name: 'Squeeze all', inputs: { x: [1, 3, 1, 2] }, nodes: [{ name: 'y', op: 'Squeeze', input: ['x'], attr: { ...T, squeeze_dims: li([]) } }] },
  {
    name: 'ConcatV2 with a constant, axis -1',
    inputs: { x: [1, 2, 2, 3] },
    consts: [{ name: 'c', shape: [1, 2, 2, 2] }, { name: 'axis', shape: [], dtype: 'int32', values: [-1] }],
    nodes: [{ name: 'y', op: 'ConcatV2', input: ['x', 'c', 'axis'], attr: { ...T, N: i(2), Tidx: { type: 'DT_INT32' } } }],
  },
  {
    name: 'ConcatV2 of two inputs, axis 1',
    inputs: { x: [2, 3], z: [2, 4] },
    consts: [{ name: 'axis', shape: [], dtype: 'int32', values: [1] }],
    nodes: [{ name: 'y', op: 'ConcatV2', input: ['x', 'z', 'axis'], attr: { ...T, N: i(2), Tidx: { type: 'DT_INT32' } } }],
  },
  {
    name: 'Pad',
    inputs: { x: [1, 3, 4, 2] },
    consts: [{ name: 'p', shape: [4, 2], dtype: 'int32', values: [0, 0, 1, 2, 2, 0, 0, 1] }],
    nodes: [{ name: 'y', op: 'Pad', input: ['x', 'p'], attr: { ...T, Tpaddings: { type: 'DT_INT32' } } }],
  },
  {
    name: 'Transpose',
    inputs: { x: [2, 3, 4, 5] },
    consts: [{ name: 'perm', shape: [4], dtype: 'int32', values: [0, 3, 1, 2] }],
    nodes: [{ name: 'y', op: 'Transpose', input: ['x', 'perm'], attr: { ...T, Tperm: { type: 'DT_INT32' } } }],
  },
  { name: 'Identity', inputs: { x: [2, 3] }, nodes: [{ name: 'y', op: 'Identity', input: ['x'], attr: T }] },
  {
    name: 'a chain with a control input and an explicit output index',
    inputs: { x: [1, 4, 4, 2] },
    consts: [{ name: 'w', shape: [2, 2, 2, 3] }, { name: 'c', shape: [3] }],
    nodes: [
      { name: 'conv', op: 'Conv2D', input: ['x', 'w'], attr: conv() },
      { name: 'add', op: 'AddV2', input: ['conv', 'c', '^x'], attr: T },
      { name: 'y', op: 'Relu6', input: ['add:0'], attr: T },
    ],
  },
  // Divisors kept away from zero (constants by hand, inputs through `range`), so that the quotients stay in range.
  { name: 'RealDiv by a per-channel constant', inputs: { x: [1, 3, 3, 3] }, consts: [{ name: 'c', shape: [3], values: [2, -0.5, 8] }], nodes: [{ name: 'y', op: 'RealDiv', input: ['x', 'c'], attr: T }] },
  { name: 'Div of two inputs', inputs: { x: [2, 4], z: [2, 4] }, nodes: [{ name: 'y', op: 'Div', input: ['x', 'z'], attr: T }], range: [0.25, 4] },
  { name: 'RealDiv (scalar constant first)', inputs: { x: [2, 5] }, consts: [{ name: 'c', shape: [], values: [3] }], nodes: [{ name: 'y', op: 'RealDiv', input: ['c', 'x'], attr: T }], range: [0.5, 2] },
];

/** The model.json artifacts of a case: Placeholders (batch −1), Const nodes with their weights, then the nodes. */
export function graphArtifacts(c: Case, random: () => number): { artifacts: ModelArtifactsLike; consts: Map<string, Float32Array | Int32Array> } {
  const consts = new Map<string, Float32Array | Int32Array>();
  const specs = (c.consts ?? []).map((k) => {
    const dtype = k.dtype ?? 'float32';
    const data = dtype === 'int32' ? Int32Array.from(k.values!) : k.values ? Float32Array.from(k.values) : uniform(random, k.shape);
    consts.set(k.name, data);
    return { name: k.name, shape: k.shape, dtype };
  });
  const dt = (d: string) => (d === 'int32' ? 'DT_INT32' : 'DT_FLOAT');
  const node = [
    ...Object.entries(c.inputs).map(([name, shape]) => ({
      name,
      op: 'Placeholder',
      attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: shape.map((d, k) => ({ size: String(k === 0 ? -1 : d) })) } } },
    })),
    ...specs.map((k) => ({
      name: k.name,
      op: 'Const',
      attr: { value: { tensor: { dtype: dt(k.dtype), tensorShape: { dim: k.shape.map((d) => ({ size: String(d) })) } } }, dtype: { type: dt(k.dtype) } },
    })),
    ...c.nodes,
  ];
  const bytes = specs.map((k) => new Uint8Array(consts.get(k.name)!.buffer.slice(0)));
  const total = bytes.reduce((a, x) => a + x.length, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const x of bytes) {
    weightData.set(x, o);
    o += x.length;
  }
  return {
    artifacts: { format: 'graph-model', modelTopology: { node, versions: { producer: 1 } }, weightSpecs: specs, weightData: weightData.buffer },
    consts,
  };
}

describe(`graph-format nodes agree with tfjs's GraphModel (seed ${SEED})`, () => {
  beforeAll(useCpu);

  it.each(cases.map((c, k) => [c.name, c, k] as const))('%s', async (_, c, k) => {
    const random = rng(SEED + k);
    const { artifacts } = graphArtifacts(c, random);
    const [lo, hi] = c.range ?? [-1, 1];
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([name, shape]) => [name, uniform(random, shape, lo, hi)]));
    const graph = importModelArtifacts(artifacts, { inputShapes: Object.fromEntries(Object.entries(c.inputs).map(([n, sh]) => [n, sh.slice(1)])), batch: Object.values(c.inputs)[0][0] });
    verify(graph);
    expect(graph.inputs.map((v) => v.type.shape)).toEqual(Object.values(c.inputs));
    expect(graph.ops.every((op) => op.loc !== undefined && c.nodes.some((n) => n.name === op.loc))).toBe(true);
    const [ours] = interpret(graph, Object.values(inputs));

    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const feeds = Object.fromEntries(Object.entries(inputs).map(([name, v]) => [name, tf.tensor(v, c.inputs[name])]));
    const out = model.execute(feeds) as tf.Tensor;
    expect(graph.outputs[0].type.shape).toEqual(out.shape);
    expectClose(ours as Float32Array, out.dataSync() as Float32Array, 1e-5, c.name);
    tf.dispose([out, ...Object.values(feeds)]);
    model.dispose();
  });

  it('FakeQuantWithMinMaxVars / Args: quantize-dequantize on the nudged 8-bit grid (hand-computed; tfjs ignores FakeQuant)', () => {
    // min −1.28, max 1.27, 8 bits: scale 0.01, zero point 128 (no nudging); x → round(x/0.01)·0.01, clamped.
    const x = [0.123, 0.126, -0.4449, 2, -3, 1.2749];
    const want = [0.12, 0.13, -0.44, 1.27, -1.28, 1.27];
    for (const op of ['FakeQuantWithMinMaxVars', 'FakeQuantWithMinMaxArgs']) {
      const vars = op === 'FakeQuantWithMinMaxVars';
      const c: Case = {
        name: op,
        inputs: { x: [1, 6] },
        consts: vars ? [{ name: 'min', shape: [], values: [-1.28] }, { name: 'max', shape: [], values: [1.27] }] : [],
        nodes: [
          {
            name: 'y',
            op,
            input: vars ? ['x', 'min', 'max'] : ['x'],
            attr: { num_bits: i(8), narrow_range: b(false), ...(vars ? {} : { min: f(-1.28), max: f(1.27) }) },
          },
        ],
      };
      const graph = importModelArtifacts(graphArtifacts(c, rng(1)).artifacts);
      const fq = graph.ops.find((o) => o.kind === 'fake_quant')!;
      expect(fq.attrs).toMatchObject({ num_bits: 8, narrow_range: false });
      expect(Math.fround((fq.attrs as { min: number }).min)).toBe(Math.fround(-1.28));
      const [y] = interpret(graph, [Float32Array.from(x)]);
      want.forEach((w, k) => expect(y[k]).toBeCloseTo(w, 5));
    }
  });

  it('lays weights out for TFLite: conv HWIO → OHWI, depthwise [H,W,C,M] → [1,H,W,C·M], MatMul [in,out] → [out,in]', () => {
    const w = Float32Array.from({ length: 2 * 2 * 3 * 4 }, (_, k) => k); // HWIO [2,2,3,4]: w[h][x][i][o] = ((h·2 + x)·3 + i)·4 + o
    const conv2d = cases[0];
    const c: Case = { ...conv2d, inputs: { x: [1, 5, 5, 3] }, consts: [{ name: 'w', shape: [2, 2, 3, 4], values: [...w] }] };
    const g = importModelArtifacts(graphArtifacts(c, rng(1)).artifacts);
    const filter = g.ops[0].inputs[1];
    expect(filter.type.shape).toEqual([4, 2, 2, 3]);
    // OHWI [o][h][x][i] = HWIO [h][x][i][o]: check every element.
    for (let o = 0; o < 4; o++)
      for (let h = 0; h < 2; h++)
        for (let x = 0; x < 2; x++) for (let ii = 0; ii < 3; ii++) expect(filter.data![((o * 2 + h) * 2 + x) * 3 + ii]).toBe(((h * 2 + x) * 3 + ii) * 4 + o);

    const dw = importModelArtifacts(graphArtifacts({ ...cases[3], consts: [{ name: 'w', shape: [3, 3, 3, 2], values: Array.from({ length: 54 }, (_, k) => k) }] }, rng(1)).artifacts);
    const dfilter = dw.ops[0].inputs[1];
    expect(dfilter.type.shape).toEqual([1, 3, 3, 6]);
    expect(Array.from(dfilter.data as Float32Array)).toEqual(Array.from({ length: 54 }, (_, k) => k)); // same memory order, channel c·M + m
    expect(dw.ops[0].attrs).toMatchObject({ depth_multiplier: 2 });

    const mm = importModelArtifacts(graphArtifacts({ ...cases[8], consts: [{ name: 'w', shape: [5, 4], values: Array.from({ length: 20 }, (_, k) => k) }] }, rng(1)).artifacts);
    const wt = mm.ops[0].inputs[1];
    expect(wt.type.shape).toEqual([4, 5]);
    expect(Array.from((wt.data as Float32Array).slice(0, 5))).toEqual([0, 4, 8, 12, 16]); // row o = column o of [in, out]
  });

  it('RealDiv and Div import as div ops named after their nodes; integer division is refused', () => {
    const c: Case = {
      name: 'two divs',
      inputs: { x: [1, 4] },
      consts: [{ name: 'k', shape: [4], values: [2, 4, 8, 16] }],
      nodes: [
        { name: 'truediv', op: 'RealDiv', input: ['x', 'k'], attr: T },
        { name: 'div', op: 'Div', input: ['truediv', 'k'], attr: T },
      ],
    };
    const g = importModelArtifacts(graphArtifacts(c, rng(1)).artifacts);
    expect(g.ops.map((o) => [o.kind, o.loc])).toEqual([
      ['div', 'truediv'],
      ['div', 'div'],
    ]);
    // 1 / 2 / 2 = 0.25 … 1 / 16 / 16 = 1/256: exact in float32.
    expect(Array.from(interpret(g, [Float32Array.from([1, 1, 1, 1])])[0] as Float32Array)).toEqual([0.25, 0.0625, 1 / 64, 1 / 256]);
    const ints: Case = { ...c, nodes: [{ name: 'q', op: 'Div', input: ['x', 'k'], attr: { T: { type: 'DT_INT32' } } }] };
    expect(() => importModelArtifacts(graphArtifacts(ints, rng(1)).artifacts)).toThrow("node 'q' (Div) divides DT_INT32 tensors, which is not supported: only DT_FLOAT (integer division rounds)");
  });

  it('makes the batch static (default 1) and names ops after their nodes', () => {
    const c = cases[4];
    const g = importModelArtifacts(graphArtifacts(c, rng(1)).artifacts);
    expect(g.inputs[0].type.shape).toEqual([1, 6, 6, 3]);
    expect(g.ops.map((o) => [o.kind, o.loc])).toEqual([
      ['conv_2d', 'y'],
      ['relu', 'y'],
    ]);
    expect(g.outputs[0].name).toBe('y');
    expect(numel(g.outputs[0].type.shape)).toBe(36 * 5);
  });
});
