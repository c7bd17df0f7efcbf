// Builds assembly/<name>.ts into wasm/<name>.wasm (int8 and float; or one of them into the folder
// given) with the AssemblyScript compiler from npm: `npm run build:wasm -w @octet/interpreter`. The output
// is committed; a test rebuilds it and compares, so the .wasm never drifts from its source.
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = fileURLToPath(new URL('..', import.meta.url));
export const MODULES = ['int8', 'float'];
const outDir = process.argv[2] ?? 'wasm';
for (const name of MODULES) {
  const { error, stderr } = await asc.main(
    [`assembly/${name}.ts`, '--outFile', `${outDir}/${name}.wasm`, '--optimizeLevel', '3', '--shrinkLevel', '0', '--runtime', 'stub', '--noAssert', '--use', 'abort=', '--enable', 'simd', '--initialMemory', '1'],
    { stdout: process.stdout, stderr: process.stderr, baseDir: root },
  );
  if (error) {
    console.error(`asc failed on assembly/${name}.ts: ${error.message}\n${stderr.toString()}`);
    process.exit(1);
  }
}
