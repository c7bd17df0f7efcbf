import { opDef, type AnyOp, type DType, type Op, type OpKind, type TypedArray, type Unsupported } from '@octet/ir';
import { InterpreterError, opWhere } from './errors.ts';

/**
 * Which integer arithmetic an int8 kernel reproduces (ARITHMETIC.md): `xnnpack`, what LiteRT runs by
 * default, or `reference`, TFLite's BUILTIN_REF kernels. Float kernels ignore it.
 */
export type Arithmetic = 'xnnpack' | 'reference';

export interface KernelContext {
  readonly arithmetic: Arithmetic;
  /**
   * What the kernels of one interpreter share, made by `make` on the first call with `key` and
   * released with the interpreter: the fast tables keep their WebAssembly instance (and its memory)
   * here, so that every interpreter has its own and none outlives it.
   */
  shared<T>(key: object, make: () => T): T;
}

/** Computes an op: reads `inputs` (one array per operand), writes every element of `outputs`. */
export type KernelRun = (inputs: readonly TypedArray[], outputs: readonly TypedArray[]) => void;

/**
 * A kernel in two phases, like TFLite's Prepare/Eval: called once per op when the interpreter is
 * built, it checks operand dtypes (throwing an InterpreterError that names the op and the dtype it
 * cannot handle) and precomputes what does not depend on the data (padding, strides, multipliers);
 * the returned function runs once per invoke and must not allocate per element.
 */
export type Kernel<K extends OpKind = OpKind> = (op: Op<K>, ctx: KernelContext) => KernelRun;

/** One kernel per op kind, or `unsupported(reason)`: adding an op fails to type-check until it is handled. */
export type KernelTable = { readonly [K in OpKind]: Kernel<K> | Unsupported };

/**
 * Kernels are grouped in families chosen by the dtype of an op's first operand: `float` for
 * float32/float16, `int8` for the integer dtypes (int8, uint8, int16, int32), and for the hybrid
 * conv/depthwise/fully_connected (float32 input, int8 weights). A fast table (WASM SIMD,
 * workers) replaces a family, or some of its entries, and is pinned to the reference table by tests.
 */
export type KernelFamily = 'float' | 'int8';
export type KernelTables = { readonly [F in KernelFamily]: KernelTable };

const FAMILY_OF: { readonly [D in DType]: KernelFamily | undefined } = {
  float32: 'float',
  float16: 'float',
  int8: 'int8',
  uint8: 'int8',
  int16: 'int8',
  int32: 'int8',
  int64: undefined,
  bool: undefined,
};

/**
 * Ops whose weights (operand 1) decide the family: a float32 input with int8 weights is TFLite's
 * hybrid (dynamic-range) kernel, which lives with the integer kernels.
 */
const WEIGHTED: ReadonlySet<OpKind> = new Set<OpKind>(['conv_2d', 'depthwise_conv_2d', 'fully_connected']);

export function kernelFamily(op: AnyOp): KernelFamily {
  if (WEIGHTED.has(op.kind) && op.inputs[0]?.type.dtype === 'float32' && op.inputs[1]?.type.dtype === 'int8') return 'int8';
  const dtype = op.inputs[0]?.type.dtype;
  const family = dtype === undefined ? undefined : FAMILY_OF[dtype];
  if (family === undefined) {
    throw new InterpreterError(`${opWhere(op)} has no kernel for ${dtype ?? 'missing'} operands: only float and int8/uint8/int16/int32 tensors are interpreted`);
  }
  return family;
}

/**
 * Throws unless every operand and result of `op` has one of `dtypes`: a kernel must refuse what it
 * does not compute rather than read the bytes as something else.
 */
export function requireDtypes(op: Op, family: string, dtypes: readonly DType[]): void {
  const names = opDef(op.kind).operands;
  const check = (dtype: DType, what: string) => {
    if (!dtypes.includes(dtype)) {
      throw new InterpreterError(
        `${opWhere(op)} has no ${family} kernel for ${dtype} ${what} (it computes ${dtypes.join('/')}): quantize or dequantize the graph consistently, or use a kernel table for ${dtype}`,
      );
    }
  };
  op.inputs.forEach((v, i) => check(v.type.dtype, `operand '${operandName(names, i)}'`));
  op.outputs.forEach((v, i) => check(v.type.dtype, `result ${i}`));
}

function operandName(names: readonly string[], i: number): string {
  const variadic = names.length > 0 && names[names.length - 1].endsWith('...');
  const raw = i < names.length ? names[i] : variadic ? names[names.length - 1] : `#${i}`;
  const name = raw.replace(/[?.]+$/, '');
  return variadic && i >= names.length - 1 ? `${name}[${i - names.length + 1}]` : name;
}
