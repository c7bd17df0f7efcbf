import { isConst, isUnsupported, type AnyOp, type Diagnostic, type Graph, type QuantParams, type Value } from '@octet/ir';
import { describeOp } from '../rewriter.ts';
import { constantParams } from './constants.ts';
import { int8Rule, type Int8Rule } from './int8-support.ts';
import { activationParams, perTensor } from './params.ts';
import type { CalibrationStatistics } from './statistics.ts';

/**
 * Which ops of a float graph become int8 and with which parameters: decided once, from the graph
 * and the calibration statistics, by the same rules for float-fallback (which wraps the ops that stay
 * float) and quantize-activations (which retypes the rest), so that both agree on every value.
 */
export interface Int8Plan {
  /** Ops that become int8, in graph order, with their rule. */
  readonly ops: ReadonlyMap<AnyOp, Int8Rule>;
  /** The parameters an int8 op reading `v` wants for it (undefined when nothing gives any). */
  paramsOf(v: Value): QuantParams | undefined;
  /** Results without a range (no statistics, no folded fake_quant), one diagnostic each. */
  readonly problems: Diagnostic[];
}

/** Fixed parameters on a float value: folded from a fake_quant, or written in the IR. */
export function fixedParams(v: Value): QuantParams | undefined {
  return v.type.dtype === 'float32' ? v.type.quant : undefined;
}

/** Parameters from the value's calibrated range. */
export function calibratedParams(v: Value, stats: CalibrationStatistics | undefined): QuantParams | undefined {
  const s = stats?.values.get(v);
  return s && s.finite > 0 ? perTensor(activationParams(s.min, s.max)) : undefined;
}

/** An op that computes on float and will keep doing so after quantization (or reads/writes float already). */
export function isFloatOp(op: AnyOp): boolean {
  return op.outputs.some((o) => o.type.dtype === 'float32') && op.inputs[0]?.type.dtype === 'float32';
}

export function planInt8(graph: Graph, stats: CalibrationStatistics | undefined, pass: string): Int8Plan {
  const ops = new Map<AnyOp, Int8Rule>();
  const results = new Map<Value, QuantParams>();
  const problems: Diagnostic[] = [];

  const paramsOf = (v: Value): QuantParams | undefined => {
    const decided = results.get(v);
    if (decided) return decided;
    if (v.type.dtype !== 'float32') return v.type.quant;
    const fixed = fixedParams(v);
    if (fixed) return fixed;
    // dequantize(q) stands for q: an int8 op reading it reads q.
    const p = v.producer;
    if (p?.kind === 'dequantize' && p.inputs[0].type.dtype !== 'float32') return p.inputs[0].type.quant;
    if (isConst(v)) return v.data ? constantParams(v.data as Float32Array) : undefined;
    return calibratedParams(v, stats);
  };

  for (const op of graph.ops) {
    const rule = int8Rule(op);
    if (isUnsupported(rule) || rule.result.from === 'type' || !isFloatOp(op)) continue;
    ops.set(op, rule);
    const out = op.outputs[0];
    const r = rule.result;
    let q: QuantParams | undefined;
    if (r.from === 'fixed') q = { scale: [r.scale], zeroPoint: [r.zeroPoint] };
    else if (r.from === 'input') q = fixedParams(out) ?? paramsOf(op.inputs[0]);
    else q = fixedParams(out) ?? calibratedParams(out, stats);
    if (q) results.set(out, q);
    else problems.push(missingRange(r.from === 'input' ? op.inputs[0] : out, pass));
  }
  return { ops, paramsOf, problems };
}

/** How messages name a value: the op that computes it, or the graph input. */
export function describeValue(v: Value): string {
  return v.producer ? `${describeOp(v.producer)} result` : `input '${v.name ?? '?'}'`;
}

/** A float value that an int8 op reads, or a same-scale op passes on, but that nothing gives parameters. */
export function missingRange(v: Value, pass: string): Diagnostic {
  return {
    message: `${describeValue(v)} has no calibration range: run calibrate (with a representative dataset) or fold-fake-quant before ${pass}`,
    ...(v.producer ? { op: v.producer } : {}),
  };
}
