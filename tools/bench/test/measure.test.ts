import { describe, expect, it } from 'vitest';
import { median, timeSteps } from '../src/measure.ts';

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
});
