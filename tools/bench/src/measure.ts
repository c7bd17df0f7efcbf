import { performance } from 'node:perf_hooks';

export interface TimingOptions {
  /** Run untimed for at least this long (JIT tiers, LiteRT's first-run allocations, tfjs kernel caches). */
  warmupMs: number;
  /** At least this many untimed runs, however long they take. */
  warmupRuns: number;
  /** Timed rounds; the reported figure is their median, the spread their min and max. */
  rounds: number;
  /** Each round runs until this much time has passed (and at least once). */
  roundMs: number;
}

export interface Timing {
  /** Median over rounds of (runs in the round) / (seconds the round took). */
  imagesPerSecond: number;
  msPerImage: number;
  /** Throughput of each round, in order. */
  roundRates: number[];
  /** Timed runs in all rounds. */
  runs: number;
  warmupRuns: number;
}

export const DEFAULT_TIMING: TimingOptions = { warmupMs: 1500, warmupRuns: 3, rounds: 5, roundMs: 1000 };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no numbers');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times `step(i)` (one image per call, batch 1) with a warm-up, then `rounds` rounds of at least
 * `roundMs` each. A step that returns a promise is awaited before the next one starts.
 */
export async function timeSteps(step: (i: number) => unknown, opts: TimingOptions = DEFAULT_TIMING): Promise<Timing> {
  let i = 0;
  const once = async () => {
    const r = step(i++);
    if (r instanceof Promise) await r;
  };
  const warmStart = performance.now();
  let warm = 0;
  while (warm < opts.warmupRuns || performance.now() - warmStart < opts.warmupMs) {
    await once();
    warm++;
  }
  const roundRates: number[] = [];
  let runs = 0;
  for (let r = 0; r < opts.rounds; r++) {
    const t0 = performance.now();
    let n = 0;
    let elapsed = 0;
    do {
      await once();
      n++;
      elapsed = performance.now() - t0;
    } while (elapsed < opts.roundMs);
    roundRates.push((n * 1000) / elapsed);
    runs += n;
  }
  const imagesPerSecond = median(roundRates);
  return { imagesPerSecond, msPerImage: 1000 / imagesPerSecond, roundRates, runs, warmupRuns: warm };
}
