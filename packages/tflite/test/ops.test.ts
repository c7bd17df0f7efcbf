// One hand-built graph per op kind: emit → read → emit is byte-identical, the read graph prints as
// the original, and the operator lands in the file as TFLite expects (builtin, version, operands).
import { constant, Graph, OctetError, print, type OpKind, type Value } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { emit, inspect } from '../src/index.ts';
import { constOperand, ints, roundTrip, weights } from './helpers.ts';

interface Case {
  graph: Graph;
  /** The operator under test (the last one unless given). */
  op?: number;
  builtin: string;
  version: number;
  /** Tensor indices of its operands; −1 where absent. Checked when given. */
  check?: (bytes: Uint8Array) => void;
}

function single(input: number[], build: (g: Graph, x: Value) => Value, dtype: 'float32' | 'int8' = 'float32'): Graph {
  const g = new Graph('single');
  const x = g.addInput('x', { dtype, shape: input });
  g.outputs.push(build(g, x));
  return g;
}

const opOf = (bytes: Uint8Array, j: number) => inspect(bytes).subgraphs[0].operators[j];

const CASES: { readonly [K in OpKind]: (() => Case) | { irOnly: true } } = {
  conv_2d: () => ({
    graph: single([1, 7, 6, 3], (g, x) => g.add('conv_2d', [x, weights([4, 3, 2, 3]), weights([4])], { padding: 'same', stride_h: 2, stride_w: 1, dilation_h: 1, dilation_w: 2, fused_activation: 'relu6' })),
    builtin: 'CONV_2D',
    version: 1,
    check: (bytes) => {
      expect(opOf(bytes, 0).options?.fields).toEqual({ padding: 'SAME', stride_w: 1, stride_h: 2, fused_activation_function: 'RELU6', dilation_w_factor: 2, dilation_h_factor: 1 });
    },
  }),
  depthwise_conv_2d: () => ({
    // No bias in the IR: the file gets the zero bias TFLite's kernels expect, and the reader drops it.
    graph: single([1, 5, 5, 2], (g, x) => g.add('depthwise_conv_2d', [x, weights([1, 3, 3, 6])], { padding: 'valid', depth_multiplier: 3, dilation_h: 2, dilation_w: 2 })),
    builtin: 'DEPTHWISE_CONV_2D',
    version: 2, // dilation
    check: (bytes) => {
      const op = opOf(bytes, 0);
      expect(op.inputs).toHaveLength(3);
      expect(inspect(bytes).subgraphs[0].tensors[op.inputs[2]]).toMatchObject({ name: null, dtype: 'FLOAT32', shape: [6], bufferSize: 24 });
      expect(op.options?.fields?.depth_multiplier).toBe(3);
    },
  }),
  fully_connected: () => ({
    graph: single([2, 3, 4], (g, x) => g.add('fully_connected', [x, weights([5, 4]), weights([5])], { keep_num_dims: true, fused_activation: 'relu_n1_to_1' })),
    builtin: 'FULLY_CONNECTED',
    version: 5, // keep_num_dims
    check: (bytes) => expect(opOf(bytes, 0).options?.fields).toMatchObject({ keep_num_dims: true, fused_activation_function: 'RELU_N1_TO_1' }),
  }),
  max_pool_2d: () => ({
    graph: single([1, 6, 6, 2], (g, x) => g.add('max_pool_2d', [x], { padding: 'same', filter_h: 3, filter_w: 2, stride_h: 2, stride_w: 2 })),
    builtin: 'MAX_POOL_2D',
    version: 1,
    check: (bytes) => expect(opOf(bytes, 0).options?.fields).toMatchObject({ filter_height: 3, filter_width: 2, padding: 'SAME' }),
  }),
  average_pool_2d: () => ({
    graph: single([1, 6, 6, 2], (g, x) => g.add('average_pool_2d', [x], { padding: 'valid', filter_h: 2, filter_w: 2, stride_h: 1, stride_w: 2, fused_activation: 'relu' })),
    builtin: 'AVERAGE_POOL_2D',
    version: 1,
  }),
  mean: () => ({
    graph: single([1, 4, 5, 3], (g, x) => g.add('mean', [x], { axes: [1, -2], keep_dims: true })),
    builtin: 'MEAN',
    version: 1,
    check: (bytes) => {
      expect(constOperand(bytes, 0, 1)).toEqual({ shape: [2], data: [1, -2] });
      expect(opOf(bytes, 0).options?.fields).toEqual({ keep_dims: true });
    },
  }),
  reshape: () => ({
    graph: single([1, 4, 6], (g, x) => g.add('reshape', [x], { new_shape: [2, 12] })),
    builtin: 'RESHAPE',
    version: 1,
    check: (bytes) => {
      expect(constOperand(bytes, 0, 1)).toEqual({ shape: [2], data: [2, 12] });
      expect(opOf(bytes, 0).options).toBeUndefined();
    },
  }),
  pad: () => ({
    graph: single([1, 3, 3, 2], (g, x) => g.add('pad', [x], { paddings: [0, 0, 1, 2, 3, 0, 0, 1] })),
    builtin: 'PAD',
    version: 1,
    check: (bytes) => expect(constOperand(bytes, 0, 1)).toEqual({ shape: [4, 2], data: [0, 0, 1, 2, 3, 0, 0, 1] }),
  }),
  add: () => ({
    graph: single([1, 2, 2, 3], (g, x) => g.add('add', [x, weights([3])], { fused_activation: 'relu' })),
    builtin: 'ADD',
    version: 1,
    check: (bytes) => expect(opOf(bytes, 0).options?.fields).toEqual({ fused_activation_function: 'RELU', pot_scale_int16: true }),
  }),
  sub: () => ({
    graph: single([2, 3], (g, x) => g.add('sub', [weights([1, 3]), x], {})),
    builtin: 'SUB',
    version: 1,
  }),
  mul: () => ({
    graph: single([2, 3], (g, x) => g.add('mul', [x, x], { fused_activation: 'relu6' })),
    builtin: 'MUL',
    version: 1,
    check: (bytes) => expect(opOf(bytes, 0).inputs).toEqual([0, 0]),
  }),
  div: () => ({
    graph: single([2, 3], (g, x) => g.add('div', [x, weights([3])], { fused_activation: 'relu' })),
    builtin: 'DIV',
    version: 1,
    check: (bytes) => expect(opOf(bytes, 0).options?.fields).toEqual({ fused_activation_function: 'RELU' }),
  }),
  minimum: () => ({
    graph: single([2, 3], (g, x) => g.add('minimum', [x, weights([3])], {})),
    builtin: 'MINIMUM',
    version: 1,
    check: (bytes) => expect(opOf(bytes, 0).options?.type).toBe('MaximumMinimumOptions'),
  }),
  concatenation: () => {
    const g = new Graph('concat');
    const a = g.addInput('a', { dtype: 'float32', shape: [1, 2, 3] });
    const b = g.addInput('b', { dtype: 'float32', shape: [1, 2, 1] });
    g.outputs.push(g.add('concatenation', [a, weights([1, 2, 2]), b], { axis: -1 }));
    return { graph: g, builtin: 'CONCATENATION', version: 1, check: (bytes) => expect(opOf(bytes, 0).options?.fields).toEqual({ axis: -1, fused_activation_function: 'NONE' }) };
  },
  relu: () => ({ graph: single([3, 4], (g, x) => g.add('relu', [x], {})), builtin: 'RELU', version: 1 }),
  relu6: () => ({ graph: single([3, 4], (g, x) => g.add('relu6', [x], {})), builtin: 'RELU6', version: 1 }),
  logistic: () => ({ graph: single([3, 4], (g, x) => g.add('logistic', [x], {})), builtin: 'LOGISTIC', version: 1 }),
  tanh: () => ({ graph: single([3, 4], (g, x) => g.add('tanh', [x], {})), builtin: 'TANH', version: 1 }),
  softmax: () => ({
    graph: single([2, 5], (g, x) => g.add('softmax', [x], { beta: 0.5 })),
    builtin: 'SOFTMAX',
    version: 1,
    check: (bytes) => expect(opOf(bytes, 0).options?.fields).toEqual({ beta: 0.5 }),
  }),
  resize_nearest_neighbor: () => ({
    graph: single([1, 2, 3, 2], (g, x) => g.add('resize_nearest_neighbor', [x], { size: [4, 6], half_pixel_centers: true })),
    builtin: 'RESIZE_NEAREST_NEIGHBOR',
    version: 3, // half_pixel_centers
    check: (bytes) => expect(constOperand(bytes, 0, 1)).toEqual({ shape: [2], data: [4, 6] }),
  }),
  transpose: () => ({
    graph: single([2, 3, 4], (g, x) => g.add('transpose', [x], { perm: [2, 0, 1] })),
    builtin: 'TRANSPOSE',
    version: 1,
    check: (bytes) => expect(constOperand(bytes, 0, 1)).toEqual({ shape: [3], data: [2, 0, 1] }),
  }),
  quantize: () => ({
    graph: single([1, 4], (g, x) => g.add('quantize', [x], {}, { types: [{ dtype: 'int8', shape: [1, 4], quant: { scale: [0.25], zeroPoint: [-3] } }] })),
    builtin: 'QUANTIZE',
    version: 1,
    check: (bytes) => {
      const t = inspect(bytes).subgraphs[0].tensors[1];
      expect(t.dtype).toBe('INT8');
      expect(t.quantization).toEqual({ scale: [0.25], zeroPoint: [-3], quantizedDimension: 0 });
    },
  }),
  dequantize: () => ({
    graph: (() => {
      const g = new Graph('deq');
      const x = g.addInput('x', { dtype: 'uint8', shape: [2, 2], quant: { scale: [0.5], zeroPoint: [128] } });
      g.outputs.push(g.add('dequantize', [x], {}));
      return g;
    })(),
    builtin: 'DEQUANTIZE',
    version: 1,
  }),
  batch_norm: { irOnly: true },
  fake_quant: { irOnly: true },
  identity: { irOnly: true },
};

describe('every op kind round-trips through a .tflite file', () => {
  for (const [kind, make] of Object.entries(CASES)) {
    if ('irOnly' in make) {
      it(`${kind}: refused before emission (run canonicalization first)`, () => {
        const g = new Graph('ir_only');
        const x = g.addInput('x', { dtype: 'float32', shape: [1, 2, 2, 3] });
        const v = (() => {
          if (kind === 'batch_norm') return g.add('batch_norm', [x, weights([3]), weights([3]), weights([3]), constant({ dtype: 'float32', shape: [3] }, new Float32Array([1, 2, 3]))], { epsilon: 1e-3 });
          if (kind === 'fake_quant') return g.add('fake_quant', [x], { min: -1, max: 1 });
          return g.add('identity', [x], {});
        })();
        g.outputs.push(v);
        expect(() => emit(g)).toThrow(OctetError);
        expect(() => emit(g)).toThrow(/canonicalization/);
      });
      continue;
    }
    it(`${kind}: ${'byte-identical round trip, builtin, version and operands'}`, () => {
      const c = make();
      const { bytes, graph } = roundTrip(c.graph);
      expect(print(graph, { elideConstantsAbove: Infinity })).toBe(print(c.graph, { elideConstantsAbove: Infinity }));
      const info = inspect(bytes);
      const op = info.subgraphs[0].operators[c.op ?? info.subgraphs[0].operators.length - 1];
      expect(op.op).toBe(c.builtin);
      expect(op.version).toBe(c.version);
      c.check?.(bytes);
    });
  }
});

describe('absent biases', () => {
  it('FULLY_CONNECTED gets −1 as its third operand', () => {
    const g = single([2, 6], (g, x) => g.add('fully_connected', [x, weights([3, 6])], {}));
    const { bytes, graph } = roundTrip(g);
    expect(opOf(bytes, 0).inputs).toEqual([0, 1, -1]);
    expect(graph.ops[0].inputs).toHaveLength(2);
  });

  it('CONV_2D gets a zero bias; an int8 one is int32 with scales s_in·s_w[c] and zero point 0', () => {
    const g = new Graph('q');
    const x = g.addInput('x', { dtype: 'int8', shape: [1, 2, 2, 2], quant: { scale: [0.1], zeroPoint: [4] } });
    const w = ints('int8', [3, 1, 1, 2], [1, -1, 2], { scale: [0.5, 0.25, 0.125], zeroPoint: [0, 0, 0], axis: 0 });
    g.outputs.push(g.add('conv_2d', [x, w], { padding: 'valid' }, { types: [{ dtype: 'int8', shape: [1, 2, 2, 3], quant: { scale: [0.2], zeroPoint: [0] } }] }));
    const { bytes, graph } = roundTrip(g);
    expect(graph.ops[0].inputs).toHaveLength(2);
    const bias = inspect(bytes).subgraphs[0].tensors[opOf(bytes, 0).inputs[2]];
    expect(bias).toMatchObject({ name: null, dtype: 'INT32', shape: [3], bufferSize: 12 });
    expect(bias.quantization).toEqual({ scale: [0.05, 0.025, 0.0125].map(Math.fround), zeroPoint: [0, 0, 0], quantizedDimension: 0 });
  });

  it('two convolutions without bias share one zero bias; a named zero bias stays in the IR', () => {
    const g = new Graph('two');
    const x = g.addInput('x', { dtype: 'float32', shape: [1, 3, 3, 2] });
    const a = g.add('conv_2d', [x, weights([2, 1, 1, 2])], { padding: 'same' });
    const zeros = constant({ dtype: 'float32', shape: [2] }, new Float32Array(2), 'named_zeros');
    g.outputs.push(g.add('conv_2d', [g.add('conv_2d', [a, weights([2, 1, 1, 2], 'w2')], { padding: 'same' }), weights([2, 1, 1, 2], 'w3'), zeros], { padding: 'same' }));
    const { bytes, graph } = roundTrip(g);
    const ops = inspect(bytes).subgraphs[0].operators;
    expect(ops[0].inputs[2]).toBe(ops[1].inputs[2]);
    expect(graph.ops.map((o) => o.inputs.length)).toEqual([2, 2, 3]);
    expect(graph.ops[2].inputs[2].name).toBe('named_zeros');
  });
});

describe('quantized graphs', () => {
  // quantize → conv (int8, per-axis weights, int32 bias) → dequantize: versions, scales, quantized_dimension.
  function int8Conv(): Graph {
    const g = new Graph('int8_conv');
    const x = g.addInput('x', { dtype: 'float32', shape: [1, 4, 4, 2] });
    const q = g.add('quantize', [x], {}, { types: [{ dtype: 'int8', shape: [1, 4, 4, 2], quant: { scale: [0.02], zeroPoint: [-5] } }] });
    const w = ints('int8', [3, 1, 1, 2], [127, -127, 5, 64, -1, 0], { scale: [0.01, 0.002, 0.5], zeroPoint: [0, 0, 0], axis: 0 });
    const b = ints('int32', [3], [100, -7, 0], { scale: [0.0002, 0.00004, 0.01], zeroPoint: [0, 0, 0], axis: 0 });
    const c = g.add('conv_2d', [q, w, b], { padding: 'valid' }, { types: [{ dtype: 'int8', shape: [1, 4, 4, 3], quant: { scale: [0.05], zeroPoint: [3] } }] });
    g.outputs.push(g.add('dequantize', [c], {}));
    return g;
  }

  it('round-trips byte for byte and keeps per-axis parameters', () => {
    const g = int8Conv();
    const { bytes, graph } = roundTrip(g);
    expect(print(graph, { elideConstantsAbove: Infinity })).toBe(print(g, { elideConstantsAbove: Infinity }));
    const info = inspect(bytes);
    expect(info.operatorCodes.map((c) => [c.name, c.version])).toEqual([
      ['QUANTIZE', 1],
      ['CONV_2D', 3],
      ['DEQUANTIZE', 2],
    ]);
    const w = info.subgraphs[0].tensors[info.subgraphs[0].operators[1].inputs[1]];
    expect(w.dtype).toBe('INT8');
    expect(w.quantization?.scale).toEqual([0.01, 0.002, 0.5].map(Math.fround));
    expect(w.quantization?.zeroPoint).toEqual([0, 0, 0]);
    expect(w.quantization?.quantizedDimension).toBe(0);
    expect(info.metadata[0].value).toBe('1.14.0'); // CONV_2D v3, QUANTIZE v1, DEQUANTIZE v2
  });

  it('writes quantized_dimension 3 for a depthwise filter quantized per channel', () => {
    const g = new Graph('dw');
    const x = g.addInput('x', { dtype: 'int8', shape: [1, 3, 3, 2], quant: { scale: [0.1], zeroPoint: [0] } });
    const w = ints('int8', [1, 2, 2, 2], [1, -2, 3, -4], { scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 3 });
    g.outputs.push(g.add('depthwise_conv_2d', [x, w], { padding: 'valid' }, { types: [{ dtype: 'int8', shape: [1, 2, 2, 2], quant: { scale: [0.2], zeroPoint: [1] } }] }));
    const { bytes, graph } = roundTrip(g);
    expect(graph.ops[0].inputs[1].type.quant).toEqual({ scale: [0.5, 0.25], zeroPoint: [0, 0], axis: 3 });
    expect(inspect(bytes).subgraphs[0].tensors[1].quantization?.quantizedDimension).toBe(3);
    expect(inspect(bytes).operatorCodes[0].version).toBe(3);
  });

  it('keeps float16 weights behind a DEQUANTIZE (version 3), as TensorFlow writes float16 models', () => {
    const g = new Graph('f16');
    const x = g.addInput('x', { dtype: 'float32', shape: [1, 3] });
    const w16 = constant({ dtype: 'float16', shape: [2, 3] }, new Uint16Array([0x3c00, 0xbc00, 0x3800, 0x4000, 0x0001, 0x7bff]), 'w16');
    const w = g.add('dequantize', [w16], {}, { names: ['w'] });
    g.outputs.push(g.add('fully_connected', [x, w], {}));
    const { bytes, graph } = roundTrip(g);
    expect(print(graph, { elideConstantsAbove: Infinity })).toBe(print(g, { elideConstantsAbove: Infinity }));
    const info = inspect(bytes);
    expect(info.operatorCodes.map((c) => [c.name, c.version])).toEqual([
      ['DEQUANTIZE', 3],
      ['FULLY_CONNECTED', 1],
    ]);
    expect(info.subgraphs[0].tensors.find((t) => t.name === 'w16')).toMatchObject({ dtype: 'FLOAT16', bufferSize: 12 });
  });

  it('versions MUL at 3 when the int8 rescale s_a·s_b/s_out is at least 1, else 2', () => {
    const mul = (sOut: number) => {
      const g = new Graph('m');
      const t = (s: number) => ({ dtype: 'int8' as const, shape: [4], quant: { scale: [s], zeroPoint: [0] } });
      const a = g.addInput('a', t(0.5));
      const b = g.addInput('b', t(0.5));
      g.outputs.push(g.add('mul', [a, b], {}, { types: [t(sOut)] }));
      return inspect(emit(g)).operatorCodes[0].version;
    };
    expect(mul(0.25)).toBe(3);
    expect(mul(0.2)).toBe(3);
    expect(mul(0.3)).toBe(2);
  });
});
