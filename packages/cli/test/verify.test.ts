import { emit } from '@octet/tflite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatMnist, quantizedMnist, quantizedMnistGraph, removeTempDirs, tempDir, writeFile } from './models.ts';
import { octet } from './run.ts';

const tmp = tempDir();
let floatFile: string;
let uint8File: string;

beforeAll(async () => {
  floatFile = writeFile(tmp, 'float.tflite', await floatMnist());
  uint8File = writeFile(tmp, 'uint8.tflite', await quantizedMnist('uint8'));
});

afterAll(removeTempDirs);

describe('octet verify', () => {
  it('accepts the float and the integer-only uint8 MNIST files: one line, exit 0', async () => {
    const f = await octet(['verify', floatFile]);
    expect(f.stderr).toBe('');
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(new RegExp(`^${floatFile}: ok \\(5 operators, \\d+ tensors, \\d+ buffers checked\\)\\n$`));
    const q = await octet(['verify', uint8File]);
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/: ok \(7 operators, /);
  });

  it('prints every problem of a mutated file with its rule id, exit 1', async () => {
    // Two independent mistakes: the conv bias scale off by 2×, the dense weights' zero points 3.
    const g = await quantizedMnistGraph('int8');
    const conv = g.ops.find((op) => op.kind === 'conv_2d')!;
    const bias = conv.inputs[2].type.quant!;
    bias.scale = bias.scale.map((s) => Math.fround(s * 2));
    const dense = g.ops.find((op) => op.kind === 'fully_connected')!;
    const w = dense.inputs[1].type.quant!;
    w.zeroPoint = w.zeroPoint.map(() => 3);
    const file = writeFile(tmp, 'mutated.tflite', emit(g));
    const r = await octet(['verify', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(new RegExp(`^octet: ${file}: .+ \\[[a-z0-9-]+\\]$`));
    const rules = lines.map((l) => /\[([a-z0-9-]+)\]$/.exec(l)![1]);
    expect(rules).toContain('bias-scale');
    expect(rules).toContain('weight-zero-point');
    expect(lines.find((l) => l.endsWith('[bias-scale]'))).toMatch(/conv_2d/);
  });

  it('bytes that are not a TFLite file: the flatbuffer rule, exit 1', async () => {
    const file = writeFile(tmp, 'junk.tflite', new Uint8Array(64).fill(7));
    const r = await octet(['verify', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^octet: ${file}: .+ \\[flatbuffer\\]\\n$`));
  });

  it('a missing file is one line', async () => {
    const r = await octet(['verify', join(tmp, 'none.tflite')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`octet: cannot read '${join(tmp, 'none.tflite')}': no such file or directory\n`);
  });
});
