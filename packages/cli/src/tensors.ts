import type { NpyArray, NpyData, NpyDType } from '@octet/data';
import type { Arithmetic } from '@octet/interpreter';
import type { DType, TensorType, TypedArray, Value } from '@octet/ir';
import { CliError } from './errors.ts';

/**
 * Arrays named on the command line (`--input x.npy`, `--images`, `--labels`) and how their rows
 * become model inputs. Row i of an array is one inference; a row has the model input's shape
 * without its batch of 1 (`[N, 28, 28]` for an input `[1, 28, 28]`).
 */
export interface Rows {
  file: string;
  dtype: NpyDType;
  /** The whole array's shape: [count, ...rowShape]. */
  shape: number[];
  data: NpyData;
  count: number;
  rowShape: number[];
  rowSize: number;
}

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
export const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** A .npy file (by its extension) or an IDX file (MNIST's format, unsigned bytes), as rows on its leading axis. */
export async function readRows(file: string, opts: { limit?: number } = {}): Promise<Rows> {
  const data = await import('@octet/data');
  const { existsSync } = await import('node:fs');
  if (!existsSync(file)) throw new CliError(`cannot read '${file}': no such file or directory`);
  let array: Pick<NpyArray, 'dtype' | 'shape' | 'data'>;
  if (file.endsWith('.npy')) array = data.readNpy(file);
  else {
    const idx = data.readIdx(file, opts.limit !== undefined ? { limit: opts.limit } : {});
    array = { dtype: 'uint8', shape: idx.shape, data: idx.data };
  }
  if (array.shape.length === 0) throw new CliError(`${file}: the array is a scalar: stack one row per inference on a leading axis`);
  const rowShape = array.shape.slice(1);
  const rowSize = product(rowShape);
  const count = Math.min(array.shape[0], opts.limit ?? Infinity);
  const body = count === array.shape[0] ? array.data : (array.data.subarray(0, count * rowSize) as NpyData);
  return { file, dtype: array.dtype, shape: [count, ...rowShape], data: body, count, rowShape, rowSize };
}

export function row(rows: Rows, i: number): NpyData {
  return rows.data.subarray(i * rows.rowSize, (i + 1) * rows.rowSize) as NpyData;
}

/** The shape one row has: the tensor's shape without its batch of 1 (a tensor without one is a whole row). */
export function rowShapeOf(shape: readonly number[]): number[] {
  return shape.length > 0 && shape[0] === 1 ? shape.slice(1) : [...shape];
}

const squeeze = (s: readonly number[]) => s.filter((d) => d !== 1);

/** Rows fit a model input when their shape is the input's without its batch of 1 (dimensions of 1 aside: [N,28,28] feeds [1,28,28,1]). */
export function checkRowsFit(rows: Rows, input: Value, what: string): void {
  const want = rowShapeOf(input.type.shape);
  const a = squeeze(rows.rowShape);
  const b = squeeze(want);
  if (a.length === b.length && a.every((d, i) => d === b[i])) return;
  throw new CliError(
    `${rows.file} has shape ${shapeText(rows.shape)}, so its rows are ${shapeText(rows.rowShape)}; ${what} '${input.name ?? '?'}' takes ${shapeText(input.type.shape)}: ` +
      `stack rows of shape ${shapeText(want)} on a leading axis (${shapeText(['N' as unknown as number, ...want])})`,
  );
}

export type QuantizedDType = 'int8' | 'uint8';
export const isQuantizedDType = (d: DType): d is QuantizedDType => d === 'int8' || d === 'uint8';

/** What each `--rounding` means for QUANTIZE (ARITHMETIC.md), for messages. */
export const QUANTIZE_ROUNDING: Readonly<Record<Arithmetic, string>> = {
  xnnpack: 'round(x · (1/scale)) + zero point, ties to even, saturated (as XNNPACK in LiteRT)',
  reference: 'round(x / scale) + zero point, ties away from zero, saturated (as TFLite\'s reference kernel)',
};

/**
 * float32 → a quantized tensor's dtype, computed by the interpreter's own QUANTIZE kernel (a
 * one-op graph) in the given arithmetic: exactly what a QUANTIZE op at the model's boundary would
 * give, with no second implementation of the rounding to drift.
 */
export async function quantizer(type: TensorType, arithmetic: Arithmetic): Promise<(x: Float32Array) => Int8Array | Uint8Array> {
  return oneOp(type, 'quantize', arithmetic);
}

/** int8/uint8 → float32 by the interpreter's DEQUANTIZE kernel: scale · (q − zero point). */
export async function dequantizer(type: TensorType): Promise<(q: TypedArray) => Float32Array> {
  return oneOp(type, 'dequantize', 'xnnpack');
}

async function oneOp<R>(type: TensorType, kind: 'quantize' | 'dequantize', arithmetic: Arithmetic): Promise<(x: TypedArray) => R> {
  const [{ Graph }, { Interpreter }] = await Promise.all([import('@octet/ir'), import('@octet/interpreter')]);
  const g = new Graph(kind);
  const quantized = { dtype: type.dtype, shape: [...type.shape], ...(type.quant ? { quant: type.quant } : {}) };
  const float = { dtype: 'float32' as const, shape: [...type.shape] };
  const x = g.addInput('x', kind === 'quantize' ? float : quantized);
  g.outputs = [g.add(kind, [x], {}, { types: [kind === 'quantize' ? quantized : float] })];
  const it = new Interpreter(g, { arithmetic });
  return (data) => it.run([data])[0] as R;
}

export interface Feed {
  /** A row of the array → the model input's storage. */
  convert: (row: NpyData) => TypedArray;
  /** Said on stderr once, when the rows are converted rather than passed as they are. */
  note?: string;
}

export interface FeedOptions {
  arithmetic: Arithmetic;
  /** Divide the rows by this first (`octet eval --normalize 255` on raw bytes). */
  normalize?: number;
  /** The option that could fix an integer/float mismatch, for the message. */
  hint?: string;
}

const fmt = (x: number) => String(Math.fround(x) === x ? Number(x.toPrecision(7)) : x);

/**
 * How the rows of `rows` feed model input `input`: as they are when the dtypes agree; a float32
 * array into an int8/uint8 input is quantized (see `quantizer`) and the feed says so; any other
 * pair is an error naming both dtypes.
 */
export async function feedFor(rows: Rows, input: Value, opts: FeedOptions): Promise<Feed> {
  const name = `'${input.name ?? '?'}'`;
  const { dtype, quant } = input.type;
  let from: NpyDType = rows.dtype;
  let pre = (r: NpyData): NpyData => r;
  if (opts.normalize !== undefined) {
    if (from === 'int64') throw new CliError(`${rows.file} holds int64: --normalize divides float or 8/32-bit integer data; save it as uint8 or float32`);
    const d = opts.normalize;
    const buf = new Float32Array(rows.rowSize);
    pre = (r) => {
      for (let i = 0; i < r.length; i++) buf[i] = Number(r[i]) / d;
      return buf;
    };
    from = 'float32';
  }
  if (from === dtype) return { convert: pre as (r: NpyData) => TypedArray };
  if (from === 'float32' && isQuantizedDType(dtype) && quant && quant.scale.length === 1) {
    const q = await quantizer({ dtype, shape: [rows.rowSize], quant }, opts.arithmetic);
    const note =
      `model input ${name} is ${dtype} (scale ${fmt(quant.scale[0])}, zero point ${quant.zeroPoint[0]}): quantizing the float32 rows of ${rows.file} ` +
      `as QUANTIZE does in ${opts.arithmetic} arithmetic: ${QUANTIZE_ROUNDING[opts.arithmetic]}`;
    return { convert: (r) => q(pre(r) as Float32Array), note };
  }
  const was = opts.normalize !== undefined ? `float32 (${rows.dtype} / ${opts.normalize})` : rows.dtype;
  const fix =
    from === 'float64'
      ? `save it with x.astype(np.float32)${isQuantizedDType(dtype) ? ' (float32 rows are quantized for you)' : ''}`
      : isQuantizedDType(dtype) && !quant
        ? `the input has no quantization parameters, so only ${dtype} data can feed it`
        : `save the array as ${dtype}${isQuantizedDType(dtype) ? ' or float32 (float32 rows are quantized for you)' : ''}${opts.hint ? `, or ${opts.hint}` : ''}`;
  throw new CliError(`${rows.file} holds ${was}, model input ${name} is ${dtype}: ${fix}`);
}
