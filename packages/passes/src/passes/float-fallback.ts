import { DiagnosticError, isConst, isUnsupported, type AnyOp, type Diagnostic, type Graph, type Value } from '@octet/ir';
import { definePass } from '../pass.ts';
import { int8Rule } from '../quant/int8-support.ts';
import { isFloatOp, missingRange, planInt8 } from '../quant/plan.ts';
import { createRewriter } from '../rewriter.ts';
import type { CalibrationStatistics } from '../quant/statistics.ts';

export const floatFallback = definePass({
  name: 'float-fallback',
  summary: 'Keep ops without an int8 kernel in float, behind DEQUANTIZE and QUANTIZE, inside an otherwise int8 model',
  description: `%a = conv_2d(...); %y = div(%a, %k); %z = add(%y, ...)  ==>
  %a = conv_2d(...); %qa = quantize(%a) : i8 q(sa, za); %da = dequantize(%qa); %y = div(%da, %k);
  %qy = quantize(%y) : i8 q(sy, zy); %dy = dequantize(%qy); %z = add(%dy, ...)
Which ops have no int8 kernel comes from the int8 table (TFLite has no int8 DIV, for one). Each of
their float operands computed by an op that becomes int8 is read through quantize → dequantize, and
each result an int8 op reads goes through quantize → dequantize, with the parameters quantize-activations
will give those values (calibration ranges or folded fake_quant ranges). quantize-activations then
drops the quantize that meets an int8 value, leaving a dequantize in, a quantize out.`,
  run(graph, ctx) {
    wrap(graph, ctx.analyses?.statistics);
  },
});

function wrap(graph: Graph, stats: CalibrationStatistics | undefined): void {
  const plan = planInt8(graph, stats, 'float-fallback');
  const rw = createRewriter(graph);
  const problems: Diagnostic[] = [];
  const stays = (op: AnyOp) => isUnsupported(int8Rule(op)) && isFloatOp(op);
  const qdq = new Map<Value, Value>(); // a value without parameters maps to itself (reported once)
  // x -> dequantize(quantize(x)) with the parameters an int8 op would give x
  const roundTrip = (v: Value): Value => {
    let d = qdq.get(v);
    if (d) return d;
    const q = plan.paramsOf(v);
    if (!q) {
      problems.push(missingRange(v, 'float-fallback'));
      qdq.set(v, v);
      return v;
    }
    const quantized = rw.insert('quantize', [v], {}, { types: [{ dtype: 'int8', shape: [...v.type.shape], quant: q }] }).outputs[0];
    d = rw.insert('dequantize', [quantized], {}).outputs[0];
    qdq.set(v, d);
    return d;
  };
  for (const op of [...graph.ops]) {
    if (!stays(op)) continue;
    // In: operands that become int8 (computed by an op of the plan).
    rw.setInsertionPoint(op);
    op.inputs = op.inputs.map((v) => (!isConst(v) && v.producer && plan.ops.has(v.producer as AnyOp) ? roundTrip(v) : v));
    // Out: results read by ops of the plan.
    const next = graph.ops[graph.ops.indexOf(op) + 1];
    rw.setInsertionPoint(next);
    for (const y of op.outputs) {
      const readers = graph.ops.filter((r) => plan.ops.has(r) && r.inputs.includes(y));
      if (readers.length === 0) continue;
      const d = roundTrip(y);
      for (const r of readers) r.inputs = r.inputs.map((v) => (v === y ? d : v));
    }
  }
  if (problems.length) throw new DiagnosticError(problems);
}
