import { isUnsupported, printType, verify, type AnyOp, type Graph, type Op, type TypedArray, type Value } from '@octet/ir';
import { Builder } from 'flatbuffers';
import { EMIT_RULES, type EmitRule, type Operand, type Param } from './emit-ops.ts';
import { TENSOR_TYPE_OF } from './enums.ts';
import { TfliteFormatError } from './errors.ts';
import {
  BuiltinOperator,
  Buffer as FbBuffer,
  Metadata,
  Model,
  Operator,
  OperatorCode,
  QuantizationParameters,
  SignatureDef,
  SubGraph,
  Tensor,
  TensorMap,
  type Offset,
} from './generated/tflite.ts';
import { minRuntimeVersion } from './versions.ts';

/** TFLite schema version written in Model.version. */
export const SCHEMA_VERSION = 3;
export const SIGNATURE_KEY = 'serving_default';
export const MIN_RUNTIME_VERSION_KEY = 'min_runtime_version';
/** Bytes of the `min_runtime_version` buffer: the version string, NUL-padded, as TensorFlow writes it. */
const RUNTIME_VERSION_BYTES = 16;
const DESCRIPTION = 'Octet';

/** The alias of an output in the serving signature: its value's name, else `output_<i>`. */
export function outputAlias(v: Value, i: number): string {
  return v.name ?? `output_${i}`;
}

/** What the emitter lays out before building: tensors in order, each constant with its buffer. */
interface TensorSlot {
  type: Value['type'];
  name?: string;
  data?: Uint8Array;
}

/**
 * Writes a graph as .tflite bytes. The graph must verify for emission (static shapes, no IR-only
 * ops). The same graph always gives the same bytes: tensors are numbered graph inputs first, then in
 * op order (constant operands on first use, then results), buffers follow tensors, operator codes
 * follow first use, and nothing depends on time or on map iteration of unordered data.
 */
export function emit(graph: Graph): Uint8Array {
  verify(graph, { forEmission: true });

  const slots: TensorSlot[] = [];
  const index = new Map<Value, number>();
  const params = new Map<string, number>(); // params shared by type and content
  const tensorOf = (v: Value): number => {
    let i = index.get(v);
    if (i === undefined) {
      i = slots.length;
      index.set(v, i);
      const slot: TensorSlot = { type: v.type };
      if (v.name !== undefined) slot.name = v.name;
      if (v.data) slot.data = bytesOf(v.data);
      else if (v.elided !== undefined) throw new TfliteFormatError(`constant ${v.name ? `'${v.name}' ` : ''}has no data (printed in elided form): emit from a graph that holds its constants`);
      slots.push(slot);
    }
    return i;
  };
  const paramOf = (p: Param): number => {
    const key = `${printType(p.param)}:${p.data.join(',')}`;
    let i = params.get(key);
    if (i === undefined) {
      i = slots.length;
      params.set(key, i);
      slots.push({ type: p.param, data: bytesOf(p.data) });
    }
    return i;
  };
  const operandIndex = (o: Operand): number => (o === null ? -1 : isValue(o) ? tensorOf(o) : paramOf(o));

  for (const v of graph.inputs) tensorOf(v);

  interface OpLayout {
    code: number;
    version: number;
    inputs: number[];
    outputs: number[];
    op: AnyOp;
    rule: EmitRule<never>;
  }
  const ops: OpLayout[] = [];
  for (const op of graph.ops) {
    const entry = EMIT_RULES[op.kind];
    if (isUnsupported(entry)) throw new TfliteFormatError(`'${op.kind}' op${op.loc ? ` (from '${op.loc}')` : ''} cannot be written to TFLite: ${entry.unsupported}`);
    const rule = entry as EmitRule<typeof op.kind>;
    const operands: Operand[] = rule.operands ? (rule.operands as (o: Op) => Operand[])(op) : [...op.inputs];
    while (rule.arity !== undefined && operands.length < rule.arity) operands.push(null);
    const inputs = operands.map(operandIndex);
    const outputs = op.outputs.map(tensorOf);
    ops.push({ code: rule.code, version: (rule.version as (o: Op) => number)(op), inputs, outputs, op, rule: rule as EmitRule<never> });
  }
  const outputs = graph.outputs.map(tensorOf);

  // One operator code per builtin, at the highest version any of its ops needs (as TensorFlow does).
  const codes: { code: number; version: number }[] = [];
  const codeIndex = new Map<number, number>();
  for (const o of ops) {
    const i = codeIndex.get(o.code);
    if (i === undefined) {
      codeIndex.set(o.code, codes.length);
      codes.push({ code: o.code, version: o.version });
    } else codes[i].version = Math.max(codes[i].version, o.version);
  }

  const b = new Builder(1024 + slots.reduce((n, s) => n + (s.data?.length ?? 0) + 64, 0));

  // Buffers first: built back to front, their data ends up at the end of the file, 16-byte aligned.
  const bufferOf: number[] = []; // slot -> buffer index
  const bufferData: Offset[] = [];
  let nextBuffer = 1; // buffer 0 is the empty sentinel
  for (let i = 0; i < slots.length; i++) {
    const data = slots[i].data;
    if (!data || data.length === 0) {
      bufferOf.push(0);
      continue;
    }
    bufferOf.push(nextBuffer++);
    bufferData.push(FbBuffer.createDataVector(b, data));
  }
  const version = minRuntimeVersion(codes);
  const versionBytes = new Uint8Array(RUNTIME_VERSION_BYTES);
  versionBytes.set(new TextEncoder().encode(version).subarray(0, RUNTIME_VERSION_BYTES - 1));
  const versionData = FbBuffer.createDataVector(b, versionBytes);
  const versionBuffer = nextBuffer;

  const buffers = [FbBuffer.create(b, {}), ...bufferData.map((data) => FbBuffer.create(b, { data })), FbBuffer.create(b, { data: versionData })];

  // Shared strings (a tensor's name again in the signature); flatbuffers' sharing skips '' (offset 0 = absent).
  const str = (s: string) => (s === '' ? b.createString(s) : b.createSharedString(s));
  const tensors = slots.map((s, i) => {
    const name = s.name !== undefined ? str(s.name) : undefined;
    const shape = Tensor.createShapeVector(b, s.type.shape);
    const quantization = s.type.quant ? quantizationOf(b, s.type.quant) : undefined;
    return Tensor.create(b, {
      shape,
      type: TENSOR_TYPE_OF[s.type.dtype],
      ...(bufferOf[i] ? { buffer: bufferOf[i] } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(quantization !== undefined ? { quantization } : {}),
    });
  });

  const operators = ops.map((o) => {
    const inputs = Operator.createInputsVector(b, o.inputs);
    const outs = Operator.createOutputsVector(b, o.outputs);
    const options = o.rule.options ? { builtinOptionsType: o.rule.options.type, builtinOptions: (o.rule.options.build as (b: Builder, op: Op) => Offset)(b, o.op) } : {};
    return Operator.create(b, { opcodeIndex: codeIndex.get(o.code)!, inputs, outputs: outs, ...options });
  });

  const inputIdx = graph.inputs.map((v) => index.get(v)!);
  const subgraph = SubGraph.create(b, {
    tensors: SubGraph.createTensorsVector(b, tensors),
    inputs: SubGraph.createInputsVector(b, inputIdx),
    outputs: SubGraph.createOutputsVector(b, outputs),
    operators: SubGraph.createOperatorsVector(b, operators),
    name: str(graph.name),
  });

  const operatorCodes = codes.map((c) =>
    OperatorCode.create(b, {
      deprecatedBuiltinCode: Math.min(c.code, BuiltinOperator.PLACEHOLDER_FOR_GREATER_OP_CODES),
      builtinCode: c.code,
      version: c.version,
    }),
  );

  const tensorMap = (name: string, tensorIndex: number) => TensorMap.create(b, { name: str(name), tensorIndex });
  const signature = SignatureDef.create(b, {
    inputs: SignatureDef.createInputsVector(
      b,
      graph.inputs.map((v, i) => tensorMap(v.name ?? `input_${i}`, inputIdx[i])),
    ),
    outputs: SignatureDef.createOutputsVector(
      b,
      graph.outputs.map((v, i) => tensorMap(outputAlias(v, i), outputs[i])),
    ),
    signatureKey: str(SIGNATURE_KEY),
  });
  const metadata = Metadata.create(b, { name: str(MIN_RUNTIME_VERSION_KEY), buffer: versionBuffer });

  const model = Model.create(b, {
    version: SCHEMA_VERSION,
    operatorCodes: Model.createOperatorCodesVector(b, operatorCodes),
    subgraphs: Model.createSubgraphsVector(b, [subgraph]),
    description: str(DESCRIPTION),
    buffers: Model.createBuffersVector(b, buffers),
    metadata: Model.createMetadataVector(b, [metadata]),
    signatureDefs: Model.createSignatureDefsVector(b, [signature]),
  });
  Model.finish(b, model);
  return b.asUint8Array().slice();
}

function isValue(o: Value | Param): o is Value {
  return !('param' in o);
}

function quantizationOf(b: Builder, q: NonNullable<Value['type']['quant']>): Offset {
  const scale = QuantizationParameters.createScaleVector(b, q.scale);
  const zeroPoint = QuantizationParameters.createZeroPointVector(b, q.zeroPoint.map((z) => BigInt(z)));
  return QuantizationParameters.create(b, { scale, zeroPoint, ...(q.axis !== undefined ? { quantizedDimension: q.axis } : {}) });
}

/** The little-endian bytes of a constant (TFLite buffers are little-endian, as is every JS engine we run on). */
function bytesOf(data: TypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
