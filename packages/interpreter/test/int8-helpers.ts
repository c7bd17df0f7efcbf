/**
 * Test helpers for the int8 kernels: one-op graphs with int8 inputs, their float twins (the same
 * op on dequantized inputs and constants), and runs in both arithmetics.
 */
import { constant, Graph, stridesOf, type AttrsArg, type OpKind, type QuantParams, type TensorType, type TypedArray, type Value } from '@octet/ir';
import { interpret, type Arithmetic } from '../src/index.ts';
import { mulberry32 } from '@octet/testing';

export const SEED = 20261125;
export const fl = Math.fround;

export const qp = (scale: number, zeroPoint: number): QuantParams => ({ scale: [fl(scale)], zeroPoint: [zeroPoint] });
export const i8 = (shape: number[], quant: QuantParams): TensorType => ({ dtype: 'int8', shape, quant });
export const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** mulberry32: a case is a seed, not a megabyte of numbers. */
export const rng = mulberry32;

export const randomInt8 = (n: number, r: () => number, lo = -128, hi = 127) => Int8Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));

/** A per-axis int8 weight constant (symmetric, zero points 0). */
export function weights(shape: number[], scales: number[], axis: number, data: Int8Array): Value {
  const quant: QuantParams = scales.length === 1 ? { scale: scales.map(fl), zeroPoint: [0] } : { scale: scales.map(fl), zeroPoint: scales.map(() => 0), axis };
  return constant({ dtype: 'int8', shape, quant }, data);
}

/** An int32 bias constant of scale fl(s_in·s_w[c]) per channel. */
export function bias(sIn: number, scales: number[], data: Int32Array): Value {
  const s = scales.map((w) => fl(fl(sIn) * fl(w)));
  const quant: QuantParams = s.length === 1 ? { scale: s, zeroPoint: [0] } : { scale: s, zeroPoint: s.map(() => 0), axis: 0 };
  return constant({ dtype: 'int32', shape: [data.length], quant }, data);
}

export interface OneOp {
  graph: Graph;
  /** The int8 inputs of the graph, in order. */
  inputs: Int8Array[];
}

/** A graph of one op on int8 graph inputs `types` (plus constant operands), with result type `out`. */
export function oneOp<K extends OpKind>(kind: K, types: TensorType[], data: Int8Array[], constants: Value[], attrs: AttrsArg<K>, out: TensorType): OneOp {
  const g = new Graph(kind);
  const xs = types.map((t, i) => g.addInput(`x${i}`, t));
  g.outputs.push(g.add(kind, [...xs, ...constants], attrs, { types: [out], names: ['y'] }));
  return { graph: g, inputs: data };
}

/** real = scale·(q − zp), per tensor or along the quantized axis, in double then float32. */
export function dequantize(type: TensorType, data: TypedArray): Float32Array {
  const q = type.quant!;
  const out = new Float32Array(data.length);
  const inner = q.axis === undefined ? 1 : stridesOf(type.shape)[q.axis];
  const dim = q.axis === undefined ? 1 : type.shape[q.axis];
  for (let i = 0; i < data.length; i++) {
    const c = q.scale.length === 1 ? 0 : Math.floor(i / inner) % dim;
    out[i] = fl(q.scale[c]) * (Number(data[i]) - q.zeroPoint[c]);
  }
  return out;
}

/** The same op on float32: int8 inputs and integer constants dequantized, the result float32. */
export function floatTwin(c: OneOp): { graph: Graph; inputs: Float32Array[] } {
  const op = c.graph.ops[0];
  const g = new Graph(`${op.kind}_float`);
  const xs = c.graph.inputs.map((v, i) => g.addInput(`x${i}`, { dtype: 'float32', shape: [...v.type.shape] }));
  const operands = op.inputs.map((v) => {
    const i = c.graph.inputs.indexOf(v);
    if (i >= 0) return xs[i];
    return constant({ dtype: 'float32', shape: [...v.type.shape] }, v.type.quant ? dequantize(v.type, v.data!) : Float32Array.from(v.data as Float32Array));
  });
  g.outputs.push(g.add(op.kind, operands, op.attrs as never, { types: [{ dtype: 'float32', shape: [...op.outputs[0].type.shape] }] }));
  return { graph: g, inputs: c.inputs.map((x, i) => dequantize(c.graph.inputs[i].type, x)) };
}

export const runInt8 = (c: OneOp, arithmetic: Arithmetic): Int8Array => interpret(c.graph, c.inputs, { arithmetic })[0] as Int8Array;

export function runFloat(c: OneOp): Float32Array {
  const twin = floatTwin(c);
  return interpret(twin.graph, twin.inputs)[0] as Float32Array;
}

/** The real interval an int8 result can hold: [s·(−128 − zp), s·(127 − zp)]. */
export function representable(q: QuantParams): [number, number] {
  return [fl(q.scale[0]) * (-128 - q.zeroPoint[0]), fl(q.scale[0]) * (127 - q.zeroPoint[0])];
}

export interface Deviation {
  /** Largest |dequantize(int8) − clamp(float)| over the elements. */
  max: number;
  /** Where, with both values. */
  at: number;
  int8: number;
  float: number;
}

/** Compares an int8 result with the float kernel's result (clamped to the representable interval). */
export function deviation(out: TensorType, y: Int8Array, reference: Float32Array): Deviation {
  const [lo, hi] = representable(out.quant!);
  const s = fl(out.quant!.scale[0]);
  const z = out.quant!.zeroPoint[0];
  let worst: Deviation = { max: 0, at: -1, int8: 0, float: 0 };
  for (let i = 0; i < y.length; i++) {
    const r = Math.min(Math.max(reference[i], lo), hi);
    const d = Math.abs(s * (y[i] - z) - r);
    if (!(d <= worst.max)) worst = { max: d, at: i, int8: y[i], float: reference[i] };
  }
  return worst;
}

/** Largest |a − b| between two int8 results, in steps. */
export function stepsApart(a: Int8Array, b: Int8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
