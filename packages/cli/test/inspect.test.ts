import type { InspectedModel } from '@octet/tflite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatMnist, MNIST_JSON, quantizedMnist, removeTempDirs, tempDir, writeFile } from './models.ts';
import { octet } from './run.ts';

const tmp = tempDir();
let floatFile: string;
let int8File: string;

beforeAll(async () => {
  floatFile = writeFile(tmp, 'float.tflite', await floatMnist());
  int8File = writeFile(tmp, 'int8.tflite', await quantizedMnist('int8'));
});

/** The rows of a section of the text output (after its `name (n):` line, up to a blank or unindented line). */
function section(text: string, name: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${name} (`));
  const rows: string[] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('  ')) break;
    rows.push(l.trim());
  }
  return rows;
}

afterAll(removeTempDirs);

describe('octet inspect', () => {
  it('lists the operators of a .tflite in order with versions, operands and options', async () => {
    const r = await octet(['inspect', floatFile]);
    expect(r.code).toBe(0);
    const operators = section(r.stdout, 'operators').map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    expect(operators).toEqual(['0 RESHAPE', '1 CONV_2D', '2 MAX_POOL_2D', '3 RESHAPE', '4 FULLY_CONNECTED']);
    expect(r.stdout).toMatch(/^ {2}1 +CONV_2D +1 +2,3,4 +5 +padding=VALID stride_w=1 stride_h=1 fused_activation_function=RELU/m);
    expect(r.stdout).toMatch(/^signature 'serving_default' \(subgraph 0\): inputs input_1 \(tensor 0, FLOAT32 \[1,28,28\]\); outputs dense \(tensor \d+, FLOAT32 \[1,10\]\)$/m);
    // The dense kernel's buffer: 10 × 2028 float32.
    expect(r.stdout).toMatch(/^ {2}\d+ +dense\/kernel +FLOAT32 +\[10,2028\] +\d+ +81,120$/m);
  });

  it('shows int8 scales, zero points and the quantized dimension; per-axis lists are shortened in text', async () => {
    const r = await octet(['inspect', int8File]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}0 +input_1 +INT8 +\[1,28,28\] +0 +0 +scale 0\.003921569 zero point -128$/m);
    // 12 conv filters: per axis 0, eight scales shown, then the count.
    expect(r.stdout).toMatch(/conv2d\/kernel +INT8 +\[12,3,3,1\] +\d+ +108 +per axis 0: scales \[(\S+, ){8}… 12 in all\] zero points \[0, 0, 0, 0, 0, 0, 0, 0, … 12 in all\]$/m);
  });

  it('--json holds every scale, zero point and quantized dimension, buffer sizes and the signature', async () => {
    const r = await octet(['inspect', int8File, '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout) as InspectedModel;
    const tensors = m.subgraphs[0].tensors;
    const kernel = tensors.find((t) => t.name === 'conv2d/kernel')!;
    expect(kernel.dtype).toBe('INT8');
    expect(kernel.quantization!.quantizedDimension).toBe(0);
    expect(kernel.quantization!.scale).toHaveLength(12);
    expect(kernel.quantization!.zeroPoint).toEqual(new Array(12).fill(0));
    expect(kernel.bufferSize).toBe(108);
    const bias = tensors.find((t) => t.name === 'conv2d/bias')!;
    expect(bias.dtype).toBe('INT32');
    expect(m.signatures[0].key).toBe('serving_default');
    expect(m.size).toBe((await quantizedMnist('int8')).length);
  });

  it('prints the IR a model.json imports to, with a summary line', async () => {
    const r = await octet(['inspect', MNIST_JSON]);
    expect(r.code).toBe(0);
    const first = r.stdout.split('\n')[0];
    expect(first).toBe(`${MNIST_JSON}: graph @mnist, 5 ops after canonicalization (reshape ×2, conv_2d ×1, max_pool_2d ×1, fully_connected ×1), 20,410 parameters in 4 constants`);
    expect(r.stdout).toContain('inputs: input_1 float32[1,28,28]\noutputs: dense float32[1,10]\n');
    expect(r.stdout).toMatch(/%conv2d = conv_2d\(%reshape, %"conv2d\/kernel", %"conv2d\/bias"\)/);
    expect(r.stdout).toMatch(/const f32\[10,2028\] elided<[0-9a-f]{16}>/);
  });

  it('--json on a model.json gives op counts and parameters', async () => {
    const r = await octet(['inspect', MNIST_JSON, '--json']);
    const s = JSON.parse(r.stdout) as { opCounts: Record<string, number>; parameters: number; inputs: { name: string; shape: number[] }[] };
    expect(s.opCounts).toEqual({ reshape: 2, conv_2d: 1, max_pool_2d: 1, fully_connected: 1 });
    // conv 12·3·3·1 + 12, dense 2028·10 + 10 (a reshape keeps its shape as an attribute in the IR).
    expect(s.parameters).toBe(108 + 12 + 20280 + 10);
    expect(s.inputs).toEqual([{ name: 'input_1', dtype: 'float32', shape: [1, 28, 28] }]);
  });

  it('a file that is not a .tflite is one line, exit 1', async () => {
    const bad = writeFile(tmp, 'bad.tflite', 'not a flatbuffer at all');
    const r = await octet(['inspect', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^octet: [^\n]+\n$/);
    const missing = await octet(['inspect', join(tmp, 'none.tflite')]);
    expect(missing.stderr).toBe(`octet: cannot read '${join(tmp, 'none.tflite')}': no such file or directory\n`);
  });
});
