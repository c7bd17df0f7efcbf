import { cloneType, Graph, type OpKind, type Value } from '@octet/ir';
import { interpret } from '@octet/interpreter';
import { definePass } from '../pass.ts';
import { applyPatterns, type Pattern } from '../rewriter.ts';

// Ops kept even on constants: they are how a model stores compact weights (float16 or int8 behind a
// dequantize) or carries quantization ranges (fake_quant); folding them would undo that.
const KEEP: ReadonlySet<OpKind> = new Set<OpKind>(['quantize', 'dequantize', 'fake_quant']);

// Only plain float32 values: the float reference kernels compute exactly those.
const isPlainFloat = (v: Value) => v.type.dtype === 'float32' && !v.type.quant;

// op(c₁, …, cₙ) -> c, with c = interpret(op) on the constants
const evaluateConstantOp: Pattern = (op, rw) => {
  if (KEEP.has(op.kind) || op.inputs.length === 0) return undefined;
  if (!op.inputs.every((v) => v.data !== undefined && isPlainFloat(v)) || !op.outputs.every(isPlainFloat)) return undefined;
  // A one-op graph over the op's own values: the interpreter only reads them.
  const results = interpret(new Graph('fold', [], [...op.outputs], [op]), []);
  return op.outputs.map((o, i) => rw.constant(cloneType(o.type), results[i]));
};

export const foldConstants = definePass({
  name: 'fold-constants',
  summary: 'Evaluate ops whose operands are all constants and replace them with constants',
  description: `%c = add(%k1, %k2); %y = mul(%x, %c)  ==>  %y = mul(%x, %k)  with %k = %k1 + %k2 (computed by the float interpreter)
Applies to float32 ops; quantize, dequantize and fake_quant stay (compact weights, quantization ranges).`,
  run(graph, ctx) {
    applyPatterns(graph, [evaluateConstantOp], ctx);
  },
});
