import { describe, expect, it } from 'vitest';
import { median, timePaired, timeSteps } from '../src/measure.ts';

const busyWait = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('timeSteps', () => {
  it('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('cannot report a synchronous 2 ms step faster than 500/s, and counts rounds and warm-up', async () => {
    const t = await timeSteps(() => busyWait(2), { warmupMs: 20, warmupRuns: 4, rounds: 3, roundMs: 40 });
    expect(t.roundRates).toHaveLength(3);
    expect(t.warmupRuns).toBeGreaterThanOrEqual(4);
    expect(t.imagesPerSecond).toBeLessThanOrEqual(500);
    expect(t.imagesPerSecond).toBeGreaterThan(10); // even on a loaded machine
    expect(t.msPerImage).toBeCloseTo(1000 / t.imagesPerSecond, 9);
    expect(t.runs).toBeGreaterThanOrEqual(3); // at least one run per round
  });

  it('awaits a step that returns a promise before the next one', async () => {
    let inFlight = 0;
    let most = 0;
    const t = await timeSteps(
      async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
      },
      { warmupMs: 0, warmupRuns: 1, rounds: 2, roundMs: 30 },
    );
    expect(most).toBe(1);
    expect(t.imagesPerSecond).toBeLessThanOrEqual(200);
  });

  it('pairs two steps with interleaved rounds: a 1 ms step against a 2 ms step is about twice as fast', async () => {
    const order: string[] = [];
    const t = await timePaired(
      () => (order.push('a'), busyWait(1)),
      () => (order.push('b'), busyWait(2)),
      { warmupMs: 0, warmupRuns: 1, rounds: 3, roundMs: 20 },
    );
    expect(t.ratios).toHaveLength(3);
    // rounds alternate: a's runs, then b's, then a's again
    const switches = order.slice(2).filter((x, i, all) => i > 0 && x !== all[i - 1]).length;
    expect(switches).toBe(5);
    // busy waits measure wall time, so the ratio holds on a loaded machine; a 2 ms step cannot run faster than 500/s
    expect(t.ratio).toBeGreaterThan(1.5);
    expect(t.ratio).toBeLessThan(2.5);
    expect(t.b.imagesPerSecond).toBeLessThanOrEqual(500);
  });
});
