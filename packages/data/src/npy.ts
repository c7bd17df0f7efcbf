import { renameSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { DataError } from './errors.ts';
import { HeaderSyntaxError, parseHeaderDict, quote } from './npy-header.ts';

/**
 * NumPy .npy files (format versions 1.0, 2.0 and 3.0), little-endian, C order. Float64 is read
 * (and written) but callers that need float32 use `asFloat32`, which refuses it with a hint:
 * silently narrowing would hide a mistake upstream.
 */
export type NpyDType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int32' | 'int64';

export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface NpyArray {
  dtype: NpyDType;
  shape: number[];
  data: NpyData;
}

interface DTypeInfo {
  descr: string;
  bytes: number;
  make: (buffer: ArrayBuffer, length: number) => NpyData;
  is: (data: NpyData) => boolean;
}

const DTYPES = {
  float32: { descr: '<f4', bytes: 4, make: (b, n) => new Float32Array(b, 0, n), is: (d) => d instanceof Float32Array },
  float64: { descr: '<f8', bytes: 8, make: (b, n) => new Float64Array(b, 0, n), is: (d) => d instanceof Float64Array },
  int8: { descr: '|i1', bytes: 1, make: (b, n) => new Int8Array(b, 0, n), is: (d) => d instanceof Int8Array },
  uint8: { descr: '|u1', bytes: 1, make: (b, n) => new Uint8Array(b, 0, n), is: (d) => d instanceof Uint8Array },
  int32: { descr: '<i4', bytes: 4, make: (b, n) => new Int32Array(b, 0, n), is: (d) => d instanceof Int32Array },
  int64: { descr: '<i8', bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n), is: (d) => d instanceof BigInt64Array },
} satisfies Record<NpyDType, DTypeInfo>;

// Byte-order marks are optional for one-byte types ('|u1', '<u1' and 'u1' all occur).
const BY_DESCR = new Map<string, NpyDType>();
for (const [dtype, info] of Object.entries(DTYPES) as [NpyDType, DTypeInfo][]) {
  const code = info.descr.slice(1);
  BY_DESCR.set(info.descr, dtype);
  BY_DESCR.set('<' + code, dtype);
  if (info.bytes === 1) {
    BY_DESCR.set('|' + code, dtype);
    BY_DESCR.set(code, dtype);
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Parses a whole .npy file held in memory. `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const fail = (problem: string): never => {
    throw new DataError(file, problem);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('not a .npy file: it does not start with the magic string \\x93NUMPY');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) fail(`unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail(`truncated .npy header: ${bytes.length} bytes`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (dataStart > bytes.length) {
    fail(`truncated .npy header: it announces ${headerLength} header bytes, the file has ${bytes.length - 8 - lengthBytes} after the length field`);
  }
  const headerBytes = bytes.subarray(8 + lengthBytes, dataStart);
  // 1.0 and 2.0 headers are latin-1 (ASCII in practice), 3.0 is UTF-8
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);

  let dict: Map<string, unknown>;
  try {
    dict = parseHeaderDict(text);
  } catch (e) {
    if (!(e instanceof HeaderSyntaxError)) throw e;
    return fail(`malformed .npy header: ${e.message}`);
  }
  for (const key of dict.keys()) {
    if (key !== 'descr' && key !== 'fortran_order' && key !== 'shape') fail(`malformed .npy header: unexpected key ${quote(key)}`);
  }
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') fail("malformed .npy header: 'descr' is missing or not a string");
  if (typeof fortran !== 'boolean') fail("malformed .npy header: 'fortran_order' is missing or not True/False");
  if (!Array.isArray(shape)) fail("malformed .npy header: 'shape' is missing or not a tuple");
  const dtype = BY_DESCR.get(descr as string);
  if (!dtype) {
    const hint = (descr as string).startsWith('>')
      ? `it is big-endian: save x.astype(x.dtype.newbyteorder('<'))`
      : 'supported: float32, float64, int8, uint8, int32, int64';
    return fail(`unsupported .npy dtype ${quote(descr as string)}: ${hint}`);
  }
  if (fortran) fail('the array is in Fortran order: save np.ascontiguousarray(x) instead');
  const dims = shape as number[];
  const info: DTypeInfo = DTYPES[dtype];
  const count = numel(dims);
  const expected = count * info.bytes;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    fail(`.npy data size mismatch: ${dtype} [${dims.join(', ')}] needs ${expected} bytes, the file has ${actual}` + (actual < expected ? ' (truncated?)' : ' (trailing bytes)'));
  }
  // Copy into a fresh buffer: the data's offset in the file need not be aligned to the element
  // size (and a Node Buffer's slice() would be a view into a shared pool).
  const copy = new Uint8Array(bytes.subarray(dataStart));
  return { dtype, shape: dims, data: info.make(copy.buffer, count) };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}

export interface NpyWriteOptions {
  /** Format version; by default 1, or 2 when the header needs more than 65535 bytes (as NumPy does). */
  version?: 1 | 2;
}

/** The dtype of a typed array we can write, or undefined. */
export function npyDTypeOf(data: unknown): NpyDType | undefined {
  return (Object.keys(DTYPES) as NpyDType[]).find((d) => DTYPES[d].is(data as NpyData));
}

/** Encodes an array as .npy bytes, laid out exactly as NumPy's np.save lays them out. */
export function encodeNpy(array: { shape: readonly number[]; data: NpyData }, opts: NpyWriteOptions = {}): Uint8Array {
  const dtype = npyDTypeOf(array.data);
  if (!dtype) throw new Error(`encodeNpy: unsupported array type ${array.data?.constructor?.name}`);
  for (const d of array.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`encodeNpy: shape [${array.shape.join(', ')}] has an invalid dimension ${d}`);
  }
  if (numel(array.shape) !== array.data.length) {
    throw new Error(`encodeNpy: shape [${array.shape.join(', ')}] holds ${numel(array.shape)} elements, data has ${array.data.length}`);
  }
  // NumPy's own layout (numpy/lib/format.py), so that our files are byte-identical to np.save's:
  // sorted keys, spare spaces for the leading axis to grow to 21 digits, then spaces and '\n' up
  // to a 64-byte boundary (a full 64 when already aligned).
  const shapeText = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let dict = `{'descr': '${DTYPES[dtype].descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (array.shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(array.shape[0]).length));
  const wrap = (prefix: number) => dict + ' '.repeat(64 - ((prefix + dict.length + 1) % 64)) + '\n';
  const version = opts.version ?? (wrap(10).length <= 0xffff ? 1 : 2);
  const prefix = version === 1 ? 10 : 12;
  const header = wrap(prefix);
  if (version === 1 && header.length > 0xffff) throw new Error(`encodeNpy: header of ${header.length} bytes needs format version 2`);
  const out = new Uint8Array(prefix + header.length + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), prefix + header.length);
  return out;
}

/** Writes a .npy file atomically: a temporary file beside it, then a rename. */
export function writeNpy(path: string, array: { shape: readonly number[]; data: NpyData }, opts: NpyWriteOptions = {}): void {
  const bytes = encodeNpy(array, opts);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw e;
  }
}

/** The array as float32, refusing other dtypes with a hint (float64 is the usual slip). */
export function asFloat32(array: NpyArray, file: string): Float32Array {
  if (array.dtype === 'float32') return array.data as Float32Array;
  if (array.dtype === 'float64') {
    throw new DataError(file, 'the .npy array is float64, float32 is needed: save it with x.astype(np.float32)');
  }
  throw new DataError(file, `the .npy array is ${array.dtype}, float32 is needed: save it with x.astype(np.float32)`);
}
