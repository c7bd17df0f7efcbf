import { allocate, unsupported, type DType, type Op, type OpKind, type QuantParams, type TensorType, type TypedArray, type Unsupported, type Value } from '@octet/ir';
import type { Builder } from 'flatbuffers';
import { ACTIVATION_OF, PADDING_OF } from './enums.ts';
import {
  AddOptions,
  BuiltinOperator as B,
  BuiltinOptions as O,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  DequantizeOptions,
  DivOptions,
  FullyConnectedOptions,
  MaximumMinimumOptions,
  MulOptions,
  PadOptions,
  Pool2DOptions,
  QuantizeOptions,
  ReducerOptions,
  ResizeNearestNeighborOptions,
  SoftmaxOptions,
  SubOptions,
  TransposeOptions,
  type Offset,
} from './generated/tflite.ts';

/**
 * A constant the emitter makes: an attribute as TFLite's operand (reshape's shape, mean's axes,
 * ...) or the zero bias TFLite's convolutions require. Equal params share one tensor.
 */
export interface Param {
  readonly param: TensorType;
  readonly data: TypedArray;
}

/** One TFLite operand: an IR value, a constant the emitter makes, or absent (−1). */
export type Operand = Value | Param | null;

/** How one IR op kind becomes a TFLite operator. */
export interface EmitRule<K extends OpKind> {
  readonly code: number;
  /** TFLite's operands in order; by default the op's inputs, padded with −1 up to `arity`. */
  readonly operands?: (op: Op<K>) => Operand[];
  /** Operand count TFLite expects when trailing optional operands are absent (written as −1). */
  readonly arity?: number;
  /** The builtin options table; omitted for ops without one. */
  readonly options?: { readonly type: number; readonly build: (b: Builder, op: Op<K>) => Offset };
  /** The operator version, TensorFlow's rule for this op restricted to what Octet writes. */
  readonly version: (op: Op<K>) => number;
}

export type EmitTable = { readonly [K in OpKind]: EmitRule<K> | Unsupported };

const dt = (v: Value | undefined): DType | undefined => v?.type.dtype;
const isPerAxis = (v: Value | undefined): boolean => v?.type.quant?.axis !== undefined;
const int32 = (shape: readonly number[], data: readonly number[]): Param => ({ param: { dtype: 'int32', shape: [...shape] }, data: Int32Array.from(data) });

/**
 * The zero bias of a convolution that has none: TFLite's CONV_2D kernel refuses to run without a
 * bias tensor (neither −1 nor two operands), and TensorFlow's converter always writes one. Its type
 * follows the TFLite spec: float32 for float (and hybrid) ops; for int8 ops int32 with scale
 * s_in·s_w[c] and zero point 0 (int64 for int16 activations). The reader drops an unnamed all-zero
 * bias again, so the IR round trip keeps "no bias".
 */
function zeroBias(op: Op<'conv_2d' | 'depthwise_conv_2d'>): Param {
  const [x, w] = op.inputs;
  const channels = w.type.shape[op.kind === 'conv_2d' ? 0 : 3];
  const shape = [channels];
  const xt = x.type.dtype;
  if (xt === 'int8' || xt === 'uint8' || xt === 'int16') {
    const dtype = xt === 'int16' ? ('int64' as const) : ('int32' as const);
    const [sx, sw] = [x.type.quant?.scale, w.type.quant?.scale];
    const quant: QuantParams | undefined =
      sx && sw ? { scale: sw.map((s) => Math.fround(sx[0] * s)), zeroPoint: sw.map(() => 0), ...(w.type.quant!.axis !== undefined ? { axis: 0 } : {}) } : undefined;
    return { param: { dtype, shape, ...(quant ? { quant } : {}) }, data: allocate(dtype, channels) };
  }
  return { param: { dtype: xt, shape }, data: allocate(xt, channels) };
}
const emptyOptions = (table: { start(b: Builder): void; end(b: Builder): Offset }) => (b: Builder) => {
  table.start(b);
  return table.end(b);
};

/** int8 / int16 / otherwise version ladder shared by several ops (pooling, softmax, mean, relu6...). */
const byInputType =
  (v16: number, v8: number) =>
  (op: Op): number =>
    dt(op.inputs[0]) === 'int16' ? v16 : dt(op.inputs[0]) === 'int8' ? v8 : 1;

const conv2d: EmitRule<'conv_2d'> = {
  code: B.CONV_2D,
  operands: (op) => [op.inputs[0], op.inputs[1], op.inputs[2] ?? zeroBias(op)],
  options: {
    type: O.Conv2DOptions,
    build: (b, op) =>
      Conv2DOptions.create(b, {
        padding: PADDING_OF[op.attrs.padding],
        strideW: op.attrs.stride_w,
        strideH: op.attrs.stride_h,
        fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation],
        dilationWFactor: op.attrs.dilation_w,
        dilationHFactor: op.attrs.dilation_h,
      }),
  },
  version(op) {
    const [x, w] = op.inputs;
    const y = op.outputs[0];
    if (dt(x) === 'int8' && dt(w) === 'int8' && dt(y) === 'int8') return 3;
    if (dt(x) === 'float32' && dt(w) === 'int8' && dt(y) === 'float32') return w.type.quant?.scale.length === w.type.shape[0] ? 5 : 2;
    return 1;
  },
};

const depthwiseConv2d: EmitRule<'depthwise_conv_2d'> = {
  code: B.DEPTHWISE_CONV_2D,
  operands: (op) => [op.inputs[0], op.inputs[1], op.inputs[2] ?? zeroBias(op)],
  options: {
    type: O.DepthwiseConv2DOptions,
    build: (b, op) =>
      DepthwiseConv2DOptions.create(b, {
        padding: PADDING_OF[op.attrs.padding],
        strideW: op.attrs.stride_w,
        strideH: op.attrs.stride_h,
        depthMultiplier: op.attrs.depth_multiplier,
        fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation],
        dilationWFactor: op.attrs.dilation_w,
        dilationHFactor: op.attrs.dilation_h,
      }),
  },
  version(op) {
    const [x, w] = op.inputs;
    const y = op.outputs[0];
    if (dt(x) === 'float32' && dt(w) === 'int8' && dt(y) === 'float32') return w.type.quant?.scale.length === w.type.shape[3] ? 6 : 4;
    if (dt(x) === 'int8' && dt(w) === 'int8' && dt(y) === 'int8') return 3;
    return op.attrs.dilation_w !== 1 || op.attrs.dilation_h !== 1 ? 2 : 1;
  },
};

const fullyConnected: EmitRule<'fully_connected'> = {
  // Without a bias, TFLite's FULLY_CONNECTED takes −1 as its third operand (as TensorFlow writes it).
  code: B.FULLY_CONNECTED,
  arity: 3,
  options: {
    type: O.FullyConnectedOptions,
    build: (b, op) =>
      FullyConnectedOptions.create(b, {
        fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation],
        keepNumDims: op.attrs.keep_num_dims,
      }),
  },
  version(op) {
    const [x, w] = op.inputs;
    const y = op.outputs[0];
    const hybrid = dt(x) === 'float32' && dt(w) === 'int8' && dt(y) === 'float32';
    if (hybrid && isPerAxis(w)) return 12;
    if (op.attrs.keep_num_dims) return 5;
    if (dt(x) === 'int8' && dt(w) === 'int8' && dt(y) === 'int8') return 4;
    if (hybrid) return 3;
    return 1;
  },
};

const pool = (code: number): EmitRule<'max_pool_2d' | 'average_pool_2d'> => ({
  code,
  options: {
    type: O.Pool2DOptions,
    build: (b, op) =>
      Pool2DOptions.create(b, {
        padding: PADDING_OF[op.attrs.padding],
        strideW: op.attrs.stride_w,
        strideH: op.attrs.stride_h,
        filterWidth: op.attrs.filter_w,
        filterHeight: op.attrs.filter_h,
        fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation],
      }),
  },
  version: (op) => (dt(op.inputs[0]) === 'int16' && dt(op.outputs[0]) === 'int16' ? 3 : dt(op.inputs[0]) === 'int8' ? 2 : 1),
});

/** add / sub / mul: the options table differs, the fused activation is the only field we set. */
const addOptions = (b: Builder, op: Op<'add'>) => AddOptions.create(b, { fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation] });
const subOptions = (b: Builder, op: Op<'sub'>) => SubOptions.create(b, { fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation] });
const mulOptions = (b: Builder, op: Op<'mul'>) => MulOptions.create(b, { fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation] });
const divOptions = (b: Builder, op: Op<'div'>) => DivOptions.create(b, { fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation] });

const broadcastsAbove4 = (op: Op) =>
  op.inputs.length >= 2 &&
  (op.inputs[0].type.shape.length !== op.inputs[1].type.shape.length || op.inputs[0].type.shape.some((d, i) => d !== op.inputs[1].type.shape[i])) &&
  Math.max(...op.inputs.map((v) => v.type.shape.length)) > 4;

/** The emitter's rule for every op kind; IR-only ops must be gone before emission. */
export const EMIT_RULES = {
  conv_2d: conv2d,
  depthwise_conv_2d: depthwiseConv2d,
  fully_connected: fullyConnected,
  max_pool_2d: pool(B.MAX_POOL_2D),
  average_pool_2d: pool(B.AVERAGE_POOL_2D),
  mean: {
    code: B.MEAN,
    operands: (op) => [op.inputs[0], int32([op.attrs.axes.length], op.attrs.axes)],
    options: { type: O.ReducerOptions, build: (b, op) => ReducerOptions.create(b, { keepDims: op.attrs.keep_dims }) },
    version: byInputType(3, 2),
  },
  reshape: {
    // The new shape as a constant operand (no ReshapeOptions): what TFLite's kernel reads first.
    code: B.RESHAPE,
    operands: (op) => [op.inputs[0], int32([op.attrs.new_shape.length], op.attrs.new_shape)],
    version: () => 1,
  },
  pad: {
    code: B.PAD,
    operands: (op) => [op.inputs[0], int32([op.attrs.paddings.length / 2, 2], op.attrs.paddings)],
    options: { type: O.PadOptions, build: emptyOptions(PadOptions) },
    version: (op) => (op.inputs[0].type.shape.length > 4 ? 4 : byInputType(3, 2)(op)),
  },
  add: {
    code: B.ADD,
    options: { type: O.AddOptions, build: addOptions },
    version: (op) => (dt(op.inputs[0]) === 'float16' ? 6 : dt(op.inputs[0]) === 'int64' ? 4 : dt(op.inputs[0]) === 'int16' && !op.inputs[0].type.quant ? 5 : dt(op.inputs[0]) === 'int8' ? 2 : 1),
  },
  sub: {
    code: B.SUB,
    options: { type: O.SubOptions, build: subOptions },
    version: (op) => (dt(op.inputs[0]) === 'int64' ? 4 : broadcastsAbove4(op) ? 3 : dt(op.inputs[0]) === 'int8' ? 2 : 1),
  },
  mul: {
    code: B.MUL,
    options: { type: O.MulOptions, build: mulOptions },
    version(op) {
      const [a, c] = op.inputs;
      const y = op.outputs[0];
      if (dt(a) === 'float16') return 8;
      if (dt(a) === 'int16' && !a.type.quant) return 7;
      if (dt(a) === 'int64') return 5;
      if (dt(a) === 'int16') return 4;
      const [sa, sb, sy] = [a.type.quant?.scale[0], c.type.quant?.scale[0], y.type.quant?.scale[0]];
      if (sa && sb && sy && (sa * sb) / sy >= 1) return 3;
      return dt(a) === 'int8' ? 2 : 1;
    },
  },
  div: {
    // Float only in Octet (TFLite has no int8 DIV kernel); version 2 is a broadcast above 4-D.
    code: B.DIV,
    options: { type: O.DivOptions, build: divOptions },
    version: (op) => (broadcastsAbove4(op) ? 2 : 1),
  },
  minimum: {
    code: B.MINIMUM,
    options: { type: O.MaximumMinimumOptions, build: emptyOptions(MaximumMinimumOptions) },
    version: (op) => (dt(op.inputs[0]) === 'int16' && dt(op.outputs[0]) === 'int16' ? 4 : broadcastsAbove4(op) ? 3 : dt(op.inputs[0]) === 'int8' ? 2 : 1),
  },
  concatenation: {
    code: B.CONCATENATION,
    options: {
      type: O.ConcatenationOptions,
      build: (b, op) => ConcatenationOptions.create(b, { axis: op.attrs.axis, fusedActivationFunction: ACTIVATION_OF[op.attrs.fused_activation] }),
    },
    version: byInputType(3, 2),
  },
  relu: { code: B.RELU, version: (op) => (dt(op.inputs[0]) === 'int16' ? 3 : dt(op.inputs[0]) === 'int8' || dt(op.inputs[0]) === 'uint8' ? 2 : 1) },
  relu6: { code: B.RELU6, version: byInputType(3, 2) },
  logistic: { code: B.LOGISTIC, version: (op) => (dt(op.inputs[0]) === 'int16' && dt(op.outputs[0]) === 'int16' ? 3 : dt(op.inputs[0]) === 'int8' ? 2 : 1) },
  tanh: { code: B.TANH, version: (op) => (dt(op.inputs[0]) === 'int16' && dt(op.outputs[0]) === 'int16' ? 3 : dt(op.inputs[0]) === 'int8' ? 2 : 1) },
  softmax: {
    code: B.SOFTMAX,
    options: { type: O.SoftmaxOptions, build: (b, op) => SoftmaxOptions.create(b, { beta: op.attrs.beta }) },
    version: byInputType(3, 2),
  },
  resize_nearest_neighbor: {
    code: B.RESIZE_NEAREST_NEIGHBOR,
    operands: (op) => [op.inputs[0], int32([2], op.attrs.size)],
    options: {
      type: O.ResizeNearestNeighborOptions,
      build: (b, op) => ResizeNearestNeighborOptions.create(b, { alignCorners: op.attrs.align_corners, halfPixelCenters: op.attrs.half_pixel_centers }),
    },
    version: (op) =>
      dt(op.inputs[0]) === 'int16' ? 4 : op.attrs.align_corners || op.attrs.half_pixel_centers ? 3 : dt(op.inputs[0]) === 'int8' ? 2 : 1,
  },
  transpose: {
    code: B.TRANSPOSE,
    operands: (op) => [op.inputs[0], int32([op.attrs.perm.length], op.attrs.perm)],
    options: { type: O.TransposeOptions, build: emptyOptions(TransposeOptions) },
    version(op) {
      const rank = op.inputs[0].type.shape.length;
      const t = dt(op.inputs[0]);
      return rank > 6 ? 8 : rank > 5 ? 6 : t === 'int16' ? 5 : rank > 4 ? 4 : t === 'bool' ? 3 : t === 'int8' ? 2 : 1;
    },
  },
  quantize: {
    code: B.QUANTIZE,
    options: { type: O.QuantizeOptions, build: emptyOptions(QuantizeOptions) },
    version: (op) => (isPerAxis(op.outputs[0]) ? 3 : dt(op.outputs[0]) === 'int16' ? 2 : 1),
  },
  dequantize: {
    code: B.DEQUANTIZE,
    options: { type: O.DequantizeOptions, build: emptyOptions(DequantizeOptions) },
    version(op) {
      const t = dt(op.inputs[0]);
      if (t === 'int16' || t === 'float16') return 3;
      if (t === 'int8') return isPerAxis(op.inputs[0]) ? 5 : 2;
      return 1;
    },
  },
  batch_norm: unsupported('batch_norm exists only inside the compiler: run canonicalization first (fold-batch-norm)'),
  fake_quant: unsupported('fake_quant exists only inside the compiler: run canonicalization first (fold its range into quantization parameters)'),
  identity: unsupported('identity exists only inside the compiler: run canonicalization first (remove-identity)'),
} as const satisfies EmitTable;
