import { DiagnosticError, oneOf, quantEqual, type Diagnostic, type Graph, type QuantParams, type TensorType, type Value } from '@octet/ir';
import { definePass } from '../pass.ts';
import { calibratedParams, fixedParams } from '../quant/plan.ts';
import { createRewriter, type Rewriter } from '../rewriter.ts';
import type { CalibrationStatistics } from '../quant/statistics.ts';

const IO_TYPES = ['float32', 'int8', 'uint8'] as const;
type IoType = (typeof IO_TYPES)[number];

/** uint8 carries the int8 scale with the zero point moved by 128: q_u8 = q_i8 + 128 for every value. */
const toUint8 = (q: QuantParams): QuantParams => ({ scale: [...q.scale], zeroPoint: q.zeroPoint.map((z) => z + 128) });
const intType = (v: Value, dtype: 'int8' | 'uint8', quant: QuantParams): TensorType => ({ dtype, shape: [...v.type.shape], quant });

/** The quantize ops that read a float input, making it int8. */
const quantizesOf = (graph: Graph, x: Value) => graph.ops.filter((op) => op.kind === 'quantize' && op.inputs[0] === x && op.outputs[0].type.dtype === 'int8');

function retypeInput(graph: Graph, rw: Rewriter, x: Value, to: 'int8' | 'uint8', problems: Diagnostic[]): void {
  if (x.type.dtype !== 'float32') return;
  const quantizes = quantizesOf(graph, x);
  if (quantizes.length === 0) {
    problems.push({ message: `input '${x.name ?? '?'}' is read only by float ops: it has no int8 parameters to take ${to}; keep it float32` });
    return;
  }
  const q = quantizes[0].outputs[0].type.quant!;
  const floatReaders = graph.ops.filter((op) => op.inputs.includes(x) && !quantizes.includes(op));
  x.type = intType(x, to, to === 'int8' ? q : toUint8(q));
  // int8 input: the boundary quantize goes (another one with other parameters becomes a requantization);
  // uint8 input: the first quantize stays, uint8 → int8.
  for (const [k, op] of quantizes.entries()) {
    if (to === 'int8' && quantEqual(op.outputs[0].type.quant, q)) rw.replaceOp(op, [x]);
    else if (k > 0 && quantEqual(op.outputs[0].type.quant, q)) rw.replaceOp(op, [quantizes[0].outputs[0]]);
  }
  if (floatReaders.length) {
    // Float ops read the input through a dequantize.
    rw.setInsertionPoint(graph.ops[0]);
    const d = rw.insert('dequantize', [x], {}).outputs[0];
    for (const op of floatReaders) op.inputs = op.inputs.map((v) => (v === x ? d : v));
  }
}

function retypeOutput(graph: Graph, rw: Rewriter, i: number, to: 'int8' | 'uint8', stats: CalibrationStatistics | undefined, problems: Diagnostic[]): void {
  const y = graph.outputs[i];
  if (y.type.dtype !== 'float32') return;
  rw.setInsertionPoint(undefined);
  let q8: Value;
  const p = y.producer;
  if (p?.kind === 'dequantize' && p.inputs[0].type.dtype === 'int8') {
    // The boundary dequantize goes: the int8 value is the output.
    q8 = p.inputs[0];
  } else {
    // Computed in float (float fallback): quantized at the end with its range.
    const q = fixedParams(y) ?? calibratedParams(y, stats);
    if (!q) {
      problems.push({ message: `output '${y.name ?? i}' is computed in float and has no calibration range: run calibrate before retype-io, or keep it float32` });
      return;
    }
    q8 = rw.insert('quantize', [y], {}, { types: [intType(y, 'int8', q)] }).outputs[0];
  }
  const out = to === 'int8' ? q8 : rw.insert('quantize', [q8], {}, { types: [intType(q8, 'uint8', toUint8(q8.type.quant!))] }).outputs[0];
  graph.outputs = graph.outputs.map((v, k) => (k === i ? out : v));
  // The model's output name goes with the output (an int8 value's own name gives way).
  if (y.name !== undefined) {
    out.name = y.name;
    delete y.name;
  }
  if (graph.useCount(y) === 0 && y.producer) rw.eraseOp(y.producer);
}

export const retypeIo = definePass({
  name: 'retype-io',
  summary: 'Give the model float32, int8 or uint8 inputs and outputs, independently',
  description: `%q = quantize(%x : f32) : i8 q(s, z); ...; %y = dequantize(%r : i8 q(s', z')) : f32
  ==> input=int8:  %x : i8 q(s, z) read directly;  output=int8: %r is the output
  ==> input=uint8: %q = quantize(%x : u8 q(s, z + 128)) : i8 q(s, z);  output=uint8: %y = quantize(%r) : u8 q(s', z' + 128)
Runs after quantize-activations. uint8 keeps the scale and adds 128 to the zero point (so the
uint8 → int8 quantize is x ^ 0x80); int8 removes the boundary quantize or dequantize. Names stay with
the model's inputs and outputs. float32 (the default) leaves the boundary as it is.`,
  options: { input: oneOf(IO_TYPES, 'float32'), output: oneOf(IO_TYPES, 'float32') },
  run(graph, ctx) {
    const rw = createRewriter(graph);
    const problems: Diagnostic[] = [];
    const input: IoType = ctx.options.input;
    const output: IoType = ctx.options.output;
    if (input !== 'float32') for (const x of [...graph.inputs]) retypeInput(graph, rw, x, input, problems);
    if (output !== 'float32') for (let i = 0; i < graph.outputs.length; i++) retypeOutput(graph, rw, i, output, ctx.analyses?.statistics, problems);
    if (problems.length) throw new DiagnosticError(problems);
  },
});
