/**
 * Tiny .tflite files built with the flatbuffers builder directly (test-only; the product emitter
 * lives in packages/tflite and is not used here, so these tests check LiteRT, not our emitter).
 * Field ids from tensorflow/lite/schema/schema.fbs; a union takes two ids (type, then value).
 */
import { Builder } from 'flatbuffers';

export const TensorType = { float32: 0, int32: 2, uint8: 3, int8: 9 } as const;
export const Builtin = { ADD: 0, FULLY_CONNECTED: 9, QUANTIZE: 114, DEQUANTIZE: 6, CUSTOM: 32 } as const;
// BuiltinOptions union indices (1-based order of the union's members)
export const Options = { FullyConnectedOptions: 8, AddOptions: 11 } as const;

export interface TensorSpec {
  name: string;
  shape: number[];
  type: keyof typeof TensorType;
  data?: ArrayBufferView;
  quant?: { scale: number[]; zeroPoint: number[]; axis?: number };
  shapeSignature?: number[];
}

export interface OpSpec {
  builtin: number;
  inputs: number[];
  outputs: number[];
  /** BuiltinOptions union type and a table with only `fused_activation_function` (id 0) = NONE. */
  optionsType?: number;
  customCode?: string;
  version?: number;
}

export interface ModelSpec {
  tensors: TensorSpec[];
  ops: OpSpec[];
  inputs: number[];
  outputs: number[];
  /** Write a `serving_default` SignatureDef naming the inputs and outputs after their tensors. */
  signature?: boolean;
}

function intVector(b: Builder, xs: readonly number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]);
  return b.endVector();
}

function offsetVector(b: Builder, xs: readonly number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]);
  return b.endVector();
}

function floatVector(b: Builder, xs: readonly number[]): number {
  b.startVector(4, xs.length, 4);
  for (let i = xs.length - 1; i >= 0; i--) b.addFloat32(xs[i]);
  return b.endVector();
}

function longVector(b: Builder, xs: readonly number[]): number {
  b.startVector(8, xs.length, 8);
  for (let i = xs.length - 1; i >= 0; i--) b.addInt64(BigInt(xs[i]));
  return b.endVector();
}

function bytesVector(b: Builder, bytes: Uint8Array): number {
  b.startVector(1, bytes.length, 16); // Buffer.data is force_align: 16
  for (let i = bytes.length - 1; i >= 0; i--) b.addInt8(bytes[i]);
  return b.endVector();
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const b = new Builder(1024);
  // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
  const bufferOffsets: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  const tensorBuffer: number[] = [];
  for (const t of spec.tensors) {
    if (!t.data) {
      tensorBuffer.push(0);
      continue;
    }
    const data = bytesVector(b, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    tensorBuffer.push(bufferOffsets.length);
    bufferOffsets.push(b.endObject());
  }

  const tensors = spec.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = intVector(b, t.shape);
    const signature = t.shapeSignature ? intVector(b, t.shapeSignature) : 0;
    let quant = 0;
    if (t.quant) {
      const scale = floatVector(b, t.quant.scale);
      const zp = longVector(b, t.quant.zeroPoint);
      b.startObject(7);
      b.addFieldOffset(2, scale, 0);
      b.addFieldOffset(3, zp, 0);
      b.addFieldInt32(6, t.quant.axis ?? 0, 0);
      quant = b.endObject();
    }
    b.startObject(8);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, TensorType[t.type], 0);
    b.addFieldInt32(2, tensorBuffer[i], 0);
    b.addFieldOffset(3, name, 0);
    if (quant) b.addFieldOffset(4, quant, 0);
    if (signature) b.addFieldOffset(7, signature, 0);
    return b.endObject();
  });

  // One OperatorCode per distinct (builtin, custom code).
  const codeKeys: string[] = [];
  const opcodeIndex = spec.ops.map((op) => {
    const key = `${op.builtin}/${op.customCode ?? ''}/${op.version ?? 1}`;
    if (!codeKeys.includes(key)) codeKeys.push(key);
    return codeKeys.indexOf(key);
  });
  const codes = codeKeys.map((key) => {
    const [builtin, custom, version] = key.split('/');
    const customOff = custom ? b.createString(custom) : 0;
    b.startObject(4);
    b.addFieldInt8(0, Math.min(Number(builtin), 127), 0); // deprecated_builtin_code
    if (customOff) b.addFieldOffset(1, customOff, 0);
    b.addFieldInt32(2, Number(version), 1);
    b.addFieldInt32(3, Number(builtin), 0); // builtin_code
    return b.endObject();
  });

  const ops = spec.ops.map((op, i) => {
    const inputs = intVector(b, op.inputs);
    const outputs = intVector(b, op.outputs);
    let options = 0;
    if (op.optionsType) {
      b.startObject(1);
      b.addFieldInt8(0, 0, 0); // fused_activation_function NONE
      options = b.endObject();
    }
    b.startObject(9);
    b.addFieldInt32(0, opcodeIndex[i], 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (op.optionsType) {
      b.addFieldInt8(3, op.optionsType, 0);
      b.addFieldOffset(4, options, 0);
    }
    return b.endObject();
  });

  const sgName = b.createString('main');
  const tensorsVec = offsetVector(b, tensors);
  const inputsVec = intVector(b, spec.inputs);
  const outputsVec = intVector(b, spec.outputs);
  const opsVec = offsetVector(b, ops);
  b.startObject(5);
  b.addFieldOffset(0, tensorsVec, 0);
  b.addFieldOffset(1, inputsVec, 0);
  b.addFieldOffset(2, outputsVec, 0);
  b.addFieldOffset(3, opsVec, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  let signatures = 0;
  if (spec.signature) {
    const tensorMaps = (ids: number[]) =>
      offsetVector(
        b,
        ids.map((id) => {
          const name = b.createString(spec.tensors[id].name);
          b.startObject(2);
          b.addFieldOffset(0, name, 0);
          b.addFieldInt32(1, id, 0);
          return b.endObject();
        }),
      );
    const ins = tensorMaps(spec.inputs);
    const outs = tensorMaps(spec.outputs);
    const key = b.createString('serving_default');
    b.startObject(5);
    b.addFieldOffset(0, ins, 0);
    b.addFieldOffset(1, outs, 0);
    b.addFieldOffset(2, key, 0);
    b.addFieldInt32(4, 0, 0);
    signatures = offsetVector(b, [b.endObject()]);
  }

  const codesVec = offsetVector(b, codes);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const buffersVec = offsetVector(b, bufferOffsets);
  const description = b.createString('octet litert test fixture');
  b.startObject(8);
  b.addFieldInt32(0, 3, 0); // schema version
  b.addFieldOffset(1, codesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  if (signatures) b.addFieldOffset(7, signatures, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** y = x + c, float32 [1, 4], c constant. */
export function addModel(c: number[], signature = true): Uint8Array {
  return buildModel({
    tensors: [
      { name: 'x', shape: [1, 4], type: 'float32' },
      { name: 'c', shape: [1, 4], type: 'float32', data: new Float32Array(c) },
      { name: 'y', shape: [1, 4], type: 'float32' },
    ],
    ops: [{ builtin: Builtin.ADD, inputs: [0, 1], outputs: [2], optionsType: Options.AddOptions }],
    inputs: [0],
    outputs: [2],
    signature,
  });
}

/** y = W x + b, float32, x [1, 3], W [2, 3] (TFLite's [out, in]), b [2]. */
export function fcModel(w: number[], bias: number[]): Uint8Array {
  return buildModel({
    tensors: [
      { name: 'x', shape: [1, 3], type: 'float32' },
      { name: 'w', shape: [2, 3], type: 'float32', data: new Float32Array(w) },
      { name: 'b', shape: [2], type: 'float32', data: new Float32Array(bias) },
      { name: 'y', shape: [1, 2], type: 'float32' },
    ],
    ops: [{ builtin: Builtin.FULLY_CONNECTED, inputs: [0, 1, 2], outputs: [3], optionsType: Options.FullyConnectedOptions }],
    inputs: [0],
    outputs: [3],
    signature: true,
  });
}

export interface QuantFcOverrides {
  xq?: Partial<TensorSpec>;
  w?: Partial<TensorSpec>;
  b?: Partial<TensorSpec>;
  yq?: Partial<TensorSpec>;
}

/**
 * float x [1, 3] → QUANTIZE (s 0.5, zp 0) → int8 FULLY_CONNECTED (w [[1,2,3],[4,5,6]] · 0.25 per
 * channel, bias [4, −8] · 0.125 int32) → y int8 (s 0.5, zp 0) → DEQUANTIZE → float [1, 2].
 * Each tensor's fields can be overridden to break it.
 */
export function quantFcModel(over: QuantFcOverrides = {}): Uint8Array {
  const tensors: TensorSpec[] = [
    { name: 'x', shape: [1, 3], type: 'float32' },
    { name: 'xq', shape: [1, 3], type: 'int8', quant: { scale: [0.5], zeroPoint: [0] }, ...over.xq },
    { name: 'w', shape: [2, 3], type: 'int8', data: new Int8Array([1, 2, 3, 4, 5, 6]), quant: { scale: [0.25, 0.25], zeroPoint: [0, 0], axis: 0 }, ...over.w },
    { name: 'b', shape: [2], type: 'int32', data: new Int32Array([4, -8]), quant: { scale: [0.125, 0.125], zeroPoint: [0, 0], axis: 0 }, ...over.b },
    { name: 'yq', shape: [1, 2], type: 'int8', quant: { scale: [0.5], zeroPoint: [0] }, ...over.yq },
    { name: 'y', shape: [1, 2], type: 'float32' },
  ];
  return buildModel({
    tensors,
    ops: [
      { builtin: Builtin.QUANTIZE, inputs: [0], outputs: [1] },
      { builtin: Builtin.FULLY_CONNECTED, inputs: [1, 2, 3], outputs: [4], optionsType: Options.FullyConnectedOptions, version: 4 },
      { builtin: Builtin.DEQUANTIZE, inputs: [4], outputs: [5] },
    ],
    inputs: [0],
    outputs: [5],
    signature: true,
  });
}

/** y = x + c on quantized [1, 4] tensors of `type` (int8 or uint8) with the given zero point. */
export function quantAddModel(type: 'int8' | 'uint8', zp: number, c: number[]): Uint8Array {
  const q = (scale: number) => ({ scale: [scale], zeroPoint: [zp] });
  const data = type === 'int8' ? new Int8Array(c) : new Uint8Array(c);
  return buildModel({
    tensors: [
      { name: 'x', shape: [1, 4], type, quant: q(0.5) },
      { name: 'c', shape: [1, 4], type, data, quant: q(0.5) },
      { name: 'y', shape: [1, 4], type, quant: q(1) },
    ],
    ops: [{ builtin: Builtin.ADD, inputs: [0, 1], outputs: [2], optionsType: Options.AddOptions }],
    inputs: [0],
    outputs: [2],
    signature: true,
  });
}
