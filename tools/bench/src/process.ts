import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ProcessRun {
  /** Spawn to exit, measured by this process. */
  wallMs: number;
  /** Peak resident set size of the child (`Maximum resident set size`, or the last VmHWM seen). */
  peakRssBytes: number | undefined;
  /** How the peak was measured. */
  memoryMethod: '/usr/bin/time -v' | '/proc/<pid>/status VmHWM';
  exitCode: number | null;
  stdout: string;
  /** The child's own stderr (the `time -v` report removed). */
  stderr: string;
}

const TIME = '/usr/bin/time';

function hasGnuTime(): boolean {
  try {
    accessSync(TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Splits GNU time's `-v` report off the end of stderr; returns the peak RSS in bytes. */
export function parseTimeVerbose(stderr: string): { peakRssBytes: number | undefined; rest: string } {
  const start = stderr.search(/^\s*Command being timed:/m);
  if (start < 0) return { peakRssBytes: undefined, rest: stderr };
  const report = stderr.slice(start);
  const m = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(report);
  return { peakRssBytes: m ? Number(m[1]) * 1024 : undefined, rest: stderr.slice(0, start) };
}

/** VmHWM (peak RSS) from the text of /proc/<pid>/status, in bytes. */
export function parseVmHwm(status: string): number | undefined {
  const m = /^VmHWM:\s*(\d+)\s*kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/**
 * Runs `argv` to completion, timing it from spawn to exit and measuring its peak RSS with
 * `/usr/bin/time -v` when present, else by polling /proc/<pid>/status every 5 ms (which can miss a
 * peak reached in the last few milliseconds before exit).
 */
export function runMeasured(argv: readonly string[], opts: { cwd?: string; forcePolling?: boolean } = {}): Promise<ProcessRun> {
  const useTime = !opts.forcePolling && hasGnuTime();
  const [cmd, ...args] = useTime ? [TIME, '-v', ...argv] : argv;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let polled: number | undefined;
    const poll = useTime
      ? undefined
      : setInterval(() => {
          try {
            const v = parseVmHwm(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (v !== undefined) polled = Math.max(polled ?? 0, v);
          } catch {
            // the child has exited between two polls
          }
        }, 5);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const wallMs = performance.now() - t0;
      if (poll) clearInterval(poll);
      if (useTime) {
        const { peakRssBytes, rest } = parseTimeVerbose(stderr);
        resolve({ wallMs, peakRssBytes, memoryMethod: '/usr/bin/time -v', exitCode, stdout, stderr: rest });
      } else {
        resolve({ wallMs, peakRssBytes: polled, memoryMethod: '/proc/<pid>/status VmHWM', exitCode, stdout, stderr });
      }
    });
  });
}

/** The last line of `text` that parses as a JSON object (what a job prints as its result). */
export function lastJsonLine<T>(text: string): T | undefined {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not a result line
    }
  }
  return undefined;
}

/** The first line of a failed job's stderr that says what went wrong (an error message, not a stack frame). */
export function failureReason(stderr: string, exitCode: number | null): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /^[A-Za-z]*Error\b|^error\b|Error:/.test(l) && !l.startsWith('at '));
  return error ?? lines[0] ?? `exited with code ${exitCode}`;
}
