import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PASSES } from '../src/index.ts';

const dir = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

// One pass, one name: the registry key, the record's name, the file and the golden folder agree.
describe('PASSES', () => {
  const names = Object.keys(PASSES);

  it('keys each pass by its own name, with a summary and a before/after description', () => {
    for (const [key, pass] of Object.entries(PASSES)) {
      expect(pass.name).toBe(key);
      expect(pass.summary.length).toBeGreaterThan(10);
      expect(pass.description).toContain('==>');
    }
  });

  it('has exactly one source file per pass, named after it', () => {
    const files = readdirSync(dir('../src/passes')).map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual([...names].sort());
  });

  it('has a golden folder per pass whose files run that pass', () => {
    for (const name of names) {
      const folder = dir(`golden/${name}`);
      expect(existsSync(folder), folder).toBe(true);
      const files = readdirSync(folder).filter((f) => f.endsWith('.qir'));
      expect(files.length, name).toBeGreaterThan(0);
      for (const f of files) expect(readFileSync(`${folder}/${f}`, 'utf8').split('\n')[0]).toBe(`// RUN: octet opt --passes ${name}`);
    }
  });
});
