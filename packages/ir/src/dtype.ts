/** Element types of the IR, named after TFLite's TensorType. */
export const DTYPES = ['float32', 'float16', 'int32', 'int16', 'int8', 'uint8', 'int64', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

/** Storage of each dtype. float16 is kept as raw IEEE half bits; bool as 0/1 bytes. */
export interface DTypeStorage {
  float32: Float32Array;
  float16: Uint16Array;
  int32: Int32Array;
  int16: Int16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int64: BigInt64Array;
  bool: Uint8Array;
}
export type TypedArray = DTypeStorage[DType];

interface DTypeInfo {
  short: string;
  bytes: number;
  make: (n: number) => TypedArray;
  isFloat: boolean;
  isInteger: boolean;
}

export const DTYPE_INFO = {
  float32: { short: 'f32', bytes: 4, make: (n) => new Float32Array(n), isFloat: true, isInteger: false },
  float16: { short: 'f16', bytes: 2, make: (n) => new Uint16Array(n), isFloat: true, isInteger: false },
  int32: { short: 'i32', bytes: 4, make: (n) => new Int32Array(n), isFloat: false, isInteger: true },
  int16: { short: 'i16', bytes: 2, make: (n) => new Int16Array(n), isFloat: false, isInteger: true },
  int8: { short: 'i8', bytes: 1, make: (n) => new Int8Array(n), isFloat: false, isInteger: true },
  uint8: { short: 'u8', bytes: 1, make: (n) => new Uint8Array(n), isFloat: false, isInteger: true },
  int64: { short: 'i64', bytes: 8, make: (n) => new BigInt64Array(n), isFloat: false, isInteger: true },
  bool: { short: 'bool', bytes: 1, make: (n) => new Uint8Array(n), isFloat: false, isInteger: false },
} as const satisfies Record<DType, DInfo>;
type DInfo = DTypeInfo;

const BY_SHORT = new Map<string, DType>(DTYPES.map((d) => [DTYPE_INFO[d].short, d]));

export function dtypeFromShort(short: string): DType | undefined {
  return BY_SHORT.get(short);
}

export function allocate<D extends DType>(dtype: D, n: number): DTypeStorage[D] {
  return DTYPE_INFO[dtype].make(n) as DTypeStorage[D];
}

/** True when `data` is the storage type of `dtype`. */
export function storageMatches(dtype: DType, data: TypedArray): boolean {
  const probe = DTYPE_INFO[dtype].make(0);
  return Object.getPrototypeOf(probe) === Object.getPrototypeOf(data);
}

// IEEE 754 half <-> single conversions (exact for half -> single; round to nearest even the other way).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  let v: number;
  if (e === 0) v = f * 2 ** -24;
  else if (e === 31) v = f === 0 ? Infinity : NaN;
  else v = (1 + f / 1024) * 2 ** (e - 15);
  return s ? -v : v;
}

export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow -> Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> ±0
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}
