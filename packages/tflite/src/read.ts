import {
  allocate,
  DiagnosticError,
  DTYPE_INFO,
  Graph,
  IrError,
  isUnsupported,
  numElements,
  verify,
  type AnyOp,
  type OpKind,
  type QuantParams,
  type TensorType,
  type TypedArray,
  type Value,
} from '@octet/ir';
import type { ByteBuffer } from 'flatbuffers';
import { builtinName, dtypeOfTensorType, tensorTypeName } from './enums.ts';
import { TfliteFormatError } from './errors.ts';
import { BuiltinOperator, BuiltinOptionsNames, type Model, type SubGraph, type Tensor } from './generated/tflite.ts';
import { bufferBytes, loadModel } from './model.ts';
import { READ_RULES, type ReadContext, type ReadRule } from './read-ops.ts';

/** The IR op kind read from each TFLite builtin code. */
const KIND_OF_CODE: ReadonlyMap<number, OpKind> = (() => {
  const m = new Map<number, OpKind>();
  for (const [kind, rule] of Object.entries(READ_RULES)) {
    if (isUnsupported(rule)) continue;
    if (m.has(rule.code)) throw new Error(`READ_RULES: ${kind} and ${m.get(rule.code)} both read ${builtinName(rule.code)}`);
    m.set(rule.code, kind as OpKind);
  }
  return m;
})();

/** The TFLite builtins the reader turns into IR ops, by name. */
export const READABLE_BUILTINS: readonly string[] = [...KIND_OF_CODE.keys()].map(builtinName).sort();

export interface ReadReport {
  graph: Graph;
  /** What the reader set aside: extra subgraphs, dynamic shape signatures made static. */
  notes: string[];
}

/** Reads a .tflite file's main subgraph as an IR graph; see `readModel` for what it sets aside. */
export function read(bytes: Uint8Array): Graph {
  return readModel(bytes).graph;
}

/**
 * Reads a .tflite file (bytes → IR): subgraph 0 becomes the graph, constant operands that the IR
 * holds as attributes (reshape's shape, mean's axes, pad's paddings, transpose's perm, resize's
 * size) become attributes again, and a dynamic `shape_signature` gives way to the static `shape`.
 * Anything malformed or outside what Octet supports is a TfliteFormatError naming it.
 */
export function readModel(bytes: Uint8Array): ReadReport {
  const model = loadModel(bytes);
  const notes: string[] = [];
  if (model.version() !== 3) fail(`the file has schema version ${model.version()}: Octet reads version 3 (TFL3)`);
  const nsub = model.subgraphsLength();
  if (nsub === 0) fail('the file has no subgraph');
  const sg = model.subgraphs(0)!;
  if (nsub > 1) {
    const names = Array.from({ length: nsub - 1 }, (_, i) => `${i + 1}${nameSuffix(model.subgraphs(i + 1)!.name())}`);
    notes.push(`the file has ${nsub} subgraphs: read subgraph 0${nameSuffix(sg.name())}, left out ${names.join(', ')}`);
  }
  const codes = operatorCodes(model);
  refuseUnsupported(sg, codes);
  const graph = new Reader(bytes, model, sg, codes, notes).build();
  try {
    verify(graph);
  } catch (e) {
    if (e instanceof DiagnosticError) fail(`the model does not form a valid graph: ${e.diagnostics.map((d) => d.message).join('; ')}`);
    throw e;
  }
  return { graph, notes };
}

function fail(detail: string): never {
  throw new TfliteFormatError(detail);
}

const nameSuffix = (n: string | null) => (n ? ` ('${n}')` : '');

interface Code {
  /** The builtin code: the larger of `builtin_code` and `deprecated_builtin_code` (TFLite's rule). */
  code: number;
  custom: string | null;
  version: number;
}

export function operatorCodes(model: Model): Code[] {
  return Array.from({ length: model.operatorCodesLength() }, (_, i) => {
    const c = model.operatorCodes(i)!;
    return { code: Math.max(c.builtinCode(), c.deprecatedBuiltinCode()), custom: c.customCode(), version: c.version() };
  });
}

/** Lists every op of the subgraph that Octet cannot read, all at once. */
function refuseUnsupported(sg: SubGraph, codes: readonly Code[]): void {
  const counts = new Map<string, number>();
  for (let j = 0; j < sg.operatorsLength(); j++) {
    const op = sg.operators(j)!;
    const ci = op.opcodeIndex();
    if (ci >= codes.length) fail(`malformed .tflite: operator ${j} uses operator code ${ci}, the file has ${codes.length}`);
    const c = codes[ci];
    const label = c.code === BuiltinOperator.CUSTOM ? `custom op '${c.custom ?? ''}'` : KIND_OF_CODE.has(c.code) ? undefined : `'${builtinName(c.code)}'`;
    if (label) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (counts.size === 0) return;
  const list = [...counts].map(([label, n]) => `${label} (${n} op${n > 1 ? 's' : ''})`).join(', ');
  fail(`the model uses ops Octet cannot read: ${list}: supported builtins are ${READABLE_BUILTINS.join(', ')}`);
}

class Reader {
  private readonly values: (Value | undefined)[];
  private readonly types: (TensorType | undefined)[];
  private readonly names = new Set<string>();
  /** Next suffix to try per base name, so that many equal names take linear time. */
  private readonly suffixes = new Map<string, number>();
  /** Constant data per (buffer, dtype): tensors sharing a buffer share their (immutable) data. */
  private readonly dataCache = new Map<string, TypedArray>();
  private readonly aliases = new Map<number, string>();
  private dynamicNoted = false;
  private readonly ntensors: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly model: Model,
    private readonly sg: SubGraph,
    private readonly codes: readonly Code[],
    private readonly notes: string[],
  ) {
    this.ntensors = sg.tensorsLength();
    this.values = new Array(this.ntensors);
    this.types = new Array(this.ntensors);
    // Signature aliases name tensors that have no name of their own.
    for (let s = 0; s < model.signatureDefsLength(); s++) {
      const sig = model.signatureDefs(s)!;
      if (sig.subgraphIndex() !== 0) continue;
      // `input_<i>` / `output_<i>` are what the emitter writes for unnamed values: keep those unnamed.
      for (const [len, get, fallback] of [
        [sig.inputsLength(), (i: number) => sig.inputs(i)!, 'input'],
        [sig.outputsLength(), (i: number) => sig.outputs(i)!, 'output'],
      ] as const) {
        for (let i = 0; i < len; i++) {
          const m = get(i);
          const name = m.name();
          if (name !== null && name !== `${fallback}_${i}` && !this.aliases.has(m.tensorIndex())) this.aliases.set(m.tensorIndex(), name);
        }
      }
    }
  }

  build(): Graph {
    const sg = this.sg;
    const graph = new Graph(graphName(sg.name()));
    const inputs = sg.inputsArray() ?? new Int32Array(0);
    inputs.forEach((t, i) => {
      this.checkIndex(t, `subgraph input ${i}`);
      if (this.values[t]) fail(`malformed .tflite: tensor ${t} is listed twice as a subgraph input`);
      if (this.constant(t)) fail(`malformed .tflite: subgraph input ${i} (tensor ${t}) holds constant data`);
      const v = graph.addInput(this.uniqueName(t, `input_${i}`)!, this.typeOf(t));
      this.values[t] = v;
    });
    for (let j = 0; j < sg.operatorsLength(); j++) graph.ops.push(this.operator(graph, j));
    const outputs = sg.outputsArray() ?? new Int32Array(0);
    graph.outputs = Array.from(outputs, (t, i) => {
      this.checkIndex(t, `subgraph output ${i}`);
      const v = this.values[t] ?? this.constant(t);
      if (!v) fail(`malformed .tflite: subgraph output ${i} (tensor ${t}${this.tensorLabel(t)}) is never written`);
      return v;
    });
    return graph;
  }

  private checkIndex(t: number, what: string): void {
    if (!(t >= 0 && t < this.ntensors)) fail(`malformed .tflite: ${what} refers to tensor ${t}, the subgraph has ${this.ntensors}`);
  }

  private tensorLabel(t: number): string {
    const n = this.sg.tensors(t)!.name();
    return n ? ` '${n}'` : '';
  }

  private uniqueName(t: number, fallback?: string): string | undefined {
    const base = this.sg.tensors(t)!.name() ?? this.aliases.get(t) ?? fallback;
    if (base === undefined) return undefined;
    let name = base;
    let k = this.suffixes.get(base) ?? 1;
    while (this.names.has(name)) name = `${base}_${k++}`;
    this.suffixes.set(base, k);
    this.names.add(name);
    return name;
  }

  private named(v: Value, t: number): Value {
    const name = this.uniqueName(t);
    if (name !== undefined) v.name = name;
    return v;
  }

  /** The IR type of tensor t (static shape, quantization), checked. */
  private typeOf(t: number): TensorType {
    const cached = this.types[t];
    if (cached) return cached;
    const tensor = this.sg.tensors(t)!;
    const what = `tensor ${t}${this.tensorLabel(t)}`;
    const dtype = dtypeOfTensorType(tensor.type());
    if (!dtype) fail(`${what} has type ${tensorTypeName(tensor.type())}: Octet supports ${Object.keys(DTYPE_INFO).join(', ')}`);
    if (tensor.sparsity()) fail(`${what} is sparse: Octet reads dense tensors only`);
    if (tensor.isVariable()) fail(`${what} is a variable: Octet reads models without state`);
    const shape = Array.from(tensor.shapeArray() ?? []);
    if (shape.some((d) => d < 0)) fail(`malformed .tflite: ${what} has a negative dimension in its shape [${shape.join(',')}]`);
    const sig = tensor.shapeSignatureArray();
    if (sig && sig.some((d) => d < 0) && !this.dynamicNoted) {
      this.dynamicNoted = true;
      this.notes.push(`${what} has the dynamic shape signature [${Array.from(sig).join(',')}]: read with its static shape [${shape.join(',')}]`);
    }
    const type: TensorType = { dtype, shape };
    const quant = this.quantOf(tensor, shape, what);
    if (quant) type.quant = quant;
    this.types[t] = type;
    return type;
  }

  private quantOf(tensor: Tensor, shape: number[], what: string): QuantParams | undefined {
    const q = tensor.quantization();
    if (!q) return undefined;
    if (q.detailsType() !== 0) fail(`${what} uses custom quantization: Octet reads affine (scale, zero point) quantization only`);
    const scale = q.scaleArray();
    if (!scale || scale.length === 0) return undefined; // float tensors often carry an empty table
    const zp = q.zeroPointArray();
    if (zp && zp.length && zp.length !== scale.length) fail(`malformed .tflite: ${what} has ${scale.length} scales and ${zp.length} zero points`);
    const zeroPoint = Array.from(scale, (_, i) => {
      const z = zp && zp.length ? zp[i] : 0n;
      if (z < -(2n ** 31n) || z >= 2n ** 31n) fail(`malformed .tflite: ${what} has the zero point ${z}, outside int32`);
      return Number(z);
    });
    const out: QuantParams = { scale: Array.from(scale), zeroPoint };
    const dim = q.quantizedDimension();
    if (scale.length > 1 || dim !== 0) {
      if (dim >= 0 && dim < shape.length && shape[dim] === scale.length) out.axis = dim;
      else if (scale.length > 1) fail(`malformed .tflite: ${what} has ${scale.length} scales along dimension ${dim} of shape [${shape.join(',')}]`);
    }
    return out;
  }

  /** The constant held by tensor t, or undefined when its buffer is empty (an activation). */
  private constant(t: number): Value | undefined {
    const existing = this.values[t];
    if (existing) return existing.data ? existing : undefined;
    const tensor = this.sg.tensors(t)!;
    const b = tensor.buffer();
    if (b >= this.model.buffersLength()) fail(`malformed .tflite: tensor ${t}${this.tensorLabel(t)} uses buffer ${b}, the file has ${this.model.buffersLength()}`);
    if (b === 0) return undefined;
    const raw = bufferBytes(this.bytes, this.model.buffers(b)!, b);
    if (raw.length === 0) return undefined;
    const type = this.typeOf(t);
    const n = numElements(type.shape);
    const expected = n * DTYPE_INFO[type.dtype].bytes;
    if (raw.length !== expected) fail(`malformed .tflite: tensor ${t}${this.tensorLabel(t)} of type ${type.dtype}[${type.shape.join(',')}] needs ${expected} bytes, its buffer ${b} holds ${raw.length}`);
    const key = `${b}:${type.dtype}`;
    let data = this.dataCache.get(key);
    if (!data) {
      data = allocate(type.dtype, n);
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(raw);
      this.dataCache.set(key, data);
    }
    const v = this.named({ type, data }, t);
    this.values[t] = v;
    return v;
  }

  private operator(graph: Graph, j: number): AnyOp {
    const op = this.sg.operators(j)!;
    const code = this.codes[op.opcodeIndex()];
    const kind = KIND_OF_CODE.get(code.code)!;
    const rule = READ_RULES[kind] as ReadRule<OpKind>;
    const where = `'${builtinName(code.code)}' op ${j}`;
    const opFail = (problem: string): never => fail(`${where} ${problem}`);

    const inputIdx = Array.from(op.inputsArray() ?? []);
    const inputs = inputIdx.map((t, i) => {
      if (t === -1) return undefined;
      this.checkIndex(t, `${where} operand ${i}`);
      const v = this.values[t] ?? this.constant(t);
      if (!v) opFail(`reads tensor ${t}${this.tensorLabel(t)} before any op writes it: the operators must be in execution order`);
      return v;
    });
    const optionsType = op.builtinOptionsType();
    if (optionsType !== 0 && optionsType !== rule.optionsType) {
      opFail(`carries ${BuiltinOptionsNames[optionsType] ?? `options of type ${optionsType}`}, expected ${rule.optionsType !== undefined ? BuiltinOptionsNames[rule.optionsType] : 'none'}`);
    }
    const outputIdx = Array.from(op.outputsArray() ?? []);
    const outputs = outputIdx.map((t, i) => {
      this.checkIndex(t, `${where} result ${i}`);
      if (this.values[t] || this.constant(t)) opFail(`writes tensor ${t}${this.tensorLabel(t)}, which already has a value`);
      return this.typeOf(t);
    });
    const ctx: ReadContext = {
      inputs,
      outputs,
      options: <T extends { __init(i: number, bb: ByteBuffer): T }>(table: new () => T) => (optionsType === 0 ? null : op.builtinOptions(new table())),
      input: (i, what) => inputs[i] ?? opFail(`lacks its ${what} (operand ${i})`),
      ints: (i, what) => {
        const v = inputs[i] ?? opFail(`lacks its ${what} (operand ${i})`);
        if (!v.data) opFail(`computes its ${what} at run time: Octet needs them constant`);
        if (v.type.dtype !== 'int32' && v.type.dtype !== 'int64') opFail(`has ${what} of type ${v.type.dtype}, expected int32 or int64`);
        return Array.from(v.data as Int32Array | BigInt64Array, Number);
      },
      fail: opFail,
    };
    const { inputs: operands, attrs } = rule.read(ctx);
    let created: AnyOp;
    try {
      created = graph.createOp(kind, operands, attrs as never, { types: outputs }) as AnyOp;
    } catch (e) {
      if (e instanceof IrError) opFail(`does not map to a valid '${kind}' op: ${e.message}`);
      throw e;
    }
    created.outputs.forEach((v, i) => {
      this.named(v, outputIdx[i]);
      this.values[outputIdx[i]] = v;
    });
    return created;
  }
}

/** A graph name the IR printer can write back: TFLite's subgraph name with other characters as '_'. */
function graphName(name: string | null): string {
  if (!name) return 'main';
  const clean = name.replace(/[^A-Za-z0-9_.$-]/g, '_');
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
}
