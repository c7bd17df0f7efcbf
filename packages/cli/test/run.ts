import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/octet.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command from the repository root, feeding `stdin` (or nothing), and collects its output. */
export function spawnIn(cwd: string, cmd: string, args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** The real bin, as `node packages/cli/bin/octet.js ...`. */
export const octet = (args: readonly string[], stdin?: string) => spawnIn(REPO, process.execPath, [BIN, ...args], stdin);

/** Through npm, as users type it; --no-install so that a missing link fails instead of fetching a registry package. */
export const npxOctet = (args: readonly string[], stdin?: string) => spawnIn(REPO, 'npx', ['--no-install', 'octet', ...args], stdin);
