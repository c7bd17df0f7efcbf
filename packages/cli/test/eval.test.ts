import { loadMnist, writeNpy } from '@octet/data';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatMnist, quantizedMnist, removeTempDirs, tempDir, TEST_IMAGES, TEST_LABELS, writeFile } from './models.ts';
import { octet, REPO } from './run.ts';

const tmp = tempDir();
let floatFile: string;
let int8File: string;

/** The accuracy tfjs measured when the fixture was trained, recorded beside it (an oracle outside Octet). */
const TFJS_ACCURACY = (JSON.parse(readFileSync(join(REPO, 'e2e/fixtures/mnist/training.json'), 'utf8')) as { testAccuracy: number }).testAccuracy;

beforeAll(async () => {
  floatFile = writeFile(tmp, 'float.tflite', await floatMnist());
  int8File = writeFile(tmp, 'int8.tflite', await quantizedMnist('int8'));
});

const RESULT = /^accuracy (\d+\.\d\d)% \((\d+) of (\d+) images\), (.+), \d+\.\d\d s\n$/;

function parse(stdout: string): { percent: string; right: number; count: number; how: string } {
  const m = RESULT.exec(stdout);
  if (!m) throw new Error(`not a result line: ${JSON.stringify(stdout)}`);
  return { percent: m[1], right: Number(m[2]), count: Number(m[3]), how: m[4] };
}

afterAll(removeTempDirs);

describe('octet eval', () => {
  it('float MNIST on all 10,000 IDX test images / 255: the accuracy tfjs recorded for the fixture', async () => {
    const r = await octet(['eval', floatFile, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--normalize', '255']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const p = parse(r.stdout);
    expect(p.count).toBe(10_000);
    expect(p.right / p.count).toBe(TFJS_ACCURACY);
    expect(p.how).toBe("Octet's interpreter (xnnpack arithmetic, fast kernels)");
  });

  it('the int8-I/O model: the same count in Octet and in LiteRT (through its uint8 twin) on 2,000 images', async () => {
    const args = [int8File, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--normalize', '255', '--limit', '2000'];
    const [ours, lite] = await Promise.all([octet(['eval', ...args]), octet(['eval', ...args, '--runtime', 'litert'])]);
    expect(ours.code).toBe(0);
    expect(lite.code).toBe(0);
    expect(ours.stderr).toMatch(/^octet: note: model input 'input_1' is int8 \(scale 0\.003921569, zero point -128\): quantizing the float32 rows/);
    expect(lite.stderr).toContain("octet: note: LiteRT.js exchanges no int8 tensors: running the model's uint8 twin");
    const a = parse(ours.stdout);
    const b = parse(lite.stdout);
    expect(b.how).toBe('LiteRT (wasm, one thread), as its uint8 twin');
    expect(a.count).toBe(2000);
    expect(b).toEqual({ ...a, how: b.how });
    // A working int8 model, not a constant guess: the float model gets about 98% of these.
    expect(a.right).toBeGreaterThan(1900);
  });

  it('--kernels reference: the same count as the default fast kernels, int8 model, 1,000 images', async () => {
    const args = [int8File, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--normalize', '255', '--limit', '1000'];
    const [fast, reference] = await Promise.all([octet(['eval', ...args]), octet(['eval', ...args, '--kernels', 'reference'])]);
    expect(fast.code).toBe(0);
    expect(reference.code).toBe(0);
    const a = parse(fast.stdout);
    const b = parse(reference.stdout);
    expect(a.how).toBe("Octet's interpreter (xnnpack arithmetic, fast kernels)");
    expect(b.how).toBe("Octet's interpreter (xnnpack arithmetic, reference kernels)");
    expect(b).toEqual({ ...a, how: b.how });
    expect(a.right).toBeGreaterThan(950);
  });

  it('.npy images (uint8) and labels (int64) give what the IDX files give; --limit takes the first n', async () => {
    const test = loadMnist('test', { limit: 300 });
    const images = join(tmp, 'images.npy');
    const labels = join(tmp, 'labels.npy');
    writeNpy(images, { shape: [300, 28, 28], data: test.images });
    writeNpy(labels, { shape: [300], data: BigInt64Array.from(test.labels, BigInt) });
    const [fromNpy, fromIdx] = await Promise.all([
      octet(['eval', floatFile, '--images', images, '--labels', labels, '--normalize', '255', '--limit', '200']),
      octet(['eval', floatFile, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--normalize', '255', '--limit', '200']),
    ]);
    expect(fromNpy.code).toBe(0);
    const a = parse(fromNpy.stdout);
    expect(a.count).toBe(200);
    expect(a).toEqual(parse(fromIdx.stdout));
  });

  it('float32 images need no --normalize; raw uint8 bytes into a float input without it is an error saying what to pass', async () => {
    const test = loadMnist('test', { limit: 50 });
    const images = join(tmp, 'scaled.npy');
    writeNpy(images, { shape: [50, 28, 28], data: Float32Array.from(test.images, (v) => v / 255) });
    const [ok, idx, raw] = await Promise.all([
      octet(['eval', floatFile, '--images', images, '--labels', TEST_LABELS, '--limit', '50']),
      octet(['eval', floatFile, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--limit', '50', '--normalize', '255']),
      octet(['eval', floatFile, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--limit', '10']),
    ]);
    expect(parse(ok.stdout).right).toBe(parse(idx.stdout).right);
    expect(raw.code).toBe(1);
    expect(raw.stderr).toBe(
      `octet: ${TEST_IMAGES} holds uint8, model input 'input_1' is float32: save the array as float32, or pass --normalize 255 to feed the bytes as x / 255 (--normalize 1 feeds them as they are)\n`,
    );
  });

  it('images and labels of different counts, labels that are not integers, --rounding reference or --kernels with LiteRT: one line each, exit 1', async () => {
    const labels = join(tmp, 'few.npy');
    writeNpy(labels, { shape: [5], data: new Uint8Array(5) });
    const floats = join(tmp, 'float-labels.npy');
    writeNpy(floats, { shape: [5], data: new Float32Array(5) });
    const [count, notInt, rounding, kernels] = await Promise.all([
      octet(['eval', floatFile, '--images', TEST_IMAGES, '--labels', labels, '--normalize', '255']),
      octet(['eval', floatFile, '--images', TEST_IMAGES, '--labels', floats, '--limit', '5']),
      octet(['eval', int8File, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--runtime', 'litert', '--rounding', 'reference']),
      octet(['eval', int8File, '--images', TEST_IMAGES, '--labels', TEST_LABELS, '--runtime', 'litert', '--kernels', 'fast']),
    ]);
    expect(count.code).toBe(1);
    expect(count.stderr).toBe(`octet: ${TEST_IMAGES} has 10000 images, ${labels} has 5 labels: give one label per image\n`);
    expect(notInt.stderr).toBe(`octet: ${floats} holds float32 [5]: labels are one integer per image ([N], uint8/int32/int64, or an IDX label file)\n`);
    expect(rounding.code).toBe(1);
    expect(rounding.stderr).toBe("octet: --rounding reference chooses Octet's arithmetic; LiteRT computes what it computes (xnnpack): drop --rounding or use --runtime octet\n");
    expect(kernels.code).toBe(1);
    expect(kernels.stderr).toBe("octet: --kernels chooses Octet's kernels; LiteRT runs its own: drop --kernels or use --runtime octet\n");
  });
});
