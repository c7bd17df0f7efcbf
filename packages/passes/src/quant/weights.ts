import { constant, DiagnosticError, isUnsupported, numElements, type AnyOp, type Diagnostic, type Graph, type Unsupported, type Value } from '@octet/ir';
import { describeOp } from '../rewriter.ts';
import { moveName, quantizeWeightData, quantizeWithParams } from './constants.ts';
import { INT8_SUPPORT, type Int8Rule } from './int8-support.ts';
import { WEIGHT_MAX } from './params.ts';

/**
 * The rewrite shared by quantize-weights and quantize-dynamic-range: the float32 constant weights of
 * conv_2d, depthwise_conv_2d and fully_connected become int8 symmetric, per channel along the axis
 * the int8 table gives (per tensor for fully_connected when asked). Edits the operand in place, so
 * that the op and its result (and calibration statistics keyed by it) stay the same objects.
 */
export interface WeightOptions {
  /** fully_connected weights per tensor instead of per output channel. */
  denseSingleScale: boolean;
  /** Leave weight tensors with fewer elements float (dynamic range: 1024). */
  minElements: number;
}

export function quantizeGraphWeights(graph: Graph, opts: WeightOptions): number {
  const done = new Map<Value, Map<string, Value>>();
  const problems: Diagnostic[] = [];
  let count = 0;
  for (const op of graph.ops) {
    const rule: Int8Rule | Unsupported = INT8_SUPPORT[op.kind];
    if (isUnsupported(rule) || !rule.weights) continue;
    const i = rule.weights.operand;
    const w = op.inputs[i];
    if (!w || w.type.dtype !== 'float32' || !(w.data instanceof Float32Array) || numElements(w.type.shape) < opts.minElements) continue;
    const axis = weightAxis(op, rule.weights.axis, opts.denseSingleScale);
    const key = String(axis);
    let byAxis = done.get(w);
    if (!byAxis) done.set(w, (byAxis = new Map()));
    let q = byAxis.get(key);
    if (!q) {
      const made = quantizeOne(op, w, axis);
      if (typeof made === 'string') {
        problems.push({ op, message: made });
        continue;
      }
      q = made;
      byAxis.set(key, q);
    }
    const inputs = [...op.inputs];
    inputs[i] = q;
    op.inputs = inputs;
    count++;
  }
  for (const [w, byAxis] of done) {
    const stillUsed = graph.ops.some((op) => op.inputs.includes(w));
    for (const q of byAxis.values()) moveName(w, q, stillUsed);
  }
  if (problems.length) throw new DiagnosticError(problems);
  return count;
}

/** The axis of `op`'s weight scales: the table's, or none for fully_connected asked per tensor. */
export function weightAxis(op: AnyOp, axis: number, denseSingleScale: boolean): number | undefined {
  return op.kind === 'fully_connected' && denseSingleScale ? undefined : axis;
}

/**
 * The int8 weights quantize-weights gives operand `w` of `op` (axis undefined: per tensor), or why it
 * cannot; correct-bias asks the same question beforehand, to know each weight's rounding error.
 */
export function quantizeOne(op: AnyOp, w: Value, axis: number | undefined): Value | string {
  const fixed = w.type.quant;
  if (fixed) {
    // Parameters folded from a fake_quant on the weights: kept, if symmetric as TFLite's int8 weights must be.
    if (fixed.zeroPoint.some((z) => z !== 0)) {
      return `${describeOp(op)} has weights whose fake_quant range gives zero point ${fixed.zeroPoint.find((z) => z !== 0)}: int8 weights must be symmetric; train with a symmetric narrow_range fake_quant`;
    }
    const data = quantizeWithParams(w.data as Float32Array, w.type.shape, fixed, -WEIGHT_MAX, WEIGHT_MAX);
    return constant({ dtype: 'int8', shape: [...w.type.shape], quant: fixed }, data);
  }
  const { data, quant } = quantizeWeightData(w.data as Float32Array, w.type.shape, axis);
  return constant({ dtype: 'int8', shape: [...w.type.shape], quant }, data);
}
