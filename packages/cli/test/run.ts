import { fileURLToPath } from 'node:url';
import { spawnIn } from '@octet/testing';

export { spawnIn, type Run } from '@octet/testing';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/octet.js', import.meta.url));

/** The real bin, as `node packages/cli/bin/octet.js ...`. */
export const octet = (args: readonly string[], stdin?: string) => spawnIn(REPO, process.execPath, [BIN, ...args], stdin);

/** Through npm, as users type it; --no-install so that a missing link fails instead of fetching a registry package. */
export const npxOctet = (args: readonly string[], stdin?: string) => spawnIn(REPO, 'npx', ['--no-install', 'octet', ...args], stdin);
