// Calibration keeps statistics, not activations: the live heap does not grow with the dataset.
// Each run is a child process with --expose-gc, so that forced collections measure what is kept.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./memory/calibration-heap.ts', import.meta.url));

function peakHeap(entries: number, observer = 'minmax'): { samples: number; values: number; peak: number } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', CHILD, String(entries), observer], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`calibration child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { samples: number; values: number; peak: number };
}

describe('calibration memory', () => {
  it('is flat: 1,000 entries use no more live heap than 100, within 10%', () => {
    const small = peakHeap(100);
    const large = peakHeap(1000);
    expect(small).toMatchObject({ samples: 100, values: 4 });
    expect(large).toMatchObject({ samples: 1000, values: 4 });
    // An entry is 12 kB: keeping the 900 extra ones (or their activations) would add over 10 MB.
    console.log(`peak live heap: 100 entries ${(small.peak / 2 ** 20).toFixed(2)} MiB, 1000 entries ${(large.peak / 2 ** 20).toFixed(2)} MiB`);
    expect(large.peak).toBeLessThanOrEqual(small.peak * 1.1);
  });

  it('would see an observer that keeps activations (the control: the measurement can fail)', () => {
    const small = peakHeap(100, 'leaky');
    const large = peakHeap(1000, 'leaky');
    expect(large.peak).toBeGreaterThan(small.peak * 1.1);
  });
});
