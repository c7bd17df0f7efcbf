import { InvalidArgumentError, Option } from 'commander';

/** Option parser for counts and sizes: commander reports the bad value and exits 1. */
export function nonNegativeInt(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new InvalidArgumentError('expected a non-negative integer.');
  return Number(text);
}

/** A count that must be at least 1 (`--samples`, `--limit`). */
export function positiveInt(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new InvalidArgumentError('expected a positive integer.');
  return Number(text);
}

/** A positive finite number (`--normalize 255`). */
export function positiveNumber(text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('expected a positive number.');
  return x;
}

/** `1,224,224,3` → [1, 224, 224, 3]. */
export function shapeList(text: string): number[] {
  const dims = text.split(',').map((d) => d.trim());
  if (dims.some((d) => !/^\d+$/.test(d) || Number(d) < 1)) throw new InvalidArgumentError('expected comma-separated positive integers, e.g. 1,224,224,3.');
  return dims.map(Number);
}

/** An option whose value is one of `choices` (commander lists them in help and in its error). */
export function choiceOption<T extends string>(flags: string, description: string, choices: readonly T[], fallback?: T): Option {
  const o = new Option(flags, description).choices(choices);
  return fallback === undefined ? o : o.default(fallback);
}

/** Collects a repeatable option (`--input a.npy --input b.npy`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
