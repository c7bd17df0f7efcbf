import { writeNpy } from '@octet/data';
import { inspect } from '@octet/tflite';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floatMnist, MNIST_JSON, quantizedMnist, removeTempDirs, tempDir, trainRows, writeTrainNpy } from './models.ts';
import { BIN, octet, spawnIn } from './run.ts';

const tmp = tempDir();
const ops = (bytes: Uint8Array) => inspect(bytes).subgraphs[0].operators.map((o) => o.op);
/** Stack trace lines, as Node prints them. */
const STACK_LINE = /^\s+at /m;

/** The MNIST model.json with one layer renamed to a class Octet does not import (a conversion that fails). */
function brokenModelJson(dir: string): string {
  const json = JSON.parse(readFileSync(MNIST_JSON, 'utf8')) as { modelTopology: { config: { layers: { class_name: string }[] } } };
  json.modelTopology.config.layers[4].class_name = 'LSTM';
  copyFileSync(join(dirname(MNIST_JSON), 'weights.bin'), join(dir, 'weights.bin'));
  const file = join(dir, 'broken.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

afterAll(removeTempDirs);

describe('octet convert', () => {
  it('converts the MNIST fixture to float: the ops of issue 3, at most TensorFlow\'s 83,972 bytes, one summary line with bytes and ms', async () => {
    const dir = tempDir();
    const out = join(dir, 'mnist.tflite');
    const r = await octet(['convert', MNIST_JSON, '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const bytes = new Uint8Array(readFileSync(out));
    expect(r.stdout).toMatch(new RegExp(`^${out}: ${bytes.length} bytes, float, converted in \\d+ ms\\n$`));
    expect(bytes.length).toBeLessThanOrEqual(83_972);
    expect(ops(bytes)).toEqual(['RESHAPE', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
    // Atomic write: the temporary file was renamed, nothing else is left.
    expect(readdirSync(dir)).toEqual(['mnist.tflite']);
  });

  it('converts a float .tflite (its own output) to the same bytes', async () => {
    const src = join(tmp, 'src.tflite');
    writeFileSync(src, await floatMnist());
    const out = join(tmp, 'again.tflite');
    const r = await octet(['convert', src, '-o', out]);
    expect(r.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(src))).toBe(0);
  });

  it('--help lists every flag of issue 4\'s table and --print-pipeline', async () => {
    const r = await octet(['convert', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['-o, --output <file>', '--input-shape <dims>', '--mode <mode>', '--representative <data>', '--samples <n>', '--integer-only', '--input-type <type>', '--output-type <type>', '--calibration <observer>', '--bias-correction', '--per-tensor-dense', '--print-pipeline']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/choices:\s+"float",\s+"dynamic",\s+"float16",\s+"int8"/);
  });

  it('--print-pipeline prints the passes as octet opt --passes takes them, writes nothing', async () => {
    const r = await octet(['convert', MNIST_JSON, '--print-pipeline']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('remove-identity,fold-constants,fold-bias-add,fold-batch-norm,fuse-activation\n');
  });

  it('a failing conversion leaves no file and no temporary file, and an existing output untouched; one line, exit 1', async () => {
    const dir = tempDir();
    const model = brokenModelJson(dir);
    const out = join(dir, 'out.tflite');
    writeFileSync(out, 'the previous file');
    const before = readdirSync(dir).sort();
    const r = await octet(['convert', model, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^octet: [^\n]*LSTM[^\n]*\n$/);
    expect(readFileSync(out, 'utf8')).toBe('the previous file');
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('a write that fails (the output is a folder) removes its temporary file; one line, exit 1', async () => {
    const dir = tempDir();
    const out = join(dir, 'taken');
    mkdirSync(join(out, 'inside'), { recursive: true });
    const r = await octet(['convert', MNIST_JSON, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`octet: cannot write '${out}': it is a directory\n`);
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readdirSync(out)).toEqual(['inside']);
  });

  it('--mode int8 without --representative is an error naming the flag; nothing written', async () => {
    const out = join(tmp, 'int8.tflite');
    const r = await octet(['convert', MNIST_JSON, '-o', out, '--mode', 'int8']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('octet: --mode int8 needs --representative <data.npy|module.js>: calibration data, e.g. the first 100 training inputs as a float32 .npy\n');
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a float64 .npy with the cast to use; nothing written', async () => {
    const npy = join(tmp, 'f64.npy');
    writeNpy(npy, { shape: [2, 28, 28], data: new Float64Array(2 * 784) });
    const out = join(tmp, 'f64.tflite');
    const r = await octet(['convert', MNIST_JSON, '-o', out, '--mode', 'int8', '--representative', npy]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`octet: ${npy}: the .npy array is float64, float32 is needed: save it with x.astype(np.float32)\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --representative outside --mode int8, and --samples without data', async () => {
    const npy = writeTrainNpy(tmp, 4);
    const [a, b] = await Promise.all([
      octet(['convert', MNIST_JSON, '-o', join(tmp, 'a.tflite'), '--mode', 'dynamic', '--representative', npy]),
      octet(['convert', MNIST_JSON, '-o', join(tmp, 'b.tflite'), '--samples', '10']),
    ]);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe('octet: --representative calibrates --mode int8, not --mode dynamic: add --mode int8 or drop --representative\n');
    expect(b.code).toBe(1);
    expect(b.stderr).toBe('octet: --samples limits --representative: give the data too\n');
  });

  it('usage errors are one line: a bad --mode, a bad --input-shape, a missing -o, an unknown model kind', async () => {
    const [mode, shape, noOut, kind] = await Promise.all([
      octet(['convert', MNIST_JSON, '-o', join(tmp, 'x.tflite'), '--mode', 'int4']),
      octet(['convert', MNIST_JSON, '-o', join(tmp, 'x.tflite'), '--input-shape', '1,x,28']),
      octet(['convert', MNIST_JSON]),
      octet(['convert', 'model.onnx', '-o', join(tmp, 'x.tflite')]),
    ]);
    expect(mode.code).toBe(1);
    expect(mode.stderr.split('\n')[0]).toBe("octet: option '--mode <mode>' argument 'int4' is invalid. Allowed choices are float, dynamic, float16, int8.");
    expect(shape.stderr.split('\n')[0]).toBe("octet: option '--input-shape <dims>' argument '1,x,28' is invalid. expected comma-separated positive integers, e.g. 1,224,224,3.");
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toBe('octet: convert needs -o <out.tflite>: the file to write (or --print-pipeline to only show the passes)\n');
    expect(kind.stderr).toBe("octet: cannot tell what 'model.onnx' is: give a tfjs model.json (layers or graph format) or a float .tflite\n");
    for (const r of [mode, shape, noOut, kind]) expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('--input-shape fixes the batch of a dynamic input; on a .tflite it is refused', async () => {
    const out = join(tmp, 'shaped.tflite');
    const r = await octet(['convert', MNIST_JSON, '-o', out, '--input-shape', '28,28']);
    expect(r.code).toBe(0);
    expect(inspect(new Uint8Array(readFileSync(out))).subgraphs[0].tensors[0].shape).toEqual([1, 28, 28]);
    const bad = await octet(['convert', out, '-o', join(tmp, 'x.tflite'), '--input-shape', '1,28,28']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`octet: --input-shape is for a model.json with dynamic dimensions: ${out} is a .tflite, whose shapes are static\n`);
  });

  it('a missing model file is one line', async () => {
    const r = await octet(['convert', 'no/such/model.json', '-o', join(tmp, 'x.tflite')]);
    expect(r.stderr).toBe("octet: cannot read 'no/such/model.json': no such file or directory\n");
    expect(r.code).toBe(1);
  });

  describe('quantized (issue 4: the tutorial\'s five conversions)', () => {
    const dir = tempDir();
    const train100 = writeTrainNpy(dir, 100);
    const file = (name: string) => join(dir, name);
    const bytesOf = (name: string) => new Uint8Array(readFileSync(file(name)));
    const int8 = ['--mode', 'int8', '--representative', train100];
    // TensorFlow 2.21's sizes for the same model with a static batch of 1 (issue 4).
    const variants = [
      { name: 'dynamic.tflite', args: ['--mode', 'dynamic'], tf: 23_320, summary: 'dynamic' },
      { name: 'fallback.tflite', args: int8, tf: 23_944, summary: 'int8' },
      { name: 'uint8.tflite', args: [...int8, '--integer-only', '--input-type', 'uint8', '--output-type', 'uint8'], tf: 23_968, summary: 'int8, integer-only, uint8 in, uint8 out' },
      { name: 'int8.tflite', args: [...int8, '--integer-only', '--input-type', 'int8', '--output-type', 'int8'], tf: 23_648, summary: 'int8, integer-only, int8 in, int8 out' },
    ];
    let runs: Awaited<ReturnType<typeof octet>>[];

    it('each variant converts, is no larger than TensorFlow\'s file, and stays quiet off a terminal', async () => {
      runs = await Promise.all(variants.map((v) => octet(['convert', MNIST_JSON, '-o', file(v.name), ...v.args])));
      runs.forEach((r, i) => {
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const size = bytesOf(variants[i].name).length;
        expect(r.stdout).toMatch(new RegExp(`^${file(variants[i].name)}: ${size} bytes, ${variants[i].summary}, converted in \\d+ ms\\n$`));
        expect(size).toBeLessThanOrEqual(variants[i].tf);
      });
    });

    it('the flags reach the Converter: the int8 files equal the passes run with the same recipe, byte for byte', async () => {
      expect(Buffer.compare(bytesOf('uint8.tflite'), await quantizedMnist('uint8'))).toBe(0);
      expect(Buffer.compare(bytesOf('int8.tflite'), await quantizedMnist('int8'))).toBe(0);
      expect(Buffer.compare(bytesOf('fallback.tflite'), await quantizedMnist('float32'))).toBe(0);
      const io = (name: string) => {
        const t = inspect(bytesOf(name)).subgraphs[0];
        return [t.tensors[t.inputs[0]].dtype, t.tensors[t.outputs[0]].dtype];
      };
      expect(io('uint8.tflite')).toEqual(['UINT8', 'UINT8']);
      expect(io('fallback.tflite')).toEqual(['FLOAT32', 'FLOAT32']);
      expect(ops(bytesOf('uint8.tflite'))).toEqual(['QUANTIZE', 'RESHAPE', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'QUANTIZE']);
    });

    it('--mode float16 is at most 0.55 × the float file', async () => {
      const r = await octet(['convert', MNIST_JSON, '-o', file('f16.tflite'), '--mode', 'float16']);
      expect(r.code).toBe(0);
      expect(bytesOf('f16.tflite').length).toBeLessThanOrEqual(0.55 * (await floatMnist()).length);
    });

    it('--samples 10 calibrates on the first 10 rows (the same file as a 10-row .npy); --per-tensor-dense gives fully_connected one scale', async () => {
      const ten = writeTrainNpy(tempDir(), 10);
      const [a, b] = await Promise.all([
        octet(['convert', MNIST_JSON, '-o', file('s10.tflite'), ...int8, '--samples', '10', '--per-tensor-dense']),
        octet(['convert', MNIST_JSON, '-o', file('n10.tflite'), '--mode', 'int8', '--representative', ten, '--per-tensor-dense']),
      ]);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      expect(Buffer.compare(bytesOf('s10.tflite'), bytesOf('n10.tflite'))).toBe(0);
      expect(Buffer.compare(bytesOf('s10.tflite'), bytesOf('fallback.tflite'))).not.toBe(0);
      const kernel = inspect(bytesOf('s10.tflite')).subgraphs[0].tensors.find((t) => t.name === 'dense/kernel')!;
      expect(kernel.quantization!.scale).toHaveLength(1);
    });

    it('a JS module dataset gives the same file as a .npy of the same samples', async () => {
      const rows = trainRows(20);
      const npy = join(dir, 'twenty.npy');
      writeNpy(npy, { shape: [20, 28, 28], data: rows });
      const mod = join(dir, 'twenty.mjs');
      // An async generator function reading the same .npy by hand (header 128 bytes, then float32 data).
      writeFileSync(
        mod,
        `import { readFileSync } from 'node:fs';\n` +
          `const b = readFileSync(${JSON.stringify(npy)});\n` +
          `const x = new Float32Array(b.buffer.slice(b.byteOffset + 128, b.byteOffset + b.length));\n` +
          `export default async function* () { for (let i = 0; i < 20; i++) yield x.slice(i * 784, (i + 1) * 784); }\n`,
      );
      const [a, b] = await Promise.all([
        octet(['convert', MNIST_JSON, '-o', file('mod.tflite'), '--mode', 'int8', '--representative', mod]),
        octet(['convert', MNIST_JSON, '-o', file('npy20.tflite'), '--mode', 'int8', '--representative', npy]),
      ]);
      expect(a.stderr).toBe('');
      expect(b.code).toBe(0);
      expect(Buffer.compare(bytesOf('mod.tflite'), bytesOf('npy20.tflite'))).toBe(0);
    });

    it('a dataset that fails mid-calibration leaves nothing behind; one line, exit 1', async () => {
      const d = tempDir();
      const mod = join(d, 'bad.mjs');
      writeFileSync(mod, `export default function* () { for (let i = 0; i < 3; i++) yield new Float32Array(784).fill(i / 3); yield new Float32Array(5); }\n`);
      const r = await octet(['convert', MNIST_JSON, '-o', join(d, 'out.tflite'), '--mode', 'int8', '--representative', mod]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^octet: [^\n]*entry 3[^\n]*784[^\n]*\n$/);
      expect(readdirSync(d)).toEqual(['bad.mjs']);
    });

    it('the flags that need --mode int8 say so in flag terms', async () => {
      const [io, only] = await Promise.all([
        octet(['convert', MNIST_JSON, '-o', file('x.tflite'), '--input-type', 'uint8']),
        octet(['convert', MNIST_JSON, '-o', file('x.tflite'), '--mode', 'dynamic', '--integer-only']),
      ]);
      expect(io.stderr).toBe('octet: --input-type uint8 needs --mode int8 (got --mode float): only a fully quantized model has int8 or uint8 inputs and outputs\n');
      expect(only.stderr).toBe('octet: --integer-only needs --mode int8 (got --mode dynamic): only a fully quantized model can be integer-only\n');
      expect(existsSync(file('x.tflite'))).toBe(false);
    });

    it('--calibration mse and --bias-correction reach the Converter: the same bytes as the passes with that recipe, other than the TFLite-parity file, and named in the summary', async () => {
      const args = [...int8, '--integer-only', '--input-type', 'uint8', '--output-type', 'uint8', '--calibration', 'mse', '--bias-correction'];
      const [r, shown] = await Promise.all([
        octet(['convert', MNIST_JSON, '-o', file('mse-bc.tflite'), ...args]),
        octet(['convert', MNIST_JSON, '--print-pipeline', ...args]),
      ]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/, int8, integer-only, uint8 in, uint8 out, mse calibration, bias-corrected, converted in \d+ ms\n$/);
      expect(shown.stdout.trim().split(',')).toContain('calibrate{observer=mse channel-means=true}');
      expect(shown.stdout.trim().split(',')).toContain('correct-bias');
      expect(Buffer.compare(bytesOf('mse-bc.tflite'), await quantizedMnist('uint8', true, { calibration: 'mse', biasCorrection: true }))).toBe(0);
      expect(Buffer.compare(bytesOf('mse-bc.tflite'), bytesOf('uint8.tflite'))).not.toBe(0);
      const bad = await octet(['convert', MNIST_JSON, '-o', file('y.tflite'), '--mode', 'dynamic', '--bias-correction']);
      expect(bad.stderr).toBe('octet: --bias-correction needs --mode int8 (got --mode dynamic): only full integer quantization calibrates\n');
      expect(existsSync(file('y.tflite'))).toBe(false);
    });

    it('--print-pipeline shows the int8 passes without reading data', async () => {
      const r = await octet(['convert', MNIST_JSON, '--print-pipeline', '--mode', 'int8', '--integer-only', '--input-type', 'uint8', '--output-type', 'uint8']);
      expect(r.code).toBe(0);
      const passes = r.stdout.trim().split(',');
      expect(passes).toContain('calibrate');
      expect(passes).toContain('retype-io{input=uint8 output=uint8}');
      expect(passes.filter((p) => p === 'check-int8-legality')).toHaveLength(2);
      expect(passes).not.toContain('float-fallback');
    });

    it('on a terminal, calibration draws a progress bar on stderr', async () => {
      // script(1) gives the command a pseudo-terminal; its output (stdout and stderr together) comes back through the pty.
      const cmd = [process.execPath, BIN, 'convert', MNIST_JSON, '-o', file('tty.tflite'), ...int8].map((a) => `'${a}'`).join(' ');
      const r = await spawnIn(dir, 'script', ['-qec', cmd, '/dev/null']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/calibrating .*100\/100 \(100%\)/);
      expect(r.stdout).toContain(`${file('tty.tflite')}: 23`);
    });
  });
});
