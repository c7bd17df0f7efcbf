import { INT8_MAX, INT8_MIN } from './params.ts';
import type { Observer, ValueStatistics } from './statistics.ts';

/**
 * Octet's `mse` observer: the range of a value that takes both signs is clipped where that lowers
 * the expected squared error of its int8 quantization over the calibration data, rounding
 * (scale²/12 per element inside) plus clipping ((x − bound)² per element outside); a value of one
 * sign keeps its global min/max (its bounds are an activation's: ReLU6 saturates at 6, and clipping
 * would move where it saturates; image inputs keep the pixel grid). Long-tailed linear values —
 * bottleneck projections, residual sums, logits — get a finer scale for the bulk of their elements.
 *
 * Memory stays flat: a histogram of BINS bins per value over a range that grows by whole factors of
 * two as samples exceed it (bins merge, never split), besides the exact min/max.
 */
const BINS = 2048;
/** Candidate bounds per side: fractions 1, 1 − 1/STEPS·0.9, … of the seen min and max. */
const STEPS = 100;

interface MseState {
  min: number;
  max: number;
  finite: number;
  nan: number;
  infinite: number;
  /** The histogram's range is [lo, lo + BINS·width). */
  lo: number;
  width: number;
  bins: Float64Array;
}

export const mseObserver: Observer<MseState> = {
  name: 'mse',
  init: () => ({ min: Infinity, max: -Infinity, finite: 0, nan: 0, infinite: 0, lo: 0, width: 0, bins: new Float64Array(BINS) }),
  update(s, data) {
    let min = Infinity;
    let max = -Infinity;
    let skipped = 0;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (x >= min && x <= max) continue;
      if (x !== x) s.nan++;
      else if (x === Infinity || x === -Infinity) s.infinite++;
      else {
        if (x < min) min = x;
        if (x > max) max = x;
        continue;
      }
      skipped++;
    }
    s.finite += data.length - skipped;
    if (!(min <= max)) return;
    s.min = Math.min(s.min, min);
    s.max = Math.max(s.max, max);
    // everything seen so far: a sample wholly below the histogram must not push old bins off its top
    cover(s, s.min, s.max);
    const { lo, width, bins } = s;
    const inv = 1 / width;
    const top = BINS - 1;
    if (skipped === 0) {
      // every element finite and inside [lo, lo + BINS·width]: truncation is the floor, x at the top edge goes to the last bin
      for (let i = 0; i < data.length; i++) {
        const b = ((data[i] - lo) * inv) | 0;
        bins[b > top ? top : b]++;
      }
      return;
    }
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (x - x !== 0) continue; // NaN, ±Infinity: counted above, not binned
      const b = ((x - lo) * inv) | 0;
      bins[b > top ? top : b]++;
    }
  },
  result(s): ValueStatistics {
    const { min, max, finite, nan, infinite } = s;
    if (!(finite > 0) || !(min < 0 && max > 0)) return { min, max, finite, nan, infinite };
    const [a, c] = bestRange(s);
    return { min: a, max: c, finite, nan, infinite };
  },
};

/** Makes the histogram's range cover [min, max]: the first time sets it, later ones widen it by merging bins. */
function cover(s: MseState, min: number, max: number): void {
  if (s.width === 0) {
    s.lo = min;
    s.width = max > min ? (max - min) / BINS : Math.max(Math.abs(min), 1e-6) / BINS;
    // a little room above, so that max itself falls inside
    s.width *= 1 + 1e-6;
    return;
  }
  let { lo, width } = s;
  if (min >= lo && max < lo + BINS * width) return;
  // New bins are f old ones wide (f a power of two), starting k old bins below lo (k a multiple of f):
  // old bin i goes to new bin ⌊(i + k)/f⌋, whole, since old bin edges fall on new ones.
  let f = 1;
  let k = 0;
  for (;;) {
    f *= 2;
    const below = min < lo ? Math.ceil((lo - min) / width) : 0;
    k = Math.ceil(below / f) * f; // keep old bin edges on new ones
    if (lo - k * width <= min && lo - k * width + BINS * f * width > max) break;
  }
  const merged = new Float64Array(BINS);
  for (let i = 0; i < BINS; i++) if (s.bins[i]) merged[Math.floor((i + k) / f)] += s.bins[i];
  s.bins = merged;
  s.lo = lo - k * width;
  s.width = width * f;
}

/** The clipping range with the least expected squared error, from the histogram (bin centres as values). */
function bestRange(s: MseState): [number, number] {
  const { bins, lo, width, min, max } = s;
  // prefix sums of n, n·x, n·x² over bins, to price each side's clipping in O(1)
  const n = new Float64Array(BINS + 1);
  const nx = new Float64Array(BINS + 1);
  const nxx = new Float64Array(BINS + 1);
  for (let b = 0; b < BINS; b++) {
    const x = lo + (b + 0.5) * width;
    n[b + 1] = n[b] + bins[b];
    nx[b + 1] = nx[b] + bins[b] * x;
    nxx[b + 1] = nxx[b] + bins[b] * x * x;
  }
  const bin = (x: number) => Math.min(BINS, Math.max(0, Math.floor((x - lo) / width)));
  /** Σ over bins below bound a of n·(x − a)², and above c of n·(x − c)². */
  const below = (a: number) => {
    const b = bin(a);
    return nxx[b] - 2 * a * nx[b] + a * a * n[b];
  };
  const above = (c: number) => {
    const b = bin(c) + 1 > BINS ? BINS : bin(c) + 1;
    const N = n[BINS] - n[b];
    const X = nx[BINS] - nx[b];
    const XX = nxx[BINS] - nxx[b];
    return XX - 2 * c * X + c * c * N;
  };
  const total = n[BINS];
  let best: [number, number] = [min, max];
  let bestCost = Infinity;
  for (let i = 0; i < STEPS; i++) {
    const a = min * (1 - (0.9 * i) / STEPS);
    const ca = below(a);
    for (let j = 0; j < STEPS; j++) {
      const c = max * (1 - (0.9 * j) / STEPS);
      const scale = (c - a) / (INT8_MAX - INT8_MIN);
      const cost = ca + above(c) + (total * scale * scale) / 12;
      if (cost < bestCost) {
        bestCost = cost;
        best = [a, c];
      }
    }
  }
  return best;
}
