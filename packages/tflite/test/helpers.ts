import { constant, Graph, type DType, type QuantParams, type Value } from '@octet/ir';
import { expect } from 'vitest';
import { emit, read } from '../src/index.ts';
import { Model } from '../src/generated/tflite.ts';

/** A deterministic float32 constant: values from a sine, so that every element differs. */
export function weights(shape: number[], name?: string, scale = 0.5): Value {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.fround(Math.sin(i * 0.7 + shape.length) * scale);
  return constant({ dtype: 'float32', shape }, data, name);
}

/** An integer constant of the given dtype holding `values` (repeated to fill the shape). */
export function ints(dtype: Extract<DType, 'int8' | 'int32' | 'uint8'>, shape: number[], values: number[], quant?: QuantParams, name?: string): Value {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === 'int8' ? new Int8Array(n) : dtype === 'uint8' ? new Uint8Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = values[i % values.length];
  return constant({ dtype, shape, ...(quant ? { quant } : {}) }, data, name);
}

/** The tutorial's MNIST model: Reshape, Conv2D 12 3×3 relu, MaxPool 2×2, Flatten, Dense 10 (float). */
export function mnistGraph(): Graph {
  const g = new Graph('mnist');
  const x = g.addInput('input', { dtype: 'float32', shape: [1, 28, 28] });
  const r = g.add('reshape', [x], { new_shape: [1, 28, 28, 1] }, { names: ['sequential/reshape/Reshape'] });
  const c = g.add('conv_2d', [r, weights([12, 3, 3, 1], 'sequential/conv2d/kernel'), weights([12], 'sequential/conv2d/bias', 0.1)], { padding: 'valid', fused_activation: 'relu' }, { names: ['sequential/conv2d/Relu'] });
  const p = g.add('max_pool_2d', [c], { padding: 'valid', filter_h: 2, filter_w: 2, stride_h: 2, stride_w: 2 }, { names: ['sequential/max_pooling2d/MaxPool'] });
  const f = g.add('reshape', [p], { new_shape: [1, 2028] }, { names: ['sequential/flatten/Reshape'] });
  const y = g.add('fully_connected', [f, weights([10, 2028], 'sequential/dense/kernel', 0.05), weights([10], 'sequential/dense/bias', 0.1)], {}, { names: ['dense'] });
  g.outputs.push(y);
  return g;
}

/** emit → read → emit: asserts the two files are byte-identical and returns the first and the read graph. */
export function roundTrip(g: Graph): { bytes: Uint8Array; graph: Graph } {
  const bytes = emit(g);
  const graph = read(bytes);
  const again = emit(graph);
  expect(again.length).toBe(bytes.length);
  expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  return { bytes, graph };
}

/** The int32 contents of operand `k` of operator `j` (a constant made by the emitter), read from the raw file. */
export function constOperand(bytes: Uint8Array, j: number, k: number): { shape: number[]; data: number[] } {
  const m = Model.getRoot(bytes);
  const sg = m.subgraphs(0)!;
  const t = sg.tensors(sg.operators(j)!.inputs(k))!;
  const raw = m.buffers(t.buffer())!.dataArray()!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return { shape: Array.from(t.shapeArray()!), data: Array.from({ length: raw.length / 4 }, (_, i) => view.getInt32(4 * i, true)) };
}
