import { readNpy, writeNpy } from '@octet/data';
import { Interpreter } from '@octet/interpreter';
import { read } from '@octet/tflite';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatMnist, passThrough, quantizedMnist, removeTempDirs, tempDir, trainRows, twoOutputs, uint8ToInt8, writeFile } from './models.ts';
import { octet } from './run.ts';

const tmp = tempDir();
const ROWS = 6;
let floatFile: string;
let int8Bytes: Uint8Array;
let int8File: string;
let xFile: string;
let x: Float32Array;

beforeAll(async () => {
  floatFile = writeFile(tmp, 'float.tflite', await floatMnist());
  int8Bytes = await quantizedMnist('int8');
  int8File = writeFile(tmp, 'int8.tflite', int8Bytes);
  x = trainRows(ROWS);
  xFile = join(tmp, 'x.npy');
  writeNpy(xFile, { shape: [ROWS, 28, 28], data: x });
});

/** The numbers of a typed array of any element type (none here is int64). */
const nums = (a: unknown): number[] => Array.from(a as ArrayLike<number>);
const rowOf = (i: number) => x.subarray(i * 784, (i + 1) * 784);

afterAll(removeTempDirs);

describe('octet run', () => {
  it('runs one inference per row and stacks the outputs [N, 10] in float32, row by row', async () => {
    const out = join(tmp, 'y.npy');
    const r = await octet(['run', floatFile, '--input', xFile, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`${out}: float32 [${ROWS}, 10], output 'dense'`);
    const y = readNpy(out);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([ROWS, 10]);
    // Row i of y is the model on row i of x alone (not another row's, not a stale buffer).
    const it = new Interpreter(read(await floatMnist()));
    for (let i = 0; i < ROWS; i++) expect(nums(y.data.subarray(i * 10, (i + 1) * 10))).toEqual(nums(it.run([rowOf(i)])[0]));
  });

  it('quantizes float32 rows fed to an int8 input, says so on stderr, writes int8 outputs', async () => {
    const out = join(tmp, 'yq.npy');
    const r = await octet(['run', int8File, '--input', xFile, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `octet: note: model input 'input_1' is int8 (scale 0.003921569, zero point -128): quantizing the float32 rows of ${xFile} as QUANTIZE does in xnnpack arithmetic: ` +
        'round(x · (1/scale)) + zero point, ties to even, saturated (as XNNPACK in LiteRT)\n',
    );
    const y = readNpy(out);
    expect(y.dtype).toBe('int8');
    expect(y.shape).toEqual([ROWS, 10]);
    // The pixels are k/255 and the scale is 1/255: each quantizes to k − 128 exactly.
    const it = new Interpreter(read(int8Bytes));
    for (let i = 0; i < ROWS; i++) {
      const q = Int8Array.from(rowOf(i), (v) => Math.round(v * 255) - 128);
      expect(nums(y.data.subarray(i * 10, (i + 1) * 10))).toEqual(nums(it.run([q])[0]));
    }
  });

  it('--rounding picks the QUANTIZE rounding: ties to even (xnnpack) or away from zero (reference), saturating', async () => {
    // Scale 0.5, zero point 3: x/scale = ±0.5, 1.5, 2.5 are exact ties.
    const model = writeFile(tmp, 'pass.tflite', passThrough('int8', 6, { scale: [0.5], zeroPoint: [3] }));
    const input = join(tmp, 'ties.npy');
    writeNpy(input, { shape: [1, 6], data: Float32Array.from([0.25, -0.25, 0.75, 1.25, 1000, -1000]) });
    const expected = { xnnpack: [3 + 0, 3 + 0, 3 + 2, 3 + 2, 127, -128], reference: [3 + 1, 3 - 1, 3 + 2, 3 + 3, 127, -128] };
    for (const rounding of ['xnnpack', 'reference'] as const) {
      const out = join(tmp, `ties-${rounding}.npy`);
      const r = await octet(['run', model, '--input', input, '-o', out, '--rounding', rounding]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`as QUANTIZE does in ${rounding} arithmetic`);
      expect(nums(readNpy(out).data)).toEqual(expected[rounding]);
    }
  });

  it('--kernels reference runs the reference kernels alone: the same bytes as the default fast kernels, float and int8', async () => {
    for (const [name, file] of [['float', floatFile], ['int8', int8File]] as const) {
      const runs = await Promise.all(
        (['fast', 'reference'] as const).map(async (kernels) => {
          const out = join(tmp, `k-${name}-${kernels}.npy`);
          const r = await octet(['run', file, '--input', xFile, '-o', out, ...(kernels === 'fast' ? [] : ['--kernels', kernels])]);
          expect(r.code).toBe(0);
          expect(r.stdout).toMatch(new RegExp(`^${ROWS} inferences in \\d+ ms \\(xnnpack arithmetic, ${kernels} kernels\\)$`, 'm'));
          return readFileSync(out);
        }),
      );
      expect(runs[0].equals(runs[1]), name).toBe(true);
    }
    const bad = await octet(['run', int8File, '--input', xFile, '-o', join(tmp, 'never.npy'), '--kernels', 'wasm']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--kernels <kernels>' argument 'wasm' is invalid. Allowed choices are fast, reference.");
  });

  it('--dequantize-output writes float32 scale · (q − zero point)', async () => {
    // uint8 in, int8 q(0.25, 0) out: q = u8 − 128.
    const model = writeFile(tmp, 'u8-i8.tflite', uint8ToInt8(4, 0.25, 0));
    const input = join(tmp, 'u8.npy');
    writeNpy(input, { shape: [2, 4], data: Uint8Array.from([0, 127, 128, 255, 1, 2, 3, 4]) });
    const out = join(tmp, 'deq.npy');
    const r = await octet(['run', model, '--input', input, '-o', out, '--dequantize-output']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe(`${out}: float32 (dequantized from int8) [2, 4], output 'y'`);
    const y = readNpy(out);
    expect(y.dtype).toBe('float32');
    expect(nums(y.data)).toEqual([-32, -0.25, 0, 31.75, -31.75, -31.5, -31.25, -31]);
  });

  it('several outputs go to y.0.npy, y.1.npy, each stacked on its own shape', async () => {
    const model = writeFile(tmp, 'two.tflite', twoOutputs(4));
    const dir = tempDir();
    const input = join(dir, 'in.npy');
    writeNpy(input, { shape: [3, 4], data: Float32Array.from([-1, 2, -3, 4, 5, -6, 7, -8, 0, 1, -1, 2]) });
    const r = await octet(['run', model, '--input', input, '-o', join(dir, 'y.npy')]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['in.npy', 'y.0.npy', 'y.1.npy']);
    const relu = readNpy(join(dir, 'y.0.npy'));
    const halves = readNpy(join(dir, 'y.1.npy'));
    expect(relu.shape).toEqual([3, 4]);
    expect(nums(relu.data)).toEqual([0, 2, 0, 4, 5, 0, 7, 0, 0, 1, 0, 2]);
    expect(halves.shape).toEqual([3, 2, 2]);
    expect(nums(halves.data)).toEqual([-1, 2, -3, 4, 5, -6, 7, -8, 0, 1, -1, 2]);
  });

  it('a dtype mismatch other than float32 → int8/uint8 is one line naming both dtypes; no output file', async () => {
    const i32 = join(tmp, 'i32.npy');
    writeNpy(i32, { shape: [1, 28, 28], data: new Int32Array(784) });
    const out = join(tmp, 'never.npy');
    const f64 = join(tmp, 'f64.npy');
    writeNpy(f64, { shape: [1, 28, 28], data: new Float64Array(784) });
    const u8 = join(tmp, 'u8rows.npy');
    writeNpy(u8, { shape: [1, 28, 28], data: new Uint8Array(784) });
    const [a, b, c] = await Promise.all([
      octet(['run', floatFile, '--input', i32, '-o', out]),
      octet(['run', int8File, '--input', f64, '-o', out]),
      octet(['run', int8File, '--input', u8, '-o', out]),
    ]);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe(`octet: ${i32} holds int32, model input 'input_1' is float32: save the array as float32\n`);
    expect(b.stderr).toBe(`octet: ${f64} holds float64, model input 'input_1' is int8: save it with x.astype(np.float32) (float32 rows are quantized for you)\n`);
    expect(c.stderr).toBe(`octet: ${u8} holds uint8, model input 'input_1' is int8: save the array as int8 or float32 (float32 rows are quantized for you)\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('rows of the wrong shape, or a missing input, are one-line errors', async () => {
    const flat = join(tmp, 'flat.npy');
    writeNpy(flat, { shape: [2, 784], data: new Float32Array(2 * 784) });
    const [r, missing] = await Promise.all([
      octet(['run', floatFile, '--input', flat, '-o', join(tmp, 'never.npy')]),
      octet(['run', floatFile, '--input', join(tmp, 'nope.npy'), '-o', join(tmp, 'never.npy')]),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`octet: ${flat} has shape [2, 784], so its rows are [784]; model input 'input_1' takes [1, 28, 28]: stack rows of shape [28, 28] on a leading axis ([N, 28, 28])\n`);
    expect(missing.stderr).toBe(`octet: cannot read '${join(tmp, 'nope.npy')}': no such file or directory\n`);
  });
});
