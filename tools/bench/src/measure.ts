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

/** A step counter and runner: one image per call, a returned promise awaited before the next. */
function stepper(step: (i: number) => unknown): () => Promise<void> {
  let i = 0;
  return async () => {
    const r = step(i++);
    if (r instanceof Promise) await r;
  };
}

async function warmUp(once: () => Promise<void>, opts: TimingOptions): Promise<number> {
  const start = performance.now();
  let warm = 0;
  while (warm < opts.warmupRuns || performance.now() - start < opts.warmupMs) {
    await once();
    warm++;
  }
  return warm;
}

/** One round: runs until `ms` have passed (at least once); returns [runs, images per second]. */
async function round(once: () => Promise<void>, ms: number): Promise<[number, number]> {
  const t0 = performance.now();
  let n = 0;
  let elapsed = 0;
  do {
    await once();
    n++;
    elapsed = performance.now() - t0;
  } while (elapsed < ms);
  return [n, (n * 1000) / elapsed];
}

function timing(roundRates: number[], runs: number, warmupRuns: number): Timing {
  const imagesPerSecond = median(roundRates);
  return { imagesPerSecond, msPerImage: 1000 / imagesPerSecond, roundRates, runs, warmupRuns };
}

/**
 * Times `step(i)` (one image per call, batch 1) with a warm-up, then `rounds` rounds of at least
 * `roundMs` each. A step that returns a promise is awaited before the next one starts.
 */
export async function timeSteps(step: (i: number) => unknown, opts: TimingOptions = DEFAULT_TIMING): Promise<Timing> {
  const once = stepper(step);
  const warm = await warmUp(once, opts);
  const rates: number[] = [];
  let runs = 0;
  for (let r = 0; r < opts.rounds; r++) {
    const [n, rate] = await round(once, opts.roundMs);
    rates.push(rate);
    runs += n;
  }
  return timing(rates, runs, warm);
}

export interface PairedTiming {
  a: Timing;
  b: Timing;
  /** a's rate ÷ b's in each pair of adjacent rounds, and their median: what load drift cannot skew. */
  ratios: number[];
  ratio: number;
}

/**
 * Times two steps in one process, their rounds interleaved (a, b, a, b, ...), so that whatever
 * else the machine is doing weighs on both alike; the ratio is the median of per-pair ratios.
 */
export async function timePaired(stepA: (i: number) => unknown, stepB: (i: number) => unknown, opts: TimingOptions = DEFAULT_TIMING): Promise<PairedTiming> {
  const [onceA, onceB] = [stepper(stepA), stepper(stepB)];
  const [warmA, warmB] = [await warmUp(onceA, opts), await warmUp(onceB, opts)];
  const rates: [number[], number[]] = [[], []];
  const runs = [0, 0];
  for (let r = 0; r < opts.rounds; r++) {
    for (const [k, once] of [onceA, onceB].entries()) {
      const [n, rate] = await round(once, opts.roundMs);
      rates[k].push(rate);
      runs[k] += n;
    }
  }
  const ratios = rates[0].map((rate, r) => rate / rates[1][r]);
  return { a: timing(rates[0], runs[0], warmA), b: timing(rates[1], runs[1], warmB), ratios, ratio: median(ratios) };
}
