// Builds assembly/int8.ts into wasm/int8.wasm (or the path given) with the AssemblyScript compiler
// from npm: `npm run build:wasm -w @octet/bench`. The output is committed; a test rebuilds it and
// compares, so the .wasm never drifts from its source.
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = process.argv[2] ?? 'wasm/int8.wasm';
const { error, stderr } = await asc.main(
  ['assembly/int8.ts', '--outFile', out, '--optimizeLevel', '3', '--shrinkLevel', '0', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--enable', 'simd', '--initialMemory', '1'],
  { stdout: process.stdout, stderr: process.stderr, baseDir: root },
);
if (error) {
  console.error(`asc failed: ${error.message}\n${stderr.toString()}`);
  process.exit(1);
}
