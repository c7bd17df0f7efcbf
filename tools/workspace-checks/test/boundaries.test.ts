import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBoundaries, type PackageInfo } from '../src/boundaries.ts';
import { importsOf, readWorkspace } from '../src/workspace.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe('package boundaries of this repository (DESIGN.md §2)', () => {
  const packages = readWorkspace(REPO);

  it('reads every package and its sources', () => {
    const dirs = packages.map((p) => p.dir);
    for (const d of ['ir', 'passes', 'interpreter', 'tflite', 'tfjs-importer', 'converter', 'cli']) expect(dirs).toContain(d);
    expect(packages.find((p) => p.dir === 'ir')!.sources.has('src/ops.ts')).toBe(true);
    // A dynamic import counts: `octet opt` loads the passes in its action.
    expect(packages.find((p) => p.dir === 'cli')!.sources.get('src/commands/opt.ts')).toContain('@octet/passes');
  });

  it('has no violation', () => {
    expect(checkBoundaries(packages)).toEqual([]);
  });
});

describe('importsOf', () => {
  it('sees static, type-only, side-effect and dynamic imports and re-exports', () => {
    const src = [
      "import { a } from '@octet/ir';",
      "import type { B } from '@octet/passes';",
      "import '@tensorflow/tfjs';",
      "export { c } from './c.ts';",
      "export * from '@octet/data';",
      'async function f() { return import(\'@octet/tflite\'); }',
    ].join('\n');
    expect(importsOf(src)).toEqual(['@octet/ir', '@octet/passes', '@tensorflow/tfjs', './c.ts', '@octet/data', '@octet/tflite']);
  });
});

/** An in-memory workspace that follows the rules; each negative test breaks it in one place. */
function fake(overrides: Partial<Record<string, Partial<PackageInfo>>> = {}): PackageInfo[] {
  const base: PackageInfo[] = [
    pkg('ir', [], { 'src/index.ts': ['./ops.ts'], 'src/ops.ts': [] }),
    pkg('interpreter', ['ir'], { 'src/index.ts': ['@octet/ir'] }),
    pkg('passes', ['ir', 'interpreter'], { 'src/pass.ts': ['@octet/ir', '@octet/interpreter'] }, { 'test/p.test.ts': ['@octet/testing', '@tensorflow/tfjs'] }, ['testing']),
    pkg('testing', ['ir', 'passes'], { 'src/index.ts': ['@octet/ir', '@octet/passes'] }),
    pkg('tflite', ['ir'], { 'src/emit.ts': ['@octet/ir', 'flatbuffers'] }),
  ];
  return base.map((p) => ({ ...p, ...overrides[p.dir] }));
}

function pkg(dir: string, deps: string[], sources: Record<string, string[]>, tests: Record<string, string[]> = {}, devDeps: string[] = []): PackageInfo {
  return {
    dir,
    name: `@octet/${dir}`,
    dependencies: deps.map((d) => `@octet/${d}`),
    devDependencies: devDeps.map((d) => `@octet/${d}`),
    sources: new Map(Object.entries(sources)),
    tests: new Map(Object.entries(tests)),
  };
}

describe('checkBoundaries on an in-memory workspace', () => {
  it('accepts the fake as built (tests may import tfjs and test-only packages)', () => {
    expect(checkBoundaries(fake())).toEqual([]);
  });

  it('catches an import against the direction of the table', () => {
    const ir = { sources: new Map([['src/ops.ts', ['@octet/passes']]]), dependencies: ['@octet/passes'] };
    expect(checkBoundaries(fake({ ir }))).toEqual([
      'packages/ir/package.json: depends on @octet/passes, but ir may import no package of ours (DESIGN.md §2)',
      "packages/ir/src/ops.ts: imports '@octet/passes', but ir may import no package of ours (DESIGN.md §2)",
    ]);
  });

  it('catches an allowed import that package.json does not declare', () => {
    const passes = { dependencies: ['@octet/ir'] };
    expect(checkBoundaries(fake({ passes }))).toEqual([
      "packages/passes/src/pass.ts: imports '@octet/interpreter', not declared in packages/passes/package.json \"dependencies\"",
    ]);
  });

  it('catches @tensorflow/* in the sources of ir, passes, interpreter and tflite, and only there', () => {
    const tflite = { sources: new Map([['src/emit.ts', ['@octet/ir', '@tensorflow/tfjs-core']]]) };
    expect(checkBoundaries(fake({ tflite }))).toEqual([
      "packages/tflite/src/emit.ts: imports '@tensorflow/tfjs-core': tflite never imports tfjs (an input format and a test oracle, DESIGN.md §2)",
    ]);
    const testing = { sources: new Map([['src/index.ts', ['@tensorflow/tfjs']]]) };
    expect(checkBoundaries(fake({ testing }))).toEqual([]);
  });

  it('keeps the testing package out of sources and "dependencies"', () => {
    const tflite = { sources: new Map([['src/emit.ts', ['@octet/ir', '@octet/testing']]]), dependencies: ['@octet/ir', '@octet/testing'] };
    expect(checkBoundaries(fake({ tflite }))).toEqual([
      'packages/tflite/package.json: @octet/testing is test-only: move it to devDependencies',
      "packages/tflite/src/emit.ts: imports '@octet/testing', which is test-only: only test files may use it",
    ]);
  });

  it('catches reaching into another package: deep imports and relative paths out of the package', () => {
    const passes = { sources: new Map([['src/pass.ts', ['@octet/ir/src/ops.ts', '../../ir/src/graph.ts', '../package.json', '@octet/interpreter']]]) };
    expect(checkBoundaries(fake({ passes }))).toEqual([
      "packages/passes/src/pass.ts: imports '@octet/ir/src/ops.ts', inside another package: import '@octet/ir' (its index)",
      "packages/passes/src/pass.ts: imports '../../ir/src/graph.ts', outside its package: import the other package by its name",
    ]);
  });

  it('catches a test importing a package it does not declare', () => {
    const passes = { devDependencies: [] };
    expect(checkBoundaries(fake({ passes }))).toEqual([
      "packages/passes/test/p.test.ts: imports '@octet/testing', declared in neither \"dependencies\" nor \"devDependencies\" of packages/passes/package.json",
    ]);
  });

  it('catches a package missing from the table, a misnamed one and an import of an unknown package', () => {
    const packages = [...fake({ ir: { name: '@octet/IR' } }), pkg('quantizer', ['ir'], { 'src/q.ts': ['@octet/ir'] })];
    packages[1] = { ...packages[1], sources: new Map([['src/index.ts', ['@octet/ir', '@octet/nowhere']]]) };
    expect(checkBoundaries(packages)).toEqual([
      "packages/ir/package.json: name '@octet/IR' should be '@octet/ir' (the directory name)",
      "packages/interpreter/src/index.ts: imports '@octet/nowhere', which is not a package under packages/",
      'packages/quantizer: not in the dependency table (DESIGN.md §2): add it to MAY_IMPORT in tools/workspace-checks/src/rules.ts',
    ]);
  });
});
