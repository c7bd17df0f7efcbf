import { writeNpy } from '@octet/data';
import { inspect } from '@octet/tflite';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MNIST_JSON, removeTempDirs, tempDir, writeTrainNpy } from './models.ts';
import { octet } from './run.ts';

const tmp = tempDir();
const data = writeTrainNpy(tmp, 20);

interface JsonLayer {
  name: string;
  op: string;
  scale: number[];
  zeroPoint: number[];
  rmseOverScale: number;
  sqnrDb: number | null;
  flags: string[];
}

afterAll(removeTempDirs);

describe('octet debug', () => {
  it('reports every quantized MNIST layer in text, JSON and HTML (one sqnr-bar each); its parameters are those octet convert writes', async () => {
    const json = join(tmp, 'debug.json');
    const html = join(tmp, 'debug.html');
    const tflite = join(tmp, 'int8.tflite');
    const [r, c] = await Promise.all([
      octet(['debug', MNIST_JSON, '--representative', data, '--json', json, '--html', html]),
      octet(['convert', MNIST_JSON, '-o', tflite, '--mode', 'int8', '--representative', data]),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(c.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${MNIST_JSON}: 6 quantized layers compared on 20 samples (xnnpack arithmetic), 1 flagged`);
    expect(lines[1].split(/\s{2,}/)).toEqual(['layer', 'op', 'scale', 'zp', 'range used', 'range seen', 'RMSE', 'RMSE/scale', 'SQNR', 'flags']);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'input_1 quantize',
      'reshape reshape',
      'conv2d conv_2d',
      'max_pooling2d max_pool_2d',
      'flatten reshape',
      'dense fully_connected',
    ]);

    const report = JSON.parse(readFileSync(json, 'utf8')) as { samples: number; layers: JsonLayer[] };
    expect(report.samples).toBe(20);
    expect(report.layers.map((l) => l.name)).toEqual(['input_1', 'reshape', 'conv2d', 'max_pooling2d', 'flatten', 'dense']);
    // A sound int8 model: every layer well above 20 dB, errors near the rounding error (0.29 steps).
    for (const l of report.layers) {
      expect(l.sqnrDb).toBeGreaterThan(20);
      expect(l.rmseOverScale).toBeLessThan(1);
    }
    expect(report.layers.filter((l) => l.flags.includes('lowest SQNR'))).toHaveLength(1);
    // The debugger quantizes as octet convert does: the same scale and zero point per tensor name.
    const tensors = inspect(new Uint8Array(readFileSync(tflite))).subgraphs[0].tensors;
    for (const name of ['reshape', 'conv2d', 'max_pooling2d', 'flatten']) {
      const t = tensors.find((x) => x.name === name)!;
      const l = report.layers.find((x) => x.name === name)!;
      expect([l.scale, l.zeroPoint]).toEqual([t.quantization!.scale, t.quantization!.zeroPoint]);
    }

    const page = readFileSync(html, 'utf8');
    expect(page.match(/<rect class="sqnr-bar/g)).toHaveLength(report.layers.length);
    expect(page).not.toMatch(/<script|src=|href=/);
  });

  it('--calibration mse and --bias-correction quantize as octet convert does with them: the same parameters per tensor, and another int8 graph than with TFLite parity', async () => {
    const json = join(tmp, 'debug-mse.json');
    const parityJson = join(tmp, 'debug-parity.json');
    const tflite = join(tmp, 'int8-mse.tflite');
    const beyond = ['--calibration', 'mse', '--bias-correction'];
    const [r, c] = await Promise.all([
      octet(['debug', MNIST_JSON, '--representative', data, '--json', json, ...beyond]),
      octet(['convert', MNIST_JSON, '-o', tflite, '--mode', 'int8', '--representative', data, ...beyond]),
      octet(['debug', MNIST_JSON, '--representative', data, '--json', parityJson]),
    ]);
    expect(r.stderr).toBe('');
    expect(c.code).toBe(0);
    const layers = (JSON.parse(readFileSync(json, 'utf8')) as { layers: JsonLayer[] }).layers;
    const tensors = inspect(new Uint8Array(readFileSync(tflite))).subgraphs[0].tensors;
    for (const name of ['reshape', 'conv2d', 'max_pooling2d', 'flatten']) {
      const t = tensors.find((x) => x.name === name)!;
      const l = layers.find((x) => x.name === name)!;
      expect([l.scale, l.zeroPoint]).toEqual([t.quantization!.scale, t.quantization!.zeroPoint]);
    }
    // Bias correction moves the conv and dense biases: the int8 graph compared is another one than TFLite parity's.
    const parity = (JSON.parse(readFileSync(parityJson, 'utf8')) as { layers: (JsonLayer & { rmse: number })[] }).layers;
    const rmse = (ls: JsonLayer[], name: string) => (ls.find((l) => l.name === name) as JsonLayer & { rmse: number }).rmse;
    expect(rmse(layers, 'conv2d')).not.toBe(rmse(parity, 'conv2d'));
    expect(r.stdout.split('\n')[0]).toBe(`${MNIST_JSON}: 6 quantized layers compared on 20 samples (xnnpack arithmetic), 1 flagged`);
  });

  it('--samples limits calibration and comparison alike', async () => {
    const r = await octet(['debug', MNIST_JSON, '--representative', data, '--samples', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/compared on 3 samples/);
  });

  it('errors are one line and leave no report behind', async () => {
    const dir = tempDir();
    const f64 = join(dir, 'f64.npy');
    writeNpy(f64, { shape: [2, 28, 28], data: new Float64Array(2 * 784) });
    const html = join(dir, 'r.html');
    const a = await octet(['debug', MNIST_JSON, '--representative', f64, '--html', html]);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe(`octet: ${f64}: the .npy array is float64, float32 is needed: save it with x.astype(np.float32)\n`);
    expect(existsSync(html)).toBe(false);
    const b = await octet(['debug', MNIST_JSON]);
    expect(b.code).toBe(1);
    expect(b.stderr.split('\n')[0]).toBe("octet: required option '--representative <data>' not specified");
    expect(readdirSync(dir)).toEqual(['f64.npy']);
  });
});
