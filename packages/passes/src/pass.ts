import { OctetError, type AttrSchema, type AttrsFromSchema, type Graph } from '@octet/ir';
import { checkOptionSchema, defaultOptions } from './options.ts';
import type { Analyses, CalibrationInput } from './quant/statistics.ts';

/** What a pass receives besides the graph. Passes keep no module-level state: all they need is here. */
export interface PassContext<O = Readonly<Record<string, unknown>>> {
  /** The running pass's name (rewrite trace lines and errors carry it). */
  readonly pass: string;
  /** Receives one line per event (a pattern that fired, a pass that ran) when the caller asks for a trace. */
  readonly trace?: (event: string) => void;
  /** The pass's options (`name{key=value ...}` in a pipeline), defaults filled in. */
  readonly options?: O;
  /**
   * Analysis results shared by the passes of one pipeline run (calibration statistics): a pass
   * that computes one stores it here, a later pass reads it. The caller may pass its own object
   * (`PipelineOptions.analyses`) to give results in or read them out.
   */
  readonly analyses?: Analyses;
  /** What `calibrate` reads: the representative dataset, a progress callback. */
  readonly calibration?: CalibrationInput;
}

/** The context a pass with declared options sees: its options, typed, always present. */
export type PassContextWith<S extends AttrSchema> = PassContext<AttrsFromSchema<S>> & { readonly options: AttrsFromSchema<S> };

/**
 * A pass, declared once: `name` is its file name (`src/passes/<name>.ts`), its name in `--passes` and
 * its golden test folder (`test/golden/<name>/`). `description` carries a tiny before/after.
 * `run` edits the graph in place.
 */
export interface Pass<N extends string = string, S extends AttrSchema = AttrSchema> {
  readonly name: N;
  readonly summary: string;
  readonly description: string;
  /** Options, declared like op attributes (each with a default); given in a pipeline as `name{key=value ...}`. */
  readonly options?: S;
  run(graph: Graph, ctx: PassContext): void;
  /** A pass that may wait (calibration over an async dataset) also runs this way under `runPipelineAsync`. */
  runAsync?(graph: Graph, ctx: PassContext): Promise<void>;
}

/** What `definePass` takes: `run` (and `runAsync`) see the pass's own options, typed and complete. */
export interface PassDef<N extends string, S extends AttrSchema> {
  readonly name: N;
  readonly summary: string;
  readonly description: string;
  readonly options?: S;
  run(graph: Graph, ctx: PassContextWith<S>): void;
  runAsync?(graph: Graph, ctx: PassContextWith<S>): Promise<void>;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function definePass<const N extends string, const S extends AttrSchema = {}>(def: PassDef<N, S>): Pass<N, S> {
  if (!KEBAB.test(def.name)) throw new OctetError(`pass name '${def.name}' is not kebab-case: name passes like 'fold-batch-norm'`);
  const schema = (def.options ?? {}) as S;
  checkOptionSchema(def.name, schema);
  // A context made by hand (tests, other tools) may carry no options: the pass then sees its defaults.
  const complete = (ctx: PassContext): PassContextWith<S> =>
    ({ ...ctx, options: (ctx.options ?? defaultOptions(schema)) as AttrsFromSchema<S> }) as PassContextWith<S>;
  const { runAsync } = def;
  return Object.freeze({
    ...def,
    run: (graph: Graph, ctx: PassContext) => def.run(graph, complete(ctx)),
    ...(runAsync ? { runAsync: (graph: Graph, ctx: PassContext) => runAsync(graph, complete(ctx)) } : {}),
  });
}
