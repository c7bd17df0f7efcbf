import { spawn } from 'node:child_process';

/** What a finished command printed, and its exit status (null when a signal ended it). */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in `cwd`, feeding `stdin` (or nothing), and collects its output. */
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
