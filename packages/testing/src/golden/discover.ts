import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The folders that hold golden tests: `<root>/{packages,tools}/*\/test/golden`. */
export const GOLDEN_ROOTS = ['packages', 'tools'] as const;

/**
 * Every golden file of the repository, as paths relative to `root`, sorted: the glob
 * `{packages,tools}/*\/test/golden/**\/*.qir` (walked by hand: Node 20 has no fs.glob).
 * The runner's must-fail fixtures live under test/fixtures and are never found here.
 */
export function discoverGoldenFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && entry.name.endsWith('.qir')) found.push(relative(root, p).split('\\').join('/'));
    }
  };
  for (const top of GOLDEN_ROOTS) {
    const base = join(root, top);
    if (!existsSync(base)) continue;
    for (const pkg of readdirSync(base)) {
      const golden = join(base, pkg, 'test', 'golden');
      if (existsSync(golden) && statSync(golden).isDirectory()) walk(golden);
    }
  }
  return found.sort();
}
