import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadMnist } from '@octet/data';
import { loadLiteRtNode } from '@octet/litert';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `npm run tutorial` on a subset, in a child process whose stdout is a pipe (not a terminal): the
// same code path as the full run, 1 epoch on 5,000 training images, evaluated on 500 test images.
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TRAIN = 5000;
const TEST = 500;
const ARGS = ['--epochs', '1', '--limit-train', String(TRAIN), '--limit-test', String(TEST), '--layer-samples', '100'];
const LABELS = ['float', 'dynamic range', 'float fallback', 'integer only, uint8 I/O', 'integer only, int8 I/O'];
const FILES = ['mnist_float.tflite', 'mnist_dynamic_range.tflite', 'mnist_float_fallback.tflite', 'mnist_int8_uint8_io.tflite', 'mnist_int8_int8_io.tflite'];
// The tutorial model's layers as Keras names them (tools/train-mnist/src/model.ts), each an op whose
// result is int8 in the integer-only model: the per-layer chart has one bar for each.
const QUANTIZED_LAYERS = ['reshape', 'conv2d', 'max_pooling2d', 'flatten', 'dense'];

const CHROMIUM = '/usr/bin/chromium';
const APT = 'apt-get update && apt-get install -y --no-install-recommends chromium';

interface Printed {
  label: string;
  bytes: number;
  ours: number;
  litert: number;
  agreement: string;
}

/** The rows of the printed table that carry figures. */
function printedRows(stdout: string): Printed[] {
  const rows: Printed[] = [];
  for (const label of LABELS) {
    const esc = label.replace(/[().]/g, '\\$&');
    const m = new RegExp(`^${esc} +([\\d,]+) +(\\d+\\.\\d\\d)% +(\\d+\\.\\d\\d)% +(.+?) +\\d+$`, 'm').exec(stdout);
    if (m) rows.push({ label, bytes: Number(m[1].replace(/,/g, '')), ours: Number(m[2]), litert: Number(m[3]), agreement: m[4] });
  }
  return rows;
}

describe('npm run tutorial, smoke run (1 epoch, 5,000 / 500 images)', () => {
  const out = mkdtempSync(join(tmpdir(), 'octet-tutorial-'));
  let code: number | null;
  let stdout = '';
  let stderr = '';

  beforeAll(async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'e2e/tutorial/main.ts', ...ARGS, '--out', out], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    code = await new Promise((resolve) => child.on('close', resolve));
  }, 180_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('exits 0 and prints plain lines off a terminal (one per epoch, no progress bar)', () => {
    expect(code, stderr).toBe(0);
    expect(stdout).not.toMatch(/\x1b|\r/);
    expect(stdout).toMatch(/^epoch 1\/1: loss \d+\.\d{4}, accuracy \d+\.\d\d%, \d+\.\d s$/m);
    expect(stdout).toContain(`MNIST: 5,000 training and 500 test images`);
  });

  it('prints the table with all five variants, each with plausible accuracies after 1 epoch', () => {
    const rows = printedRows(stdout);
    expect(rows.map((r) => r.label)).toEqual(LABELS);
    for (const r of rows) {
      expect(r.ours, r.label).toBeGreaterThan(80);
      expect(r.litert, r.label).toBeGreaterThan(80);
    }
  });

  it('writes model.json + weights.bin and the five .tflite files (sizes as printed), no temporary files', () => {
    const rows = printedRows(stdout);
    expect(existsSync(join(out, 'model.json'))).toBe(true);
    expect(statSync(join(out, 'weights.bin')).size).toBe(4 * (12 * 9 + 12 + 2028 * 10 + 10));
    FILES.forEach((f, i) => {
      const bytes = readFileSync(join(out, f));
      expect(bytes.subarray(4, 8).toString('latin1'), f).toBe('TFL3');
      expect(bytes.length, f).toBe(rows[i].bytes);
    });
    // the float file holds 20,398 float32 weights; the quantized ones hold them as int8
    expect(rows[0].bytes).toBeGreaterThan(4 * 20398);
    for (const r of rows.slice(1)) expect(r.bytes, r.label).toBeLessThan(rows[0].bytes / 3);
    expect(readdirSync(out).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('agrees with LiteRT: integer outputs byte-identical, float outputs with equal argmax, on every image', () => {
    const agreement = printedRows(stdout).map((r) => r.agreement.replace(/, max \|Δ\| .*/, ''));
    expect(agreement).toEqual(['100.00% argmax', '100.00% argmax', '100.00% argmax', '100.00% byte-identical', '100.00% byte-identical']);
  });

  it("prints the float file's LiteRT accuracy as LiteRT gives it here", async () => {
    const test = loadMnist('test', { limit: TEST });
    const model = await (await loadLiteRtNode()).compile(new Uint8Array(readFileSync(join(out, FILES[0]))));
    let right = 0;
    try {
      for (let i = 0; i < TEST; i++) {
        const [y] = await model.run([Float32Array.from(test.images.subarray(i * 784, (i + 1) * 784), (p) => p / 255)]);
        const best = Array.from(y).indexOf(Math.max(...Array.from(y)));
        if (best === test.labels[i]) right++;
      }
    } finally {
      model.dispose();
    }
    expect(printedRows(stdout)[0].litert).toBe(Number(((100 * right) / TEST).toFixed(2)));
  });

  it('writes report.html, self-contained, with one sqnr-bar per quantized layer', () => {
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    const bars = [...html.matchAll(/<rect class="sqnr-bar[^"]*"[^>]*><title>([^:<]+):/g)].map((m) => m[1]);
    expect(bars).toEqual(QUANTIZED_LAYERS);
    for (const label of LABELS) expect(html).toContain(`<td>${label}</td>`);
  });

  it('report.html renders in headless Chromium without console errors or requests; screenshot in artifacts/report.png', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (${APT})`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      const url = pathToFileURL(join(out, 'report.html')).href;
      page.on('console', (m) => void (m.type() === 'error' || m.type() === 'warning' ? problems.push(`console ${m.type()}: ${m.text()}`) : undefined));
      page.on('pageerror', (e) => void problems.push(`page error: ${e.message}`));
      page.on('request', (r) => void (r.url() === url ? undefined : problems.push(`request: ${r.url()}`)));
      await page.goto(url, { waitUntil: 'load' });
      // the CI artifact, taken before the assertions so that a failing report can be looked at
      mkdirSync(join(REPO, 'artifacts'), { recursive: true });
      await page.screenshot({ path: join(REPO, 'artifacts', 'report.png'), fullPage: true });
      expect(await page.title()).toBe('Octet — MNIST post-training quantization');
      expect(await page.locator('rect.sqnr-bar').count()).toBe(QUANTIZED_LAYERS.length);
      expect(await page.locator('rect.size-bar').count()).toBe(LABELS.length);
      // every bar has a laid-out box (the SVG rendered, not just parsed)
      for (const box of await Promise.all((await page.locator('rect.sqnr-bar').all()).map((r) => r.boundingBox()))) {
        expect(box && box.width > 0 && box.height > 0).toBe(true);
      }
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
