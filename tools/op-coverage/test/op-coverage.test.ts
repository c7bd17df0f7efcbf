import { isUnsupported, OP_KINDS } from '@octet/ir';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyze, type Cell, type Report } from '../src/index.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/op-coverage.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

const runBin = (root: string) => spawnSync(process.execPath, [BIN, '--root', root], { encoding: 'utf8' });
const cellsOf = (report: Report, title: string) => Object.fromEntries(report.tables.find((t) => t.title === title)!.cells);

describe('op-coverage on a fixture without holes', () => {
  const report = analyze(join(FIXTURES, 'complete'));

  it('reads the op kinds of the registry, quoted keys included', () => {
    expect(report.opKinds).toEqual(['add', 'relu', 'conv_2d']);
  });

  it('finds the satisfies-checked and the annotated tables, and not Partial or non-op records', () => {
    expect(report.tables.map((t) => [t.title, t.file, t.line])).toEqual([
      ['emit/EMIT', 'packages/emit/src/rules.ts', 13],
      ['kernels/kernels', 'packages/kernels/src/table.ts', 12],
    ]);
  });

  it('reads methods, shorthands, spreads, helpers, and unsupported() through consts, helpers and import renames', () => {
    const S: Cell = { status: 'supported' };
    expect(cellsOf(report, 'kernels/kernels')).toEqual({ add: S, relu: S, conv_2d: { status: 'unsupported', reason: 'conv kernels come later' } });
    expect(cellsOf(report, 'emit/EMIT')).toEqual({ add: S, relu: S, conv_2d: { status: 'unsupported', reason: 'the emitter writes no convolution yet' } });
  });

  it('counts an op as golden-covered when a golden file applies it, not when a name merely contains it', () => {
    // The golden file applies add( and mentions "relu" only as an attribute value and inside @conv_bn_relu(.
    expect(Object.fromEntries(report.golden)).toEqual({ add: ['packages/kernels/test/golden/fold-things/fold-things.qir'], relu: [], conv_2d: [] });
  });

  it('passes: no problem, exit 0, matrix on stdout', () => {
    expect(report.problems).toEqual([]);
    const r = runBin(join(FIXTURES, 'complete'));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 5)).toEqual([
      'op       emit         kernels      golden',
      '         EMIT         kernels      (info)',
      'add      ✓            ✓            ✓',
      'relu     ✓            ✓            -',
      'conv_2d  unsupported  unsupported  -',
    ]);
  });
});

describe('op-coverage on a fixture with holes', () => {
  it('reports a missing entry, an undefined entry and a stale key, and exits 1', () => {
    const expected = [
      "packages/emit/src/rules.ts:4: emit/EMIT has an entry for 'mul', which is not an op kind of packages/ir/src/ops.ts: remove it",
      "packages/kernels/src/table.ts:6: kernels/kernels has no entry for 'relu': handle it, or declare it unsupported('why')",
      "packages/kernels/src/table.ts:6: kernels/kernels has no entry for 'conv_2d': handle it, or declare it unsupported('why')",
    ];
    expect(analyze(join(FIXTURES, 'holes')).problems).toEqual(expected);
    const r = runBin(join(FIXTURES, 'holes'));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(expected.map((p) => `op-coverage: ${p}\n`).join(''));
    expect(r.stdout).toMatch(/^relu +✓ +✗ HOLE +-$/m);
  });

  it('exits 2 on a project without a registry', () => {
    const r = runBin(join(FIXTURES, 'holes', 'packages'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^op-coverage: no op registry: packages\/ir\/src\/ops\.ts is missing under /);
  });
});

describe('op-coverage on this repository', () => {
  const report = analyze(REPO);

  it('reads the same op kinds as the registry at run time', () => {
    expect(report.opKinds).toEqual(OP_KINDS);
  });

  it('finds the consumer tables that exist today', () => {
    const titles = report.tables.map((t) => t.title);
    for (const t of ['interpreter/floatKernels', 'interpreter/int8Kernels', 'tflite/EMIT_RULES', 'tflite/READ_RULES']) expect(titles).toContain(t);
  });

  it('agrees with each table at run time: entry or unsupported(reason), the same reason', async () => {
    let checked = 0;
    for (const t of report.tables) {
      const mod = (await import(join(REPO, t.file))) as Record<string, Record<string, unknown>>;
      const runtime = mod[t.title.split('/')[1]];
      if (runtime === undefined) continue; // not exported
      checked++;
      for (const [op, cell] of t.cells) {
        const entry = runtime[op];
        const seen: Cell = isUnsupported(entry) ? { status: 'unsupported', reason: entry.unsupported } : entry === undefined ? { status: 'hole' } : { status: 'supported' };
        expect({ table: t.title, op, cell }).toEqual({ table: t.title, op, cell: seen });
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
