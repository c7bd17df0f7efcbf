#!/usr/bin/env node
// `npm run coverage:ops`: the op coverage check, run from TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = main(process.argv.slice(2));
