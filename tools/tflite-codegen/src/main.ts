/**
 * `npm run codegen -w @octet/tflite-codegen` regenerates packages/tflite/src/generated/tflite.ts
 * from packages/tflite/schema/tflite.fbs; `--check` only compares and fails when they differ.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.ts';
import { parseSchema, SchemaError } from './parse.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SCHEMA_PATH = resolve(ROOT, 'packages/tflite/schema/tflite.fbs');
export const OUTPUT_PATH = resolve(ROOT, 'packages/tflite/src/generated/tflite.ts');

/** The bindings our schema generates, as text. */
export function generateBindings(schemaPath = SCHEMA_PATH): string {
  const src = readFileSync(schemaPath, 'utf8');
  const rel = relative(ROOT, schemaPath).split('\\').join('/');
  try {
    return generate(parseSchema(src), rel);
  } catch (e) {
    if (e instanceof SchemaError) throw new SchemaError(e.line, e.column, `${rel}: ${e.message}`);
    throw e;
  }
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  const text = generateBindings();
  if (check) {
    let current = '';
    try {
      current = readFileSync(OUTPUT_PATH, 'utf8');
    } catch {
      /* missing: differs */
    }
    if (current !== text) {
      console.error(`${relative(ROOT, OUTPUT_PATH)} is out of date: run npm run codegen -w @octet/tflite-codegen`);
      return 1;
    }
    console.log(`${relative(ROOT, OUTPUT_PATH)} is up to date`);
    return 0;
  }
  mkdirSync(dirname(OUTPUT_PATH), { recursive: true });
  writeFileSync(OUTPUT_PATH, text);
  console.log(`wrote ${relative(ROOT, OUTPUT_PATH)} (${text.length} characters)`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
