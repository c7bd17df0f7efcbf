import { describe, expect, it } from 'vitest';
import { failureReason, lastJsonLine, parseTimeVerbose, parseVmHwm, runMeasured } from '../src/process.ts';

// The tail of GNU time 1.9's `-v` report, as it prints it on stderr after the child's own output.
const TIME_V = `warning from the child
\tCommand being timed: "node job.js"
\tUser time (seconds): 0.41
\tElapsed (wall clock) time (h:mm:ss or m:ss): 0:00.52
\tMaximum resident set size (kbytes): 93752
\tExit status: 0
`;

describe('peak memory parsing', () => {
  it('reads the maximum RSS of time -v in bytes and keeps the child stderr before the report', () => {
    expect(parseTimeVerbose(TIME_V)).toEqual({ peakRssBytes: 93752 * 1024, rest: 'warning from the child\n' });
    expect(parseTimeVerbose('no report here')).toEqual({ peakRssBytes: undefined, rest: 'no report here' });
  });

  it('reads VmHWM from /proc/<pid>/status text', () => {
    expect(parseVmHwm('Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t 40000 kB\n')).toBe(51200 * 1024);
    expect(parseVmHwm('Name:\tnode\n')).toBeUndefined();
  });
});

describe('runMeasured', () => {
  // A child that touches 160 MiB, holds it 300 ms, then exits: its peak RSS must be at least that.
  const hog = [process.execPath, '-e', 'const b = Buffer.alloc(160 * 2 ** 20, 1); setTimeout(() => console.log(b[5]), 300)'];

  it.each([false, true])('sees a 160 MiB peak and the wall time (polling /proc: %s)', async (forcePolling) => {
    const run = await runMeasured(hog, { forcePolling });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe('1');
    expect(run.peakRssBytes).toBeGreaterThanOrEqual(160 * 2 ** 20);
    expect(run.peakRssBytes).toBeLessThan(1024 * 2 ** 20);
    expect(run.wallMs).toBeGreaterThanOrEqual(300);
    expect(run.memoryMethod).toBe(forcePolling ? '/proc/<pid>/status VmHWM' : '/usr/bin/time -v');
  });

  it('reports a failing child with its exit code and the error line', async () => {
    const run = await runMeasured([process.execPath, '-e', 'throw new RangeError("no int8 kernel for mean")']);
    expect(run.exitCode).toBe(1);
    expect(failureReason(run.stderr, run.exitCode)).toBe('RangeError: no int8 kernel for mean');
  });
});

describe('job output', () => {
  it('takes the last JSON object line and ignores log lines', () => {
    expect(lastJsonLine<{ a: number }>('loading\n{"a":1}\nINFO {not json\n{"a":2}\ndone\n')).toEqual({ a: 2 });
    expect(lastJsonLine('nothing')).toBeUndefined();
  });

  it('falls back to the exit code when stderr is empty', () => {
    expect(failureReason('', 3)).toBe('exited with code 3');
  });
});
