import { fail } from './errors.ts';

export interface ImportOptions {
  /** Static shape of the first (or only) input, with or without its batch dimension. */
  inputShape?: number[];
  /** Static shapes by input name (layer name or Placeholder node name). */
  inputShapes?: Record<string, number[]>;
  /** Batch size for an unknown leading dimension; default 1. */
  batch?: number;
  /** Name of the IR graph; default the model's name. */
  name?: string;
}

const fmt = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null || d < 0 ? '?' : d)).join(',')}]`;

/**
 * Makes a declared input shape static. Unknown dimensions (null or −1) come from the options; the
 * leading one defaults to the batch (1). A dimension that stays unknown is an error naming the input.
 */
export function resolveInputShape(name: string, index: number, declared: readonly (number | null)[], opts: ImportOptions): number[] {
  const given = opts.inputShapes?.[name] ?? (index === 0 ? opts.inputShape : undefined);
  const batch = opts.batch ?? 1;
  const unknown = (d: number | null) => d === null || d < 0;
  if (given) {
    const full = given.length === declared.length - 1 ? [unknown(declared[0]) ? batch : (declared[0] as number), ...given] : [...given];
    if (full.length !== declared.length) {
      fail(`input '${name}' has rank ${declared.length} ${fmt(declared)}, the given shape [${given.join(',')}] has rank ${given.length}: give ${declared.length} or ${declared.length - 1} (without the batch) dimensions`);
    }
    full.forEach((d, i) => {
      if (!Number.isInteger(d) || d < 1) fail(`input '${name}': given dimension ${i} is ${d}: dimensions must be positive integers`);
      if (!unknown(declared[i]) && declared[i] !== d) fail(`input '${name}' ${fmt(declared)}: given shape [${full.join(',')}] differs at dimension ${i} (${d} vs ${declared[i]})`);
    });
    return full;
  }
  return declared.map((d, i) => {
    if (!unknown(d)) return d as number;
    if (i === 0) return batch;
    return fail(
      `input '${name}' ${fmt(declared)} has unknown dimension ${i}: give its static shape with the inputShape option (or inputShapes: {'${name}': [...]})`,
    );
  });
}
