// Golden files below a pass's folder (test/golden/<pass>/<variant>/*.qir) run that pass with options;
// test/golden/pipelines/ holds files that run several registered passes. registry.test.ts checks the
// files at the top of each pass's folder (the pass with its defaults).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePipeline, PASSES, resolvePasses } from '../src/index.ts';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const runLine = (file: string) => readFileSync(file, 'utf8').split('\n')[0];
const passesOf = (file: string) => /^\/\/ RUN: octet opt --passes (\S+)$/.exec(runLine(file))?.[1];
const dirs = (dir: string) => readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory());
const qirs = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.qir'));

describe('golden folders', () => {
  it('has only pass folders and pipelines/', () => {
    expect(dirs(GOLDEN).filter((d) => d !== 'pipelines' && !(d in PASSES))).toEqual([]);
  });

  it('runs the folder’s own pass, with options that resolve, in every variant subfolder', () => {
    let variants = 0;
    for (const pass of dirs(GOLDEN).filter((d) => d in PASSES)) {
      for (const variant of dirs(join(GOLDEN, pass))) {
        const files = qirs(join(GOLDEN, pass, variant));
        expect(files.length, `${pass}/${variant}`).toBeGreaterThan(0);
        for (const f of files) {
          const spec = passesOf(join(GOLDEN, pass, variant, f));
          expect(spec, `${pass}/${variant}/${f}`).toMatch(new RegExp(`^${pass}\\{[^{}]+\\}$`));
          expect(() => resolvePasses([spec!])).not.toThrow();
          variants++;
        }
      }
    }
    expect(variants).toBeGreaterThanOrEqual(6);
  });

  it('runs two or more registered passes in each pipelines/ file', () => {
    for (const f of qirs(join(GOLDEN, 'pipelines'))) {
      const names = parsePipeline(passesOf(join(GOLDEN, 'pipelines', f)) ?? '');
      expect(names.length, f).toBeGreaterThanOrEqual(2);
    }
  });
});
