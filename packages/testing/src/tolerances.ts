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

/**
 * Output steps an int8 kernel's result may lie from the float kernel's result on the dequantized
 * inputs (clamped to the representable range), measured in units of the output scale: ½ for the
 * final rounding, ½ more for a second rounding — the reference kernels' MultiplyByQuantizedMultiplier
 * rounds twice, and XNNPACK rounds its float32 product before rounding to an integer.
 */
export const INTEGER_KERNEL_STEPS = 1;

/**
 * `xnnpack` and `reference` round the same real number and part only where their roundings do
 * (near a tie, or by the last bit of a multiplier): at most one step apart (issue 4's requirement,
 * ARITHMETIC.md's measurement).
 */
export const MODE_DIFFERENCE_STEPS = 1;

/** float32's unit roundoff (2⁻²⁴): the relative error of one rounded float32 operation. */
export const FLOAT32_EPSILON = 2 ** -24;

/**
 * The bound on |dequantize(int8 result) − float result|: `steps` output steps, plus the float
 * arithmetic on both sides — the float kernel's accumulation of `terms` products (at most
 * `terms` roundings, each ≤ ε of the running magnitude) and the integer kernel's float32 multipliers
 * (a few roundings of the result) — bounded by `magnitude`, the largest possible Σ|term| that the
 * scales allow (e.g. K·127·s_w·255·s_in + |bias| for a convolution).
 */
export function integerKernelBound(outScale: number, magnitude: number, terms = 1, steps = INTEGER_KERNEL_STEPS): number {
  return steps * outScale + (terms + 4) * FLOAT32_EPSILON * magnitude;
}

/**
 * A hybrid kernel quantizes its float input per group to steps of `inputStep` (rounded, so each
 * value moves ≤ step/2 — the clamp never bites, the range covers the group), then computes exactly
 * in integers: |hybrid − float| ≤ Σ_k |w_real[k]| · step/2 per output, plus the float arithmetic on
 * both sides over `magnitude` (as in integerKernelBound).
 */
export function hybridKernelBound(inputStep: number, sumAbsWeights: number, magnitude: number, terms: number): number {
  return (inputStep / 2) * sumAbsWeights + (terms + 4) * FLOAT32_EPSILON * magnitude;
}
