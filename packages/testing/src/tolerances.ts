/**
 * The one place tolerances live. Each is derived (from the reference's magnitude, from the scales),
 * never tuned per test: a test that needs a looser bound has found a bug or a missing derivation.
 */

// --- float agreement ------------------------------------------------------------------------------

/**
 * Float outputs agree when |actual − reference| ≤ 1e-5 × max|reference| (DESIGN.md §5: our
 * interpreter vs tfjs, LiteRT vs ours, a float pass before vs after).
 */
export const FLOAT_RELATIVE_TOLERANCE = 1e-5;

/** `relative × max|reference|` over the finite reference entries (0 for an all-zero or empty reference: then equality is exact). */
export function floatTolerance(reference: ArrayLike<number>, relative = FLOAT_RELATIVE_TOLERANCE): number {
  let max = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = Math.abs(reference[i]);
    if (Number.isFinite(a) && a > max) max = a;
  }
  return relative * max;
}

export interface FloatComparison {
  ok: boolean;
  tolerance: number;
  /** Largest |actual − reference| over the entries where both are finite. */
  maxAbsDiff: number;
  /** Entries out of tolerance (a length mismatch counts the missing ones). */
  mismatches: number;
  /** The first entry out of tolerance. */
  first?: { index: number; actual: number; reference: number };
}

/**
 * Compares element by element. A NaN in the reference needs a NaN, an infinity the same infinity;
 * finite entries must be within `tolerance` (default: `floatTolerance(reference)`).
 */
export function compareFloats(actual: ArrayLike<number>, reference: ArrayLike<number>, tolerance = floatTolerance(reference)): FloatComparison {
  const n = Math.min(actual.length, reference.length);
  let maxAbsDiff = 0;
  let mismatches = Math.abs(actual.length - reference.length);
  let first: FloatComparison['first'];
  if (actual.length !== reference.length) first = { index: n, actual: actual[n] ?? NaN, reference: reference[n] ?? NaN };
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const r = reference[i];
    let ok: boolean;
    if (Number.isNaN(r) || Number.isNaN(a)) ok = Number.isNaN(r) && Number.isNaN(a);
    else if (!Number.isFinite(r) || !Number.isFinite(a)) ok = a === r;
    else {
      const d = Math.abs(a - r);
      if (d > maxAbsDiff) maxAbsDiff = d;
      ok = d <= tolerance;
    }
    if (!ok) {
      mismatches++;
      if (!first || i < first.index) first = { index: i, actual: a, reference: r };
    }
  }
  return { ok: mismatches === 0, tolerance, maxAbsDiff, mismatches, ...(first ? { first } : {}) };
}

/** One line for a failed comparison: where, by how much, against which bound. */
export function describeComparison(c: FloatComparison, what = 'output'): string {
  if (c.ok) return `${what} agrees: max |diff| ${c.maxAbsDiff} ≤ ${c.tolerance}`;
  const f = c.first!;
  return `${what} differs at ${c.mismatches} entries; first at index ${f.index}: ${f.actual} vs reference ${f.reference} (max |diff| ${c.maxAbsDiff}, tolerance ${c.tolerance})`;
}

// --- quantized bounds (derived from the scales) -----------------------------------------------------

/**
 * Quantizing rounds to the nearest step of `scale`, so for x inside the representable range
 * |dequantize(quantize(x)) − x| ≤ scale / 2. Integer-kernel bounds derived from the input, weight
 * and output scales belong here too.
 */
export function quantizeRoundTripBound(scale: number): number {
  return scale / 2;
}
