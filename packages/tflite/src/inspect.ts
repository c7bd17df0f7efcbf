import { builtinName, tensorTypeName } from './enums.ts';
import {
  ActivationFunctionTypeNames,
  AddOptions,
  BuiltinOperator,
  BuiltinOptions as O,
  BuiltinOptionsNames,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  DivOptions,
  FullyConnectedOptions,
  MulOptions,
  PaddingNames,
  Pool2DOptions,
  ReducerOptions,
  ReshapeOptions,
  ResizeNearestNeighborOptions,
  SoftmaxOptions,
  SqueezeOptions,
  SubOptions,
  type Operator,
} from './generated/tflite.ts';
import { bufferBytes, loadModel } from './model.ts';
import { MIN_RUNTIME_VERSION_KEY } from './emit.ts';

/** A tensor as the file stores it. */
export interface InspectedTensor {
  index: number;
  name: string | null;
  /** TFLite's type name: FLOAT32, INT8, ... */
  dtype: string;
  shape: number[];
  /** Present when the file stores one (−1 marks a dynamic dimension). */
  shapeSignature?: number[];
  buffer: number;
  /** Bytes of constant data (0 for activations). */
  bufferSize: number;
  quantization?: { scale: number[]; zeroPoint: number[]; quantizedDimension: number; min?: number[]; max?: number[] };
  isVariable: boolean;
  sparse: boolean;
}

export type OptionValue = number | boolean | string | number[];

/** An operator as the file stores it. */
export interface InspectedOperator {
  index: number;
  opcodeIndex: number;
  /** The builtin's name, or the custom op's code. */
  op: string;
  builtinCode: number;
  customCode?: string;
  version: number;
  /** Tensor indices; −1 marks an absent optional operand. */
  inputs: number[];
  outputs: number[];
  /** The builtin options union member, decoded when Octet knows the table. */
  options?: { type: string; fields?: Record<string, OptionValue> };
  customOptionsSize?: number;
}

export interface InspectedSubgraph {
  index: number;
  name: string | null;
  inputs: number[];
  outputs: number[];
  tensors: InspectedTensor[];
  operators: InspectedOperator[];
}

export interface InspectedModel {
  /** Bytes of the file. */
  size: number;
  version: number;
  description: string | null;
  operatorCodes: { builtinCode: number; deprecatedBuiltinCode: number; name: string; customCode?: string; version: number }[];
  subgraphs: InspectedSubgraph[];
  buffers: { index: number; size: number; external?: { offset: number; size: number } }[];
  metadata: { name: string | null; buffer: number; value?: string }[];
  signatures: { key: string | null; subgraphIndex: number; inputs: { name: string | null; tensorIndex: number }[]; outputs: { name: string | null; tensorIndex: number }[] }[];
}

const act = (c: number) => ActivationFunctionTypeNames[c] ?? c;
const pad = (c: number) => PaddingNames[c] ?? c;

/** Decoders of the options tables in our schema, by union index: field names as TFLite spells them. */
const OPTION_FIELDS: Readonly<Record<number, (op: Operator) => Record<string, OptionValue> | null>> = {
  [O.Conv2DOptions]: (op) => {
    const o = op.builtinOptions(new Conv2DOptions());
    return o && { padding: pad(o.padding()), stride_w: o.strideW(), stride_h: o.strideH(), fused_activation_function: act(o.fusedActivationFunction()), dilation_w_factor: o.dilationWFactor(), dilation_h_factor: o.dilationHFactor() };
  },
  [O.DepthwiseConv2DOptions]: (op) => {
    const o = op.builtinOptions(new DepthwiseConv2DOptions());
    return o && { padding: pad(o.padding()), stride_w: o.strideW(), stride_h: o.strideH(), depth_multiplier: o.depthMultiplier(), fused_activation_function: act(o.fusedActivationFunction()), dilation_w_factor: o.dilationWFactor(), dilation_h_factor: o.dilationHFactor() };
  },
  [O.Pool2DOptions]: (op) => {
    const o = op.builtinOptions(new Pool2DOptions());
    return o && { padding: pad(o.padding()), stride_w: o.strideW(), stride_h: o.strideH(), filter_width: o.filterWidth(), filter_height: o.filterHeight(), fused_activation_function: act(o.fusedActivationFunction()) };
  },
  [O.FullyConnectedOptions]: (op) => {
    const o = op.builtinOptions(new FullyConnectedOptions());
    return o && { fused_activation_function: act(o.fusedActivationFunction()), weights_format: o.weightsFormat(), keep_num_dims: o.keepNumDims(), asymmetric_quantize_inputs: o.asymmetricQuantizeInputs() };
  },
  [O.SoftmaxOptions]: (op) => {
    const o = op.builtinOptions(new SoftmaxOptions());
    return o && { beta: o.beta() };
  },
  [O.ConcatenationOptions]: (op) => {
    const o = op.builtinOptions(new ConcatenationOptions());
    return o && { axis: o.axis(), fused_activation_function: act(o.fusedActivationFunction()) };
  },
  [O.AddOptions]: (op) => {
    const o = op.builtinOptions(new AddOptions());
    return o && { fused_activation_function: act(o.fusedActivationFunction()), pot_scale_int16: o.potScaleInt16() };
  },
  [O.SubOptions]: (op) => {
    const o = op.builtinOptions(new SubOptions());
    return o && { fused_activation_function: act(o.fusedActivationFunction()), pot_scale_int16: o.potScaleInt16() };
  },
  [O.MulOptions]: (op) => {
    const o = op.builtinOptions(new MulOptions());
    return o && { fused_activation_function: act(o.fusedActivationFunction()) };
  },
  [O.DivOptions]: (op) => {
    const o = op.builtinOptions(new DivOptions());
    return o && { fused_activation_function: act(o.fusedActivationFunction()) };
  },
  [O.ReshapeOptions]: (op) => {
    const o = op.builtinOptions(new ReshapeOptions());
    return o && { new_shape: Array.from(o.newShapeArray() ?? []) };
  },
  [O.ReducerOptions]: (op) => {
    const o = op.builtinOptions(new ReducerOptions());
    return o && { keep_dims: o.keepDims() };
  },
  [O.SqueezeOptions]: (op) => {
    const o = op.builtinOptions(new SqueezeOptions());
    return o && { squeeze_dims: Array.from(o.squeezeDimsArray() ?? []) };
  },
  [O.ResizeNearestNeighborOptions]: (op) => {
    const o = op.builtinOptions(new ResizeNearestNeighborOptions());
    return o && { align_corners: o.alignCorners(), half_pixel_centers: o.halfPixelCenters() };
  },
};

/**
 * The raw structure of a .tflite file (for `octet inspect`): every subgraph, operator, tensor
 * (name, type, shape, scales, zero points, quantized dimension), buffer size, metadata entry and
 * signature, without interpreting them as IR. Works on files the reader refuses (custom ops,
 * unknown builtins, several subgraphs); malformed bytes are a TfliteFormatError.
 */
export function inspect(bytes: Uint8Array): InspectedModel {
  const model = loadModel(bytes);
  const operatorCodes = Array.from({ length: model.operatorCodesLength() }, (_, i) => {
    const c = model.operatorCodes(i)!;
    const code = Math.max(c.builtinCode(), c.deprecatedBuiltinCode());
    const custom = c.customCode();
    return {
      builtinCode: code,
      deprecatedBuiltinCode: c.deprecatedBuiltinCode(),
      name: code === BuiltinOperator.CUSTOM ? (custom ?? 'CUSTOM') : builtinName(code),
      ...(custom !== null ? { customCode: custom } : {}),
      version: c.version(),
    };
  });
  const buffers = Array.from({ length: model.buffersLength() }, (_, i) => {
    const b = model.buffers(i)!;
    const offset = b.offset();
    if (offset > 1n) return { index: i, size: Number(b.size()), external: { offset: Number(offset), size: Number(b.size()) } };
    return { index: i, size: b.dataLength() };
  });
  const subgraphs = Array.from({ length: model.subgraphsLength() }, (_, s): InspectedSubgraph => {
    const sg = model.subgraphs(s)!;
    const tensors = Array.from({ length: sg.tensorsLength() }, (_, i): InspectedTensor => {
      const t = sg.tensors(i)!;
      const q = t.quantization();
      const sig = t.shapeSignatureArray();
      const out: InspectedTensor = {
        index: i,
        name: t.name(),
        dtype: tensorTypeName(t.type()),
        shape: Array.from(t.shapeArray() ?? []),
        buffer: t.buffer(),
        bufferSize: buffers[t.buffer()]?.size ?? 0,
        isVariable: t.isVariable(),
        sparse: t.sparsity() !== null,
      };
      if (sig) out.shapeSignature = Array.from(sig);
      if (q && (q.scaleLength() || q.minLength() || q.maxLength())) {
        out.quantization = {
          scale: Array.from(q.scaleArray() ?? []),
          zeroPoint: Array.from(q.zeroPointArray() ?? [], Number),
          quantizedDimension: q.quantizedDimension(),
          ...(q.minLength() ? { min: Array.from(q.minArray()!) } : {}),
          ...(q.maxLength() ? { max: Array.from(q.maxArray()!) } : {}),
        };
      }
      return out;
    });
    const operators = Array.from({ length: sg.operatorsLength() }, (_, j): InspectedOperator => {
      const op = sg.operators(j)!;
      const code = operatorCodes[op.opcodeIndex()];
      const out: InspectedOperator = {
        index: j,
        opcodeIndex: op.opcodeIndex(),
        op: code?.name ?? `<operator code ${op.opcodeIndex()} missing>`,
        builtinCode: code?.builtinCode ?? -1,
        version: code?.version ?? 0,
        inputs: Array.from(op.inputsArray() ?? []),
        outputs: Array.from(op.outputsArray() ?? []),
      };
      if (code?.customCode !== undefined) out.customCode = code.customCode;
      const type = op.builtinOptionsType();
      if (type !== 0) {
        const fields = OPTION_FIELDS[type]?.(op) ?? undefined;
        out.options = { type: BuiltinOptionsNames[type] ?? `BuiltinOptions ${type}`, ...(fields ? { fields } : {}) };
      }
      const custom = op.customOptionsLength() || Number(op.largeCustomOptionsSize());
      if (custom) out.customOptionsSize = custom;
      return out;
    });
    return { index: s, name: sg.name(), inputs: Array.from(sg.inputsArray() ?? []), outputs: Array.from(sg.outputsArray() ?? []), tensors, operators };
  });
  const metadata = Array.from({ length: model.metadataLength() }, (_, i) => {
    const m = model.metadata(i)!;
    const entry: InspectedModel['metadata'][number] = { name: m.name(), buffer: m.buffer() };
    if (m.name() === MIN_RUNTIME_VERSION_KEY && m.buffer() < model.buffersLength()) {
      const raw = bufferBytes(bytes, model.buffers(m.buffer())!, m.buffer());
      const end = raw.indexOf(0);
      entry.value = new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
    }
    return entry;
  });
  const signatures = Array.from({ length: model.signatureDefsLength() }, (_, i) => {
    const s = model.signatureDefs(i)!;
    const maps = (len: number, get: (k: number) => { name(): string | null; tensorIndex(): number }) =>
      Array.from({ length: len }, (_, k) => ({ name: get(k).name(), tensorIndex: get(k).tensorIndex() }));
    return {
      key: s.signatureKey(),
      subgraphIndex: s.subgraphIndex(),
      inputs: maps(s.inputsLength(), (k) => s.inputs(k)!),
      outputs: maps(s.outputsLength(), (k) => s.outputs(k)!),
    };
  });
  return { size: bytes.length, version: model.version(), description: model.description(), operatorCodes, subgraphs, buffers, metadata, signatures };
}
