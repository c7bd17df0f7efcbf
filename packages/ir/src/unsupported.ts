import type { OpKind } from './ops.ts';

/** An entry of an exhaustive per-op table that declines the op, saying why. */
export interface Unsupported {
  readonly unsupported: string;
}

export function unsupported(reason: string): Unsupported {
  return { unsupported: reason };
}

export function isUnsupported(x: unknown): x is Unsupported {
  return typeof x === 'object' && x !== null && 'unsupported' in x;
}

/** A table keyed by every op kind: adding an op fails to type-check until each table handles it. */
export type OpTable<T> = { readonly [K in OpKind]: T | Unsupported };
