import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

export const GOLDEN_GLOB = 'packages/*/test/golden/**/*.qir';

/**
 * For each op kind, the golden files (relative paths) that apply it: `kind(` written as an op, in the
 * input or in a CHECK line. Informational: golden tests exist per pass, not per op.
 */
export function goldenCoverage(root: string, opKinds: readonly string[]): Map<string, string[]> {
  const files = goldenFiles(root);
  const texts = files.map((f) => readFileSync(join(root, f), 'utf8'));
  return new Map(
    opKinds.map((kind) => {
      const use = new RegExp(`(?<![A-Za-z0-9_])${kind}\\(`);
      return [kind, files.filter((_, i) => use.test(texts[i]))];
    }),
  );
}

function goldenFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of entries(join(root, dir))) {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.qir')) out.push(rel);
    }
  };
  for (const pkg of entries(join(root, 'packages'))) if (pkg.isDirectory()) walk(join('packages', pkg.name, 'test', 'golden'));
  return out;
}

/** A directory's entries sorted by name (deterministic output); none when it does not exist. */
function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return [];
  }
}
