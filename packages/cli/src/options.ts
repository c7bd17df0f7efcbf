import { InvalidArgumentError } from 'commander';

/** Option parser for counts and sizes: commander reports the bad value and exits 1. */
export function nonNegativeInt(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('expected a non-negative integer.');
  return Number(text);
}
