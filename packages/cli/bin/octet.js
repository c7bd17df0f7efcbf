#!/usr/bin/env node
// The `octet` command without a build step: tsx compiles the TypeScript sources on the fly (cached
// in the OS temp dir). npm links this file as node_modules/.bin/octet on `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
// exitCode, not process.exit(): stdout may still be draining into a pipe.
process.exitCode = await main(process.argv.slice(2));
