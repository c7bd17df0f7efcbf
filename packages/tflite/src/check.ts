import { biasProblems, OctetError, quantizationProblems, type AnyOp, type DType, type Graph, type Op, type QuantRuleId, type TensorType } from '@octet/ir';
import { TfliteFormatError } from './errors.ts';
import { TENSOR_TYPE_OF, tensorTypeName } from './enums.ts';
import { inspect, type InspectedModel, type InspectedTensor } from './inspect.ts';
import { read } from './read.ts';

/**
 * The verifier of .tflite files (`octet verify`, and every file the converter writes): first the
 * file's structure (indices between tables, quantization arrays, buffer sizes), which the
 * flatbuffers verifier leaves to the reader; then, when the structure is sound, the int8 rules of
 * `quantizationProblems` on the graph the reader builds. LiteRT runs some of these violations
 * silently (a wrong bias scale gives garbage, not an error): this check must not.
 */
export const FILE_RULE_IDS = [
  /** The bytes are not a TFLite flatbuffer (bounds, offsets, identifier). */
  'flatbuffer',
  /** A tensor or metadata entry names a buffer the file does not have. */
  'buffer-index',
  /** An operator names an operator code the file does not have. */
  'opcode-index',
  /** An operator, subgraph or signature names a tensor the subgraph does not have (−1 only for absent optional operands). */
  'tensor-index',
  /** A tensor's scale and zero point arrays differ in length. */
  'quant-lengths',
  /** A per-axis tensor's scale array does not match the size of its quantized dimension. */
  'per-axis-length',
  /** A quantized dimension outside the tensor's rank. */
  'quantized-dimension',
  /** A constant's buffer holds another number of bytes than its shape and type need. */
  'buffer-size',
  /** The structure is sound but Octet's reader cannot build a graph from it (so the int8 rules could not run). */
  'unreadable',
] as const;
export type FileRuleId = (typeof FILE_RULE_IDS)[number] | QuantRuleId;

export interface FileProblem {
  rule: FileRuleId;
  message: string;
  subgraph?: number;
  /** Operator index in its subgraph. */
  operator?: number;
  tensor?: number;
}

/** A .tflite file that breaks one or more rules; `problems` lists every one. */
export class InvalidTfliteError extends TfliteFormatError {
  override name = 'InvalidTfliteError';
  constructor(readonly problems: FileProblem[]) {
    super(problems.map((p) => `${p.message} [${p.rule}]`).join('\n'));
  }
}

/** Every problem of the file, all at once; [] for a sound file. */
export function checkFile(bytes: Uint8Array): FileProblem[] {
  let model: InspectedModel;
  try {
    model = inspect(bytes);
  } catch (e) {
    if (e instanceof OctetError) return [{ rule: 'flatbuffer', message: e.message }];
    throw e;
  }
  const structural = structureProblems(model);
  if (structural.length) return structural;
  let graph: Graph;
  try {
    graph = read(bytes);
  } catch (e) {
    if (e instanceof OctetError) return [{ rule: 'unreadable', message: `Octet cannot read the file, so its int8 rules were not checked: ${e.message}` }];
    throw e;
  }
  return graphProblems(model, graph);
}

/** Throws an InvalidTfliteError listing every problem of the file. */
export function assertValidFile(bytes: Uint8Array): void {
  const problems = checkFile(bytes);
  if (problems.length) throw new InvalidTfliteError(problems);
}

/** Bytes per element of each TFLite type whose size is fixed (STRING and packed INT4 have none). */
const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  FLOAT32: 4, FLOAT16: 2, INT32: 4, UINT8: 1, INT64: 8, BOOL: 1, INT16: 2, COMPLEX64: 8, INT8: 1, FLOAT64: 8, COMPLEX128: 16, UINT64: 8, UINT32: 4, UINT16: 2, BFLOAT16: 2,
};

function structureProblems(m: InspectedModel): FileProblem[] {
  const out: FileProblem[] = [];
  const nbuf = m.buffers.length;
  const ncodes = m.operatorCodes.length;
  const bad = (what: string) => `malformed .tflite: ${what}`;
  m.metadata.forEach((md, i) => {
    if (md.buffer >= nbuf) out.push({ rule: 'buffer-index', message: bad(`metadata ${i}${md.name ? ` ('${md.name}')` : ''} uses buffer ${md.buffer}, the file has ${nbuf}`) });
  });
  for (const sg of m.subgraphs) {
    const s = sg.index;
    const nt = sg.tensors.length;
    const inRange = (t: number) => t >= 0 && t < nt;
    const at = (what: string) => (m.subgraphs.length > 1 ? `subgraph ${s} ${what}` : what);
    for (const t of sg.tensors) {
      const what = at(`tensor ${t.index}${t.name ? ` '${t.name}'` : ''}`);
      if (t.buffer >= nbuf) out.push({ rule: 'buffer-index', message: bad(`${what} uses buffer ${t.buffer}, the file has ${nbuf}`), subgraph: s, tensor: t.index });
      else out.push(...bufferSize(t, what, s));
      out.push(...quantArrays(t, what, s));
    }
    for (const op of sg.operators) {
      const what = at(`operator ${op.index}`);
      const ref = { subgraph: s, operator: op.index };
      if (op.opcodeIndex >= ncodes) out.push({ rule: 'opcode-index', message: bad(`${what} uses operator code ${op.opcodeIndex}, the file has ${ncodes}`), ...ref });
      op.inputs.forEach((t, i) => {
        if (t !== -1 && !inRange(t)) out.push({ rule: 'tensor-index', message: bad(`${what} reads tensor ${t} as operand ${i}, the subgraph has ${nt} (−1 marks an absent operand)`), ...ref });
      });
      op.outputs.forEach((t, i) => {
        if (!inRange(t)) out.push({ rule: 'tensor-index', message: bad(`${what} writes tensor ${t} as result ${i}, the subgraph has ${nt}`), ...ref });
      });
    }
    for (const [list, role] of [[sg.inputs, 'input'], [sg.outputs, 'output']] as const) {
      list.forEach((t, i) => {
        if (!inRange(t)) out.push({ rule: 'tensor-index', message: bad(`${at(`${role} ${i}`)} is tensor ${t}, the subgraph has ${nt}`), subgraph: s });
      });
    }
  }
  for (const sig of m.signatures) {
    const sg = m.subgraphs[sig.subgraphIndex];
    if (!sg) continue; // the reader reports an unknown subgraph index
    for (const e of [...sig.inputs, ...sig.outputs]) {
      if (!(e.tensorIndex >= 0 && e.tensorIndex < sg.tensors.length)) {
        out.push({ rule: 'tensor-index', message: bad(`signature '${sig.key ?? ''}' maps '${e.name ?? ''}' to tensor ${e.tensorIndex}, subgraph ${sig.subgraphIndex} has ${sg.tensors.length}`), subgraph: sig.subgraphIndex });
      }
    }
  }
  return out;
}

/** A constant's bytes = element count × element size (an empty buffer marks an activation). */
function bufferSize(t: InspectedTensor, what: string, subgraph: number): FileProblem[] {
  const size = ELEMENT_BYTES[t.dtype];
  if (t.bufferSize === 0 || size === undefined || t.shape.some((d) => d < 0)) return [];
  const need = t.shape.reduce((a, b) => a * b, 1) * size;
  if (t.bufferSize === need) return [];
  return [{ rule: 'buffer-size', message: `malformed .tflite: ${what} of type ${t.dtype}[${t.shape.join(',')}] needs ${need} bytes, its buffer ${t.buffer} holds ${t.bufferSize}`, subgraph, tensor: t.index }];
}

/** One zero point per scale; per axis (several scales, or a nonzero dimension): a dimension in the rank and one scale per index along it. */
function quantArrays(t: InspectedTensor, what: string, subgraph: number): FileProblem[] {
  const q = t.quantization;
  if (!q || q.scale.length === 0) return [];
  const ref = { subgraph, tensor: t.index };
  const out: FileProblem[] = [];
  if (q.zeroPoint.length !== q.scale.length) {
    out.push({ rule: 'quant-lengths', message: `malformed .tflite: ${what} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points: TFLite needs one zero point per scale`, ...ref });
  }
  const dim = q.quantizedDimension;
  if (q.scale.length === 1 && dim === 0) return out;
  if (dim < 0 || dim >= t.shape.length) {
    out.push({ rule: 'quantized-dimension', message: `malformed .tflite: ${what} is quantized along dimension ${dim}, outside its rank ${t.shape.length}`, ...ref });
  } else if (q.scale.length !== 1 && q.scale.length !== t.shape[dim]) {
    out.push({ rule: 'per-axis-length', message: `malformed .tflite: ${what} has ${q.scale.length} scales along dimension ${dim} of shape [${t.shape.join(',')}], which needs ${t.shape[dim]}`, ...ref });
  }
  return out;
}

/** The int8 rules on subgraph 0 as the reader builds it (operator j is graph op j). */
function graphProblems(m: InspectedModel, graph: Graph): FileProblem[] {
  const sg = m.subgraphs[0];
  const index = new Map<AnyOp, number>(graph.ops.map((op, j) => [op, j]));
  // Name each op after its result tensor, as the converter names tensors after the tfjs layer.
  for (const op of graph.ops) if (op.loc === undefined && op.outputs[0]?.name !== undefined) op.loc = op.outputs[0].name;
  const out: FileProblem[] = quantizationProblems(graph).map((d) => ({
    rule: d.rule,
    message: d.message,
    subgraph: 0,
    ...(d.op && index.has(d.op as AnyOp) ? { operator: index.get(d.op as AnyOp)! } : {}),
  }));
  // The reader drops a convolution's unnamed all-zero bias (the emitter's stand-in for "no bias"):
  // its parameters must still obey the bias rule, so check them from the file.
  graph.ops.forEach((op, j) => {
    if ((op.kind !== 'conv_2d' && op.kind !== 'depthwise_conv_2d') || op.inputs.length !== 2) return;
    const b = sg.operators[j].inputs[2];
    if (b === undefined || b < 0) return;
    const type = tensorType(sg.tensors[b]);
    if (!type) return;
    for (const d of biasProblems(op as Op<'conv_2d' | 'depthwise_conv_2d'>, type)) out.push({ rule: d.rule, message: d.message, subgraph: 0, operator: j, tensor: b });
  });
  return out;
}

/** IR dtypes by TFLite type name. */
const DTYPE_BY_NAME: ReadonlyMap<string, DType> = new Map(Object.entries(TENSOR_TYPE_OF).map(([d, t]) => [tensorTypeName(t), d as DType]));

/** A bias tensor of the file as an IR type (enough for the bias rule). */
function tensorType(t: InspectedTensor): TensorType | undefined {
  const dtype = DTYPE_BY_NAME.get(t.dtype);
  if (!dtype) return undefined;
  const q = t.quantization;
  if (!q || q.scale.length === 0) return { dtype, shape: t.shape };
  const perAxis = q.scale.length > 1 || q.quantizedDimension !== 0;
  return { dtype, shape: t.shape, quant: { scale: q.scale, zeroPoint: q.zeroPoint, ...(perAxis ? { axis: q.quantizedDimension } : {}) } };
}
