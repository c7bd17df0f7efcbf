/**
 * DESIGN.md §2, as data: which @octet packages each package under packages/ may import (in its
 * src, and declare in its package.json "dependencies"). A package missing here fails the check:
 * a new package must take its place in the table. `'*'`: any package of ours.
 */
export const MAY_IMPORT: Readonly<Record<string, readonly string[] | '*'>> = {
  ir: [],
  passes: ['ir', 'interpreter'],
  'tfjs-importer': ['ir'],
  tflite: ['ir'],
  interpreter: ['ir'],
  // "all of the above" in the table: the rows above converter.
  converter: ['ir', 'passes', 'tfjs-importer', 'tflite', 'interpreter'],
  litert: [],
  data: [],
  // The table's converter, interpreter, tflite, litert, data; plus ir and passes for `octet opt`.
  cli: ['converter', 'interpreter', 'tflite', 'litert', 'data', 'ir', 'passes'],
  // "as needed, test-only": it may import anything, and nothing may depend on it outside tests.
  testing: '*',
};

/** Test-only packages: allowed in "devDependencies" and in test/, never in src or "dependencies". */
export const TEST_ONLY = ['testing'];

/** tfjs is an input format and a test oracle: these packages' sources never import it. */
export const NO_TFJS = ['ir', 'passes', 'interpreter', 'tflite'];

export const SCOPE = '@octet/';
