import { OctetError, type Graph } from '@octet/ir';

/** What a pass receives besides the graph. Passes keep no module-level state: all they need is here. */
export interface PassContext {
  /** The running pass's name (rewrite trace lines and errors carry it). */
  readonly pass: string;
  /** Receives one line per event (a pattern that fired, a pass that ran) when the caller asks for a trace. */
  readonly trace?: (event: string) => void;
}

/**
 * A pass, declared once: `name` is its file name (`src/passes/<name>.ts`), its name in `--passes` and
 * its golden test folder (`test/golden/<name>/`). `description` carries a tiny before/after.
 * `run` edits the graph in place.
 */
export interface Pass<N extends string = string> {
  readonly name: N;
  readonly summary: string;
  readonly description: string;
  run(graph: Graph, ctx: PassContext): void;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function definePass<const N extends string>(def: Pass<N>): Pass<N> {
  if (!KEBAB.test(def.name)) throw new OctetError(`pass name '${def.name}' is not kebab-case: name passes like 'fold-batch-norm'`);
  return Object.freeze({ ...def });
}
