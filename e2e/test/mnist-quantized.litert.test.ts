import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Converter } from '@octet/converter';
import { loadMnist } from '@octet/data';
import { Interpreter } from '@octet/interpreter';
import { loadLiteRtNode, type LiteRtModel } from '@octet/litert';
import { read } from '@octet/tflite';

// Issue 4 acceptance on the committed tutorial fixture (representative data: the first 100
// training images / 255). Sizes are TensorFlow 2.21's files for the same model, static batch 1.
const MODEL = fileURLToPath(new URL('../fixtures/mnist/model.json', import.meta.url));
const N = 10_000;
const train = loadMnist('train', { limit: 100 });
const test = loadMnist('test', { limit: N });
const image = (i: number) => Float32Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255);

function representative() {
  return (function* () {
    for (let i = 0; i < 100; i++) yield [Float32Array.from(train.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255)];
  })();
}

type Variant = 'float' | 'dynamic' | 'float16' | 'fallback' | 'int8-uint8' | 'int8-int8';
const TF_BYTES: Record<Variant, number> = { float: 83_972, dynamic: 23_320, float16: Infinity, fallback: 23_944, 'int8-uint8': 23_968, 'int8-int8': 23_648 };

async function convert(v: Variant): Promise<Uint8Array> {
  const c = Converter.fromModelJson(MODEL);
  if (v !== 'float') c.optimizations = ['DEFAULT'];
  if (v === 'float16') c.targetSpec.supportedTypes = ['float16'];
  if (v === 'fallback' || v.startsWith('int8')) c.representativeDataset = representative;
  if (v.startsWith('int8')) {
    c.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
    c.inferenceInputType = c.inferenceOutputType = v === 'int8-uint8' ? 'uint8' : 'int8';
  }
  return c.convert();
}

const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k] > v[best]) best = k;
  return best;
};

/** Quantizes x/255 as TFLite's QUANTIZE does (round half away from zero, clamp). */
function quantizeInput(x: Float32Array, scale: number, zeroPoint: number, lo: number, hi: number, out: Int8Array | Uint8Array): void {
  for (let i = 0; i < x.length; i++) {
    const q = x[i] / scale;
    out[i] = Math.min(hi, Math.max(lo, (q < 0 ? -Math.round(-q) : Math.round(q)) + zeroPoint));
  }
}

describe('MNIST quantized conversions (issue 4 acceptance, all 10,000 test images)', () => {
  const files = new Map<Variant, Uint8Array>();
  const litert = new Map<Variant, LiteRtModel>();
  const accuracy = new Map<Variant, number>();

  beforeAll(async () => {
    const rt = await loadLiteRtNode();
    for (const v of Object.keys(TF_BYTES) as Variant[]) {
      files.set(v, await convert(v));
      if (v !== 'int8-int8') litert.set(v, await rt.compile(files.get(v)!));
    }
  });
  afterAll(() => litert.forEach((m) => m.dispose()));

  it('writes files no larger than TensorFlow 2.21; float16 at most 0.55 × float', () => {
    for (const [v, bytes] of files) expect(bytes.length, v).toBeLessThanOrEqual(TF_BYTES[v]);
    expect(files.get('float16')!.length).toBeLessThanOrEqual(0.55 * files.get('float')!.length);
  });

  it.each(['float', 'dynamic', 'float16', 'fallback'] as const)('%s: LiteRT and ours agree on every argmax and to 1e-5 × max|output|', async (v) => {
    const ours = new Interpreter(read(files.get(v)!));
    const rt = litert.get(v)!;
    let agree = 0;
    let correct = 0;
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const x = image(i);
      const a = ours.run([x])[0] as Float32Array;
      const [b] = (await rt.run([x])) as Float32Array[];
      let scale = 0;
      for (let k = 0; k < 10; k++) scale = Math.max(scale, Math.abs(b[k]));
      for (let k = 0; k < 10; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]) / scale);
      if (argmax(a) === argmax(b)) agree++;
      if (argmax(a) === test.labels[i]) correct++;
    }
    accuracy.set(v, correct / N);
    expect(agree).toBe(N);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('integer-only uint8 I/O: LiteRT and ours byte-identical on every image; int8 I/O through its uint8 twin', async () => {
    const u8 = new Interpreter(read(files.get('int8-uint8')!));
    const i8 = new Interpreter(read(files.get('int8-int8')!));
    const rt = litert.get('int8-uint8')!;
    const [inU8] = u8.getInputDetails();
    const [inI8] = i8.getInputDetails();
    const xu = new Uint8Array(784);
    const xi = new Int8Array(784);
    let identical = 0;
    let twin = 0;
    let correct = 0;
    for (let i = 0; i < N; i++) {
      const x = image(i);
      quantizeInput(x, inU8.quantization.scale, inU8.quantization.zeroPoint, 0, 255, xu);
      quantizeInput(x, inI8.quantization.scale, inI8.quantization.zeroPoint, -128, 127, xi);
      const ours = u8.run([xu])[0] as Uint8Array;
      const [theirs] = (await rt.run([xu])) as Uint8Array[];
      if (ours.every((q, k) => q === theirs[k])) identical++;
      // LiteRT(u8)(x + 128) − 128 = ours(i8)(x)
      const oursI8 = i8.run([xi])[0] as Int8Array;
      if (xi.every((q, k) => q + 128 === xu[k]) && oursI8.every((q, k) => q + 128 === theirs[k])) twin++;
      if (argmax(ours) === test.labels[i]) correct++;
    }
    expect(identical).toBe(N);
    expect(twin).toBe(N);
    const float = accuracy.get('float');
    expect(float).toBeDefined();
    expect(Math.abs(correct / N - float!)).toBeLessThanOrEqual(0.001);
  });
});
