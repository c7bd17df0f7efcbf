import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asFloat32, DataError, encodeNpy, parseNpy, readNpy, writeNpy } from '../src/index.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => join(fixtures, name);
const tmp = mkdtempSync(join(tmpdir(), 'octet-npy-'));

// Values as make-fixtures.py gave them to NumPy.
const expected = {
  'f32_2x3.npy': { dtype: 'float32', shape: [2, 3], values: [-1, -0.5, 0, 0.5, 1, 1.5] },
  'f64_3.npy': { dtype: 'float64', shape: [3], values: [1.5, -2.25, 1e300] },
  'i8_4.npy': { dtype: 'int8', shape: [4], values: [-128, -1, 0, 127] },
  'u8_2x2.npy': { dtype: 'uint8', shape: [2, 2], values: [0, 255, 128, 7] },
  'i32_scalar.npy': { dtype: 'int32', shape: [], values: [-123456] },
  'i64_3.npy': { dtype: 'int64', shape: [3], values: [-(2n ** 40n), 0n, 2n ** 62n] },
  'f32_0x3.npy': { dtype: 'float32', shape: [0, 3], values: [] },
  'f32_v2.npy': { dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] },
  'f32_v3.npy': { dtype: 'float32', shape: [2], values: [7, 8] },
  'u8_2x1x2x2.npy': { dtype: 'uint8', shape: [2, 1, 2, 2], values: [0, 1, 2, 3, 4, 5, 6, 7] },
  'f32_1.npy': { dtype: 'float32', shape: [1], values: [3.25] },
  'i32_v2_3.npy': { dtype: 'int32', shape: [3], values: [1, -2, 2147483647] },
} as const;

describe('npy reader', () => {
  it.each(Object.entries(expected))('reads %s as NumPy wrote it', (name, want) => {
    const a = readNpy(fixture(name));
    expect(a.dtype).toBe(want.dtype);
    expect(a.shape).toEqual(want.shape);
    expect([...a.data]).toEqual(want.values);
  });

  it('reads data at any byte offset (the copy is aligned)', () => {
    const bytes = readFileSync(fixture('f32_2x3.npy'));
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    expect([...parseNpy(shifted, 'x.npy').data]).toEqual([-1, -0.5, 0, 0.5, 1, 1.5]);
  });
});

describe('npy writer', () => {
  // Version 3.0 is NumPy's for non-latin-1 headers only; we write 1.0 and 2.0.
  const written = Object.keys(expected).filter((n) => n !== 'f32_v3.npy');
  it.each(written)('writes %s byte for byte as NumPy does', (name) => {
    const bytes = new Uint8Array(readFileSync(fixture(name)));
    const version = bytes[6] as 1 | 2;
    expect(encodeNpy(readNpy(fixture(name)), { version })).toEqual(bytes);
    if (version === 1) expect(encodeNpy(readNpy(fixture(name)))).toEqual(bytes); // 1.0 is the default
  });

  it('writes atomically and reads back', () => {
    const path = join(tmp, 'w.npy');
    writeNpy(path, { shape: [2, 2], data: new Int32Array([1, 2, 3, -4]) });
    expect(readNpy(path)).toEqual({ dtype: 'int32', shape: [2, 2], data: new Int32Array([1, 2, 3, -4]) });
    expect(readdirSync(tmp)).toEqual(['w.npy']); // no temporary left behind
    expect(() => writeNpy(join(tmp, 'missing-dir', 'x.npy'), { shape: [1], data: new Uint8Array(1) })).toThrow(/ENOENT/);
    expect(existsSync(join(tmp, 'missing-dir'))).toBe(false);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => encodeNpy({ shape: [2, 2], data: new Float32Array(3) })).toThrow('shape [2, 2] holds 4 elements, data has 3');
  });
});

describe('npy errors: one line, naming the file', () => {
  const header = (dict: string, version = 1) => {
    const text = dict + '\n';
    const prefix = version === 1 ? 10 : 12;
    const out = new Uint8Array(prefix + text.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
    const view = new DataView(out.buffer);
    if (version === 1) view.setUint16(8, text.length, true);
    else view.setUint32(8, text.length, true);
    out.set(new TextEncoder().encode(text), prefix);
    return out;
  };
  const errorOf = (bytes: Uint8Array) => {
    try {
      parseNpy(bytes, 'x.npy');
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as Error).message).not.toContain('\n');
      return (e as Error).message;
    }
    throw new Error('no error');
  };

  it('refuses float64 where float32 is needed, with the cast to use', () => {
    const a = readNpy(fixture('f64_3.npy'));
    expect(() => asFloat32(a, 'x.npy')).toThrow('x.npy: the .npy array is float64, float32 is needed: save it with x.astype(np.float32)');
    expect(asFloat32(readNpy(fixture('f32_1.npy')), 'y.npy')).toEqual(new Float32Array([3.25]));
  });

  it('Fortran order, big-endian and float16 files', () => {
    expect(() => readNpy(fixture('f32_fortran.npy'))).toThrow(/f32_fortran\.npy: the array is in Fortran order: save np\.ascontiguousarray\(x\) instead$/);
    expect(() => readNpy(fixture('f32_big_endian.npy'))).toThrow(/unsupported \.npy dtype '>f4': it is big-endian/);
    expect(() => readNpy(fixture('f16_2.npy'))).toThrow(/unsupported \.npy dtype '<f2': supported: float32, float64, int8, uint8, int32, int64$/);
  });

  it('truncated or padded data', () => {
    const bytes = new Uint8Array(readFileSync(fixture('f32_2x3.npy')));
    expect(errorOf(bytes.subarray(0, bytes.length - 1))).toBe('x.npy: .npy data size mismatch: float32 [2, 3] needs 24 bytes, the file has 23 (truncated?)');
    expect(errorOf(new Uint8Array([...bytes, 0]))).toMatch(/the file has 25 \(trailing bytes\)$/);
    expect(errorOf(bytes.subarray(0, 50))).toBe('x.npy: truncated .npy header: it announces 118 header bytes, the file has 40 after the length field');
  });

  it('malformed headers', () => {
    expect(errorOf(new TextEncoder().encode('hello world, not numpy'))).toBe('x.npy: not a .npy file: it does not start with the magic string \\x93NUMPY');
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 4))).toBe('x.npy: unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are read)');
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False}"))).toBe("x.npy: malformed .npy header: 'shape' is missing or not a tuple");
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }"))).toBe(
      'x.npy: malformed .npy header: expected a non-negative integer at character 55 of the header',
    );
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))).toMatch(/expected a non-negative integer/);
    expect(errorOf(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"))).toMatch(/structured dtypes .* are not supported/);
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}"))).toMatch(/expected a string, True, False or a tuple/);
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 'y'}"))).toBe("x.npy: malformed .npy header: unexpected key 'x'");
    expect(errorOf(header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}"))).toMatch(/duplicate key 'descr'/);
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing"))).toMatch(/unexpected text after the dict/);
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}"))).toMatch(/expected a string, True, False or a tuple/);
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}"))).toMatch(/dimension 99999999999999999999 is too large/);
    // control characters from the file are escaped: the message stays on one line (found by fuzzing)
    expect(errorOf(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'a\nb': 'c'}"))).toBe("x.npy: malformed .npy header: unexpected key 'a\\x0ab'");
    // a v2 header length beyond the file
    const v2 = header("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 2);
    new DataView(v2.buffer).setUint32(8, 0xffffffff, true);
    expect(errorOf(v2)).toMatch(/announces 4294967295 header bytes/);
  });

  it('names the file read from disk', () => {
    const path = join(tmp, 'broken.npy');
    writeFileSync(path, new Uint8Array([0x93, 0x4e, 0x55]));
    expect(() => readNpy(path)).toThrow(`${path}: not a .npy file`);
  });
});
