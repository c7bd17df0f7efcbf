import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { PackageInfo } from './boundaries.ts';

/** Reads every packages/<dir>/package.json and the imports of its src/ and test/ TypeScript files. */
export function readWorkspace(root: string): PackageInfo[] {
  return entries(join(root, 'packages'))
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(root, 'packages', e.name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      };
      return {
        dir: e.name,
        name: pkg.name,
        dependencies: Object.keys(pkg.dependencies ?? {}),
        devDependencies: Object.keys(pkg.devDependencies ?? {}),
        sources: importsUnder(dir, 'src'),
        tests: importsUnder(dir, 'test'),
      };
    });
}

/** Module specifiers of every .ts file under `<pkgDir>/<sub>`: static, type-only, re-exports, `import()`. */
export function importsUnder(pkgDir: string, sub: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of entries(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        // Fixture projects are data read by tests, not code of this package.
        if (e.name !== 'node_modules' && e.name !== 'fixtures') walk(path);
      } else if (e.name.endsWith('.ts')) {
        out.set(relative(pkgDir, path).split('\\').join('/'), importsOf(readFileSync(path, 'utf8')));
      }
    }
  };
  walk(join(pkgDir, sub));
  return out;
}

export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}
