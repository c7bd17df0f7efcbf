import { checkAttr } from './attrs.ts';
import { DTYPE_INFO, storageMatches } from './dtype.ts';
import { DiagnosticError, type Diagnostic } from './diagnostics.ts';
import { IrError } from './errors.ts';
import { isConst, type Graph, type Op, type Value } from './graph.ts';
import { opDef } from './ops.ts';
import { operandArity } from './registry.ts';
import { numElements, shapesEqual, type TensorType } from './types.ts';

export interface VerifyOptions {
  /** Reject IR-only ops (batch_norm, fake_quant, identity): what the emitter requires. */
  forEmission?: boolean;
}

/** Checks a graph's structure and types; throws a DiagnosticError listing every problem. */
export function verify(graph: Graph, opts: VerifyOptions = {}): void {
  const problems = collectProblems(graph, opts);
  if (problems.length) throw new DiagnosticError(problems);
}

/** Every problem in a graph, each a one-line message, attached to its op where there is one. */
export function collectProblems(graph: Graph, opts: VerifyOptions = {}): Diagnostic[] {
  const problems = new ProblemList();
  const defined = new Set<Value>();
  const names = new Map<string, Value>();
  const noteName = (v: Value) => {
    if (v.name === undefined) return;
    const prev = names.get(v.name);
    if (prev && prev !== v) problems.push(`graph @${graph.name}: two values are named '${v.name}': names must be unique`);
    names.set(v.name, v);
  };
  for (const v of graph.inputs) {
    if (isConst(v) || v.producer) problems.push(`graph @${graph.name}: input '${v.name}' must not be a constant or an op result`);
    checkType(v.type, `input '${v.name}'`, problems);
    defined.add(v);
    noteName(v);
  }
  for (const c of graph.constants()) {
    noteName(c);
    const what = `constant ${c.name !== undefined ? `'${c.name}'` : `${c.type.dtype}[${c.type.shape.join(',')}]`}`;
    checkType(c.type, what, problems);
    if (c.data) {
      if (!storageMatches(c.type.dtype, c.data)) problems.push(`${what} holds ${c.data.constructor.name}, expected storage for ${c.type.dtype}`);
      if (c.data.length !== numElements(c.type.shape)) problems.push(`${what} holds ${c.data.length} elements, its shape needs ${numElements(c.type.shape)}`);
    }
  }
  for (const op of graph.ops) {
    problems.op = op;
    const where = `'${op.kind}' op${op.loc ? ` (from '${op.loc}')` : ''}`;
    const def = opDef(op.kind);
    if (opts.forEmission && def.irOnly) problems.push(`${where} exists only inside the compiler: run the canonicalization passes before emitting`);
    const { min, max } = operandArity(def.operands);
    if (op.inputs.length < min || op.inputs.length > max) {
      problems.push(`${where} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} operands (${def.operands.join(', ')}), got ${op.inputs.length}`);
      continue;
    }
    for (const v of op.inputs) {
      if (!defined.has(v) && !isConst(v)) problems.push(`${where} reads a value defined later or outside the graph${v.name ? ` ('${v.name}')` : ''}`);
    }
    let attrsOk = true;
    for (const [key, spec] of Object.entries(def.attrs)) {
      const p = checkAttr(spec, (op.attrs as Record<string, unknown>)[key]);
      if (p) {
        problems.push(`${where} attribute '${key}': ${p}`);
        attrsOk = false;
      }
    }
    for (const key of Object.keys(op.attrs)) if (!(key in def.attrs)) problems.push(`${where} has unknown attribute '${key}'`);
    if (op.outputs.length !== def.results) problems.push(`${where} must have ${def.results} result(s), has ${op.outputs.length}`);
    if (attrsOk) {
      try {
        const inferred = def.infer(op.inputs.map((v) => v.type), op.attrs as never);
        inferred.forEach((t, i) => {
          const out = op.outputs[i];
          if (!out) return;
          if (!shapesEqual(t.shape, out.type.shape)) problems.push(`${where} result ${i} has shape [${out.type.shape.join(',')}], its operands give [${t.shape.join(',')}]`);
          if (t.dtype !== undefined && t.dtype !== out.type.dtype) problems.push(`${where} result ${i} has dtype ${out.type.dtype}, its operands give ${t.dtype}`);
        });
      } catch (e) {
        if (!(e instanceof IrError)) throw e;
        problems.push(`${where}: ${e.message}`);
      }
    }
    checkOp(op, where, problems);
    for (const o of op.outputs) {
      if (o.producer !== op) problems.push(`${where} result does not point back to its op`);
      if (defined.has(o)) problems.push(`${where} redefines a value${o.name ? ` ('${o.name}')` : ''}`);
      checkType(o.type, `${where} result`, problems);
      defined.add(o);
      noteName(o);
    }
  }
  problems.op = undefined;
  for (const v of graph.outputs) {
    if (!defined.has(v) && !isConst(v)) problems.push(`graph @${graph.name}: an output is not defined by the graph${v.name ? ` ('${v.name}')` : ''}`);
  }
  if (graph.outputs.length === 0) problems.push(`graph @${graph.name} has no outputs`);
  return problems.list;
}

/** Collects messages, attaching each to the op being checked. */
class ProblemList {
  readonly list: Diagnostic[] = [];
  op: Op | undefined;
  push(message: string): void {
    this.list.push(this.op ? { message, op: this.op } : { message });
  }
}

function checkOp(op: Op, where: string, problems: ProblemList): void {
  // Elementwise and data-movement ops keep one element type across operands (quantize/dequantize convert).
  if (op.kind === 'quantize' || op.kind === 'dequantize') return;
  const [first] = op.inputs;
  if (op.kind === 'conv_2d' || op.kind === 'depthwise_conv_2d' || op.kind === 'fully_connected') return; // weights may differ (hybrid, int8)
  for (const v of op.inputs) {
    if (v.type.dtype !== first.type.dtype) {
      problems.push(`${where} mixes ${first.type.dtype} and ${v.type.dtype} operands: insert a quantize or dequantize`);
      return;
    }
  }
}

function checkType(t: TensorType, what: string, problems: ProblemList): void {
  if (!(t.dtype in DTYPE_INFO)) problems.push(`${what} has unknown dtype '${t.dtype}'`);
  if (t.shape.some((d) => !Number.isInteger(d) || d < 0)) problems.push(`${what} has a non-static shape [${t.shape.join(',')}]: give the input shape when importing`);
  const q = t.quant;
  if (!q) return;
  if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) {
    problems.push(`${what} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points: they must match and be non-empty`);
  }
  if (q.scale.some((s) => !(s > 0) || !Number.isFinite(s))) problems.push(`${what} has a scale that is not positive and finite: [${q.scale.join(', ')}]`);
  if (q.zeroPoint.some((z) => !Number.isInteger(z))) problems.push(`${what} has a non-integer zero point`);
  if (q.axis !== undefined) {
    if (q.axis < 0 || q.axis >= t.shape.length) problems.push(`${what} quantizes along axis ${q.axis}, outside rank ${t.shape.length}`);
    else if (q.scale.length !== t.shape[q.axis]) problems.push(`${what} has ${q.scale.length} scales along axis ${q.axis} of size ${t.shape[q.axis]}`);
  } else if (q.scale.length !== 1) problems.push(`${what} has ${q.scale.length} scales but no axis`);
}
