// Every golden test of the repository: one vitest test per case of every
// {packages,tools}/*/test/golden/**/*.qir file, named by file and case index.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { discoverGoldenFiles, formatCaseResult, loadPipeline, parseGoldenFile, runGoldenCase, type GoldenFile } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const files = discoverGoldenFiles(ROOT);

describe('golden discovery', () => {
  it("finds the runner's own golden file and none of its must-fail fixtures", () => {
    expect(files).toContain('packages/testing/test/golden/runner/identity.qir');
    expect(files.filter((f) => f.includes('/fixtures/'))).toEqual([]);
  });
});

for (const path of files) {
  describe(path, () => {
    let file: GoldenFile;
    try {
      file = parseGoldenFile(readFileSync(join(ROOT, path), 'utf8'), path);
    } catch (e) {
      it('is a golden file', () => {
        throw e;
      });
      return;
    }
    for (const c of file.cases) {
      it(`case ${c.index} (line ${c.firstLine})`, async () => {
        const r = runGoldenCase(file, c, await loadPipeline(file.run.passes));
        if (!r.ok) expect.fail(formatCaseResult(r));
      });
    }
  });
}
