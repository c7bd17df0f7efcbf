import { DiagnosticError, isUnsupported, opDef, type AnyOp, type Diagnostic, type Unsupported } from '@octet/ir';
import { definePass } from '../pass.ts';
import { INT8_SUPPORT, type Int8Rule } from '../quant/int8-support.ts';

/** `'div' op (from 'truediv')`: the op kind and the tfjs layer or node it came from. */
const where = (op: AnyOp) => `'${op.kind}' op${op.loc !== undefined ? ` (from '${op.loc}')` : ''}`;

/**
 * Conversions are not offences: a quantize at a float input or a dequantize at a float output is the
 * integer model's float boundary, and one around a float op is reported through that op.
 */
const isConversion = (op: AnyOp) => op.kind === 'quantize' || op.kind === 'dequantize';

/** Why `op` keeps integer-only conversion from succeeding, or undefined when it is fine. */
function offence(op: AnyOp, quantized: boolean): string | undefined {
  const rule: Int8Rule | Unsupported = INT8_SUPPORT[op.kind];
  if (isUnsupported(rule)) {
    if (opDef(op.kind).irOnly) return `illegal for int8: ${rule.unsupported}; run the canonicalization passes first`;
    return `illegal for int8: no integer kernel; keep it float or drop --integer-only (${rule.unsupported})`;
  }
  const problem = rule.check?.(op);
  if (problem) return `illegal for int8: ${problem}; keep it float or drop --integer-only`;
  // Once the graph is quantized, an op of an int8-capable kind that still computes in float is an offence too.
  if (quantized && !isConversion(op) && [...op.inputs, ...op.outputs].some((v) => v.type.dtype === 'float32' || v.type.dtype === 'float16')) {
    return `illegal for int8: it still computes in float after quantization; run quantize-weights and quantize-activations, or drop --integer-only`;
  }
  return undefined;
}

export const checkInt8Legality = definePass({
  name: 'check-int8-legality',
  summary: 'With integer-only conversion, require an int8 kernel for every op; report every offending op at once',
  description: `%y = div(%a, %b) loc("truediv")  ==>  error: 'div' op (from 'truediv') illegal for int8: no integer kernel; keep it float or drop --integer-only (TFLite has no int8 DIV kernel)
The graph is left as it is when every op is legal. Before quantization (where the integer-only pipeline
runs it, ahead of calibration) an op is legal when the int8 table gives its kind a kernel and the op
meets the kernel's constraints (constant weights); after quantization it must also compute on
integers (quantize and dequantize convert: at a float model input or output they are the boundary).`,
  run(graph) {
    const quantized = graph.ops.some((op) => op.outputs.some((o) => o.type.dtype === 'int8' || o.type.dtype === 'uint8'));
    const problems: Diagnostic[] = [];
    for (const op of graph.ops) {
      const why = offence(op, quantized);
      if (why) problems.push({ op, message: `${where(op)} ${why}` });
    }
    if (problems.length) throw new DiagnosticError(problems);
  },
});
