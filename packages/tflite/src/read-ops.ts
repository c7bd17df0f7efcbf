import { unsupported, type Activation, type AttrsArg, type OpKind, type TensorType, type Unsupported, type Value } from '@octet/ir';
import type { ByteBuffer } from 'flatbuffers';
import { activationOfCode, paddingOfCode } from './enums.ts';
import {
  AddOptions,
  BuiltinOperator as B,
  BuiltinOptions as O,
  ConcatenationOptions,
  Conv2DOptions,
  DepthwiseConv2DOptions,
  DivOptions,
  FullyConnectedOptions,
  FullyConnectedOptionsWeightsFormat,
  MulOptions,
  Pool2DOptions,
  ReducerOptions,
  ResizeNearestNeighborOptions,
  SoftmaxOptions,
  SubOptions,
} from './generated/tflite.ts';

/** What a read rule sees of one TFLite operator. */
export interface ReadContext {
  /** The operator's inputs; `undefined` where the file has −1 (an absent optional operand). */
  readonly inputs: readonly (Value | undefined)[];
  /** The types of the operator's outputs, as the file declares them. */
  readonly outputs: readonly TensorType[];
  /** The builtin options as `table`, or null when the file has none (TFLite then uses zeroed defaults). */
  options<T extends { __init(i: number, bb: ByteBuffer): T }>(table: new () => T): T | null;
  /** Input `i`, which must be present. */
  input(i: number, what: string): Value;
  /** The integer contents of constant input `i` (int32 or int64), e.g. reshape's shape or mean's axes. */
  ints(i: number, what: string): number[];
  /** Throws a TfliteFormatError naming the operator. */
  fail(problem: string): never;
}

export interface ReadResult<K extends OpKind> {
  inputs: Value[];
  attrs: AttrsArg<K>;
}

/** How one IR op kind is read back from its TFLite builtin. */
export interface ReadRule<K extends OpKind> {
  readonly code: number;
  /** The builtin options union member the op carries (a file may omit it). */
  readonly optionsType?: number;
  readonly read: (ctx: ReadContext) => ReadResult<K>;
}

export type ReadTable = { readonly [K in OpKind]: ReadRule<K> | Unsupported };

function activation(ctx: ReadContext, code: number): Activation {
  const a = activationOfCode(code);
  if (a === undefined) ctx.fail(`uses fused activation ${code === 4 ? 'TANH' : code === 5 ? 'SIGN_BIT' : code}, which Octet does not support (none, relu, relu6, relu_n1_to_1)`);
  return a;
}

function padding(ctx: ReadContext, code: number): 'same' | 'valid' {
  const p = paddingOfCode(code);
  if (p === undefined) ctx.fail(`has unknown padding ${code}`);
  return p;
}

/** The operands an op keeps in the IR: the required ones, then optional ones while present. */
function operands(ctx: ReadContext, required: number, optional = 0): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < required; i++) out.push(ctx.input(i, `operand ${i}`));
  for (let i = required; i < required + optional; i++) {
    const v = ctx.inputs[i];
    if (!v) break;
    out.push(v);
  }
  for (let i = out.length; i < ctx.inputs.length; i++) if (ctx.inputs[i]) ctx.fail(`has ${ctx.inputs.length} operands, Octet reads ${required + optional} (operand ${i} follows an absent one or is extra)`);
  return out;
}

/** An unnamed constant of zeros (bit for bit): the bias the emitter writes for a convolution without one. */
function isZeroBias(v: Value | undefined): boolean {
  if (!v?.data || v.name !== undefined) return false;
  return new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength).every((b) => b === 0);
}

/** A convolution's operands: input, filter, and the bias unless it is the emitter's zero bias. */
function convOperands(ctx: ReadContext): Value[] {
  const inputs = operands(ctx, 2, 1);
  return inputs.length === 3 && isZeroBias(inputs[2]) ? inputs.slice(0, 2) : inputs;
}

const elementwise = (code: number, optionsType: number, table: new () => AddOptions | SubOptions | MulOptions | DivOptions): ReadRule<'add' | 'sub' | 'mul' | 'div'> => ({
  code,
  optionsType,
  read: (ctx) => ({
    inputs: operands(ctx, 2),
    attrs: { fused_activation: activation(ctx, ctx.options(table)?.fusedActivationFunction() ?? 0) },
  }),
});

const pool = (code: number): ReadRule<'max_pool_2d' | 'average_pool_2d'> => ({
  code,
  optionsType: O.Pool2DOptions,
  read(ctx) {
    const o = ctx.options(Pool2DOptions);
    return {
      inputs: operands(ctx, 1),
      attrs: {
        padding: padding(ctx, o?.padding() ?? 0),
        stride_h: o?.strideH() ?? 0,
        stride_w: o?.strideW() ?? 0,
        filter_h: o?.filterHeight() ?? 0,
        filter_w: o?.filterWidth() ?? 0,
        fused_activation: activation(ctx, o?.fusedActivationFunction() ?? 0),
      },
    };
  },
});

const noOptions = (code: number): ReadRule<'relu' | 'relu6' | 'logistic' | 'tanh' | 'quantize' | 'dequantize'> => ({
  code,
  read: (ctx) => ({ inputs: operands(ctx, 1), attrs: {} }),
});

/** The reader's rule for every op kind: which builtin it comes from and how its operands and options map back. */
export const READ_RULES = {
  conv_2d: {
    code: B.CONV_2D,
    optionsType: O.Conv2DOptions,
    read(ctx) {
      const o = ctx.options(Conv2DOptions);
      return {
        inputs: convOperands(ctx),
        attrs: {
          padding: padding(ctx, o?.padding() ?? 0),
          stride_h: o?.strideH() ?? 0,
          stride_w: o?.strideW() ?? 0,
          dilation_h: o?.dilationHFactor() ?? 1,
          dilation_w: o?.dilationWFactor() ?? 1,
          fused_activation: activation(ctx, o?.fusedActivationFunction() ?? 0),
        },
      };
    },
  },
  depthwise_conv_2d: {
    code: B.DEPTHWISE_CONV_2D,
    optionsType: O.DepthwiseConv2DOptions,
    read(ctx) {
      const o = ctx.options(DepthwiseConv2DOptions);
      const inputs = convOperands(ctx);
      // TFLite ignores the stored depth_multiplier (old files hold 0 or a stale value): the
      // multiplier is the filter's channels over the input's.
      const c = inputs[0].type.shape[3];
      const cm = inputs[1].type.shape[3];
      if (!(c > 0) || cm % c !== 0) ctx.fail(`has a filter of ${cm} channels for ${c} input channels: not a multiple`);
      return {
        inputs,
        attrs: {
          padding: padding(ctx, o?.padding() ?? 0),
          stride_h: o?.strideH() ?? 0,
          stride_w: o?.strideW() ?? 0,
          dilation_h: o?.dilationHFactor() ?? 1,
          dilation_w: o?.dilationWFactor() ?? 1,
          depth_multiplier: cm / c,
          fused_activation: activation(ctx, o?.fusedActivationFunction() ?? 0),
        },
      };
    },
  },
  fully_connected: {
    code: B.FULLY_CONNECTED,
    optionsType: O.FullyConnectedOptions,
    read(ctx) {
      const o = ctx.options(FullyConnectedOptions);
      if (o && o.weightsFormat() !== FullyConnectedOptionsWeightsFormat.DEFAULT) ctx.fail(`stores its weights shuffled (format ${o.weightsFormat()}): only the default layout is supported`);
      if (o?.asymmetricQuantizeInputs()) ctx.fail('quantizes its inputs asymmetrically (a hybrid kernel option Octet does not model)');
      return {
        inputs: operands(ctx, 2, 1),
        attrs: { fused_activation: activation(ctx, o?.fusedActivationFunction() ?? 0), keep_num_dims: o?.keepNumDims() ?? false },
      };
    },
  },
  max_pool_2d: pool(B.MAX_POOL_2D),
  average_pool_2d: pool(B.AVERAGE_POOL_2D),
  mean: {
    code: B.MEAN,
    optionsType: O.ReducerOptions,
    read: (ctx) => ({
      inputs: [ctx.input(0, 'input')],
      attrs: { axes: ctx.ints(1, 'axes'), keep_dims: ctx.options(ReducerOptions)?.keepDims() ?? false },
    }),
  },
  reshape: {
    // The output's static shape is the new shape; the shape operand (or ReshapeOptions) may hold −1.
    code: B.RESHAPE,
    optionsType: O.ReshapeOptions,
    read: (ctx) => ({ inputs: [ctx.input(0, 'input')], attrs: { new_shape: [...ctx.outputs[0].shape] } }),
  },
  pad: {
    code: B.PAD,
    optionsType: O.PadOptions,
    read: (ctx) => ({ inputs: [ctx.input(0, 'input')], attrs: { paddings: ctx.ints(1, 'paddings') } }),
  },
  add: elementwise(B.ADD, O.AddOptions, AddOptions),
  sub: elementwise(B.SUB, O.SubOptions, SubOptions),
  mul: elementwise(B.MUL, O.MulOptions, MulOptions),
  div: elementwise(B.DIV, O.DivOptions, DivOptions),
  minimum: {
    code: B.MINIMUM,
    optionsType: O.MaximumMinimumOptions,
    read: (ctx) => ({ inputs: operands(ctx, 2), attrs: {} }),
  },
  concatenation: {
    code: B.CONCATENATION,
    optionsType: O.ConcatenationOptions,
    read(ctx) {
      const o = ctx.options(ConcatenationOptions);
      if (ctx.inputs.length === 0) ctx.fail('has no operands');
      return {
        inputs: ctx.inputs.map((_, i) => ctx.input(i, `operand ${i}`)),
        attrs: { axis: o?.axis() ?? 0, fused_activation: activation(ctx, o?.fusedActivationFunction() ?? 0) },
      };
    },
  },
  relu: noOptions(B.RELU),
  relu6: noOptions(B.RELU6),
  logistic: noOptions(B.LOGISTIC),
  tanh: noOptions(B.TANH),
  softmax: {
    code: B.SOFTMAX,
    optionsType: O.SoftmaxOptions,
    read: (ctx) => ({ inputs: operands(ctx, 1), attrs: { beta: ctx.options(SoftmaxOptions)?.beta() ?? 0 } }),
  },
  resize_nearest_neighbor: {
    code: B.RESIZE_NEAREST_NEIGHBOR,
    optionsType: O.ResizeNearestNeighborOptions,
    read(ctx) {
      const o = ctx.options(ResizeNearestNeighborOptions);
      return {
        inputs: [ctx.input(0, 'input')],
        attrs: { size: ctx.ints(1, 'size'), align_corners: o?.alignCorners() ?? false, half_pixel_centers: o?.halfPixelCenters() ?? false },
      };
    },
  },
  transpose: {
    code: B.TRANSPOSE,
    optionsType: O.TransposeOptions,
    read: (ctx) => ({ inputs: [ctx.input(0, 'input')], attrs: { perm: ctx.ints(1, 'perm') } }),
  },
  quantize: { ...noOptions(B.QUANTIZE), optionsType: O.QuantizeOptions },
  dequantize: { ...noOptions(B.DEQUANTIZE), optionsType: O.DequantizeOptions },
  batch_norm: unsupported('batch_norm exists only inside the compiler; TFLite has no such builtin'),
  fake_quant: unsupported('fake_quant exists only inside the compiler; TFLite FAKE_QUANT ops are not read'),
  identity: unsupported('identity exists only inside the compiler; TFLite has no such builtin'),
} as const satisfies ReadTable;
