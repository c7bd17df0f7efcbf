import {
  DiagnosticError,
  isConst,
  isUnsupported,
  printQuant,
  quantEqual,
  type AnyOp,
  type Diagnostic,
  type Graph,
  type QuantParams,
  type Value,
} from '@octet/ir';
import { definePass } from '../pass.ts';
import { createRewriter, describeOp, type Rewriter } from '../rewriter.ts';
import { int8Constant, moveName, quantizeBias, rescaleWeights } from '../quant/constants.ts';
import { int8Rule, type Int8Rule } from '../quant/int8-support.ts';
import { fixedParams, missingRange, planInt8 } from '../quant/plan.ts';

const PASS = 'quantize-activations';

/** An op with no int8 kernel must not read a value that becomes int8: float-fallback puts a dequantize in between. */
function unisolated(op: AnyOp, planned: ReadonlyMap<AnyOp, Int8Rule>): boolean {
  return op.inputs.some((v) => v.producer !== undefined && planned.has(v.producer as AnyOp));
}

/** Int8 values for float ones: one quantize per (value, parameters), skipping dequantize → quantize round trips. */
function int8Source(rw: Rewriter) {
  const made = new Map<Value, Map<string, Value>>();
  return (v: Value, q: QuantParams): Value => {
    if (v.type.dtype !== 'float32') {
      if (quantEqual(v.type.quant, q)) return v;
    } else {
      // quantize(dequantize(x)) -> x, when x already has the parameters
      const p = v.producer;
      if (p?.kind === 'dequantize' && quantEqual(p.inputs[0].type.quant, q) && p.inputs[0].type.dtype === 'int8') return p.inputs[0];
    }
    const key = printQuant(q);
    let byParams = made.get(v);
    if (!byParams) made.set(v, (byParams = new Map()));
    let out = byParams.get(key);
    if (!out) {
      // float → int8, or int8 → int8 under new parameters (a requantization)
      out = rw.insert('quantize', [v], {}, { types: [{ dtype: 'int8', shape: [...v.type.shape], quant: q }] }).outputs[0];
      byParams.set(key, out);
    }
    return out;
  };
}

function quantize(graph: Graph, stats: Parameters<typeof planInt8>[1]): void {
  const plan = planInt8(graph, stats, PASS);
  const problems: Diagnostic[] = [...plan.problems];
  for (const op of graph.ops) {
    const rule = int8Rule(op);
    if (isUnsupported(rule) && unisolated(op, plan.ops)) {
      problems.push({
        op,
        message: `${describeOp(op)} has no int8 kernel (${rule.unsupported}) and reads values that become int8: run float-fallback first to keep it float, or check-int8-legality to reject it`,
      });
    }
  }
  for (const [op, rule] of plan.ops) {
    const w = rule.weights && op.inputs[rule.weights.operand];
    if (w && w.type.dtype !== 'int8') problems.push({ op, message: `${describeOp(op)} has ${w.type.dtype} weights: run quantize-weights before ${PASS}` });
  }
  if (problems.length) throw new DiagnosticError(problems);

  const rw = createRewriter(graph);
  const toInt8 = int8Source(rw);
  // One int8 constant per (float constant, parameters), named after the float one once nothing else reads it.
  const constants = new Map<Value, Map<string, Value>>();
  const constOf = (v: Value, q: QuantParams): Value => {
    let byParams = constants.get(v);
    if (!byParams) constants.set(v, (byParams = new Map()));
    let c = byParams.get(printQuant(q));
    if (!c) byParams.set(printQuant(q), (c = int8Constant(v, q)));
    return c;
  };
  const retyped = new Set<Value>();
  const missing: Diagnostic[] = [];
  for (const [op, rule] of plan.ops) {
    rw.setInsertionPoint(op);
    const out = op.outputs[0];
    const qOut = plan.paramsOf(out)!;
    // Operands that must carry the result's parameters: all of a shared-scale op's, input 0 of a same-scale one.
    const sharesResult = (i: number) => rule.result.from === 'shared' || (rule.result.from === 'input' && i === 0);
    op.inputs = op.inputs.map((v, i) => {
      if (i === rule.weights?.operand || i === rule.bias) return v;
      if (isConst(v)) return v.type.dtype === 'float32' && v.data ? constOf(v, sharesResult(i) ? qOut : plan.paramsOf(v)!) : v;
      if (sharesResult(i)) {
        // An operand whose parameters are fixed already (a folded fake_quant, a dequantize's source) keeps
        // them and is requantized to the result's; one with only a calibrated range takes the result's.
        const own = fixedParams(v) ?? dequantizedFrom(v);
        return own ? toInt8(toInt8(v, own), qOut) : toInt8(v, qOut);
      }
      const q = plan.paramsOf(v);
      if (!q) {
        missing.push(missingRange(v, PASS));
        return v;
      }
      return toInt8(v, q);
    });
    if (rule.bias !== undefined && rule.weights) quantizeBiasOf(graph, op, rule.bias, rule.weights.operand);
    out.type = { dtype: 'int8', shape: [...out.type.shape], quant: qOut };
    retyped.add(out);
  }
  if (missing.length) throw new DiagnosticError(missing);
  rw.setInsertionPoint(undefined);
  for (const [v, byParams] of constants) for (const c of byParams.values()) moveName(v, c, graph.useCount(v) > 0);

  // A quantize that float-fallback put after an op that is now int8: a no-op, or a requantization.
  for (const op of [...graph.ops]) {
    if (op.kind === 'quantize' && retyped.has(op.inputs[0]) && quantEqual(op.inputs[0].type.quant, op.outputs[0].type.quant)) {
      rw.replaceOp(op, [op.inputs[0]]);
    }
  }
  // Graph outputs stay float32: dequantize at the end, the output keeps its name.
  const dequantized = new Map<Value, Value>();
  graph.outputs = graph.outputs.map((v) => {
    if (!retyped.has(v)) return v;
    let d = dequantized.get(v);
    if (!d) {
      d = rw.insert('dequantize', [v], {}).outputs[0];
      dequantized.set(v, d);
      moveName(v, d, false);
    }
    return d;
  });
  graph.removeDeadOps();
  // Fixed parameters on values that stay float have served: float tensors carry none.
  for (const v of [...graph.inputs, ...graph.ops.flatMap((o) => [...o.inputs, ...o.outputs])]) {
    if (v.type.dtype === 'float32' && v.type.quant) delete v.type.quant;
  }
}

/** The parameters of the int8 value a dequantize reads. */
function dequantizedFrom(v: Value): QuantParams | undefined {
  const p = v.producer;
  return p?.kind === 'dequantize' && p.inputs[0].type.dtype !== 'float32' ? p.inputs[0].type.quant : undefined;
}

/** The float bias of a weighted op as int32 (s_in·s_w[c]); raises weight scales where TensorFlow would. */
function quantizeBiasOf(graph: Graph, op: AnyOp, biasIndex: number, weightIndex: number): void {
  const b = op.inputs[biasIndex];
  if (!b || b.type.dtype !== 'float32' || !b.data) return;
  const w = op.inputs[weightIndex];
  const sIn = op.inputs[0].type.quant!.scale[0];
  const { bias, weightScales } = quantizeBias(b.data as Float32Array, sIn, w.type.quant!);
  const inputs = [...op.inputs];
  inputs[biasIndex] = bias;
  if (weightScales) inputs[weightIndex] = rescaleWeights(w, weightScales);
  op.inputs = inputs;
  moveName(b, bias, graph.useCount(b) > 0);
  if (weightScales) moveName(w, inputs[weightIndex], graph.useCount(w) > 0);
}

export const quantizeActivations = definePass({
  name: PASS,
  summary: 'Make every op with an int8 kernel compute on int8 (asymmetric activations, int32 biases), from calibration ranges',
  description: `%y = conv_2d(%x, %w : i8 q(axis=0, [sw]), %b : f32) : f32  ==>
  %qx = quantize(%x) : i8 q(sx, zx); %y = conv_2d(%qx, %w, %b' : i32 q(sx·sw, 0)) : i8 q(sy, zy); %out = dequantize(%y) : f32
Parameters: a range [min, max] (calibration statistics, or fixed on the type by fold-fake-quant) widened
to include 0; scale = (max − min)/255, zero point = round(−128 − min/scale) half away from zero; a degenerate
range widened to ±1e-6 (TensorFlow's tiny scale, never 0).
Same-scale ops (pools, reshape, pad, transpose, resize) take their input's; concatenation and minimum
requantize every input to the result's; logistic and softmax get (1/256, −128), tanh (1/128, 0).
Float model inputs get a quantize, float outputs a dequantize. Ops without an int8 kernel must
already be wrapped by float-fallback. Weighted ops need int8 weights (quantize-weights); where a bias
would exceed INT32_MAX/2 under s_in·s_w[c] (an all-zero channel), the channel's weight scale is raised
to |b|/(INT32_MAX/2)/s_in, as TensorFlow does.`,
  run(graph, ctx) {
    quantize(graph, ctx.analyses?.statistics);
  },
});
