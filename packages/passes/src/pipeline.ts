import { DiagnosticError, OctetError, verify, type Diagnostic, type Graph } from '@octet/ir';
import { parseOptions, splitPassSpec, splitPipelineText } from './options.ts';
import type { Pass, PassContext } from './pass.ts';
import type { Analyses, CalibrationInput } from './quant/statistics.ts';
import { PASSES } from './registry.ts';

export interface PipelineOptions {
  /** Run the verifier on the input and after every pass; a broken graph names the pass that broke it. */
  verifyEach?: boolean;
  /** Called after every pass with the graph as it stands (`--print-ir-after-all`). */
  printIrAfterAll?: (passName: string, graph: Graph) => void;
  /** Receives the rewrite trace (which pattern fired on which op) and one line per pass. */
  trace?: (event: string) => void;
  /** Analysis results shared by the passes (see PassContext.analyses); a fresh object when absent. */
  analyses?: Analyses;
  /** The representative dataset and progress callback that `calibrate` reads. */
  calibration?: CalibrationInput;
}

/** The verifier found problems after a pass: `pass` is the one that broke the graph ('' for the input). */
export class PassVerificationError extends OctetError {
  override name = 'PassVerificationError';
  constructor(
    readonly pass: string,
    readonly diagnostics: Diagnostic[],
  ) {
    const first = diagnostics[0]?.message ?? 'unknown problem';
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
    super(
      pass
        ? `pass '${pass}' left an invalid graph: ${first}${more}: the pass has a bug; rerun without it to compare`
        : `the input graph is invalid before any pass runs: ${first}${more}: fix the input IR`,
    );
  }
}

/**
 * Looks passes up by name; an unknown name lists the known ones. An entry may carry options,
 * `name{key=value ...}`: the pass returned then runs with them (checked against its declaration).
 */
export function resolvePasses(names: readonly string[], registry: Readonly<Record<string, Pass>> = PASSES): Pass[] {
  return names.map((spec) => {
    const { name: n, body } = splitPassSpec(spec);
    const pass = Object.prototype.hasOwnProperty.call(registry, n) ? registry[n] : undefined;
    if (!pass) throw new OctetError(`unknown pass '${n}': known passes are ${Object.keys(registry).join(', ')}`);
    return body === undefined ? pass : withOptions(pass, parseOptions(pass.name, pass.options ?? {}, body));
  });
}

/** The same pass, run with these options (already checked). */
function withOptions(pass: Pass, options: Readonly<Record<string, unknown>>): Pass {
  const { runAsync } = pass;
  return Object.freeze({
    ...pass,
    run: (graph: Graph, ctx: PassContext) => pass.run(graph, { ...ctx, options }),
    ...(runAsync ? { runAsync: (graph: Graph, ctx: PassContext) => runAsync(graph, { ...ctx, options }) } : {}),
  });
}

/** Splits "a,b,c" (spaces around names allowed; "" is the empty pipeline) and checks every name. */
export function parsePipeline(text: string): string[] {
  if (text.trim() === '') return [];
  const names = splitPipelineText(text);
  const empty = names.indexOf('');
  if (empty >= 0) throw new OctetError(`pass list '${text}' has an empty name at position ${empty + 1}: write names separated by single commas`);
  resolvePasses(names);
  return names;
}

/** Runs the named passes in order on `graph` (edited in place and returned). */
export function runPipeline(graph: Graph, names: readonly string[], opts: PipelineOptions = {}): Graph {
  return runPasses(graph, resolvePasses(names), opts);
}

/** Runs passes given as records (what `runPipeline` does once names are resolved). */
export function runPasses(graph: Graph, passes: readonly Pass[], opts: PipelineOptions = {}): Graph {
  if (opts.verifyEach) check(graph, '');
  const analyses = opts.analyses ?? {};
  for (const pass of passes) {
    const before = graph.ops.length;
    const start = performance.now();
    pass.run(graph, contextFor(pass, opts, analyses));
    afterPass(pass, graph, opts, before, start);
  }
  return graph;
}

/**
 * Like `runPipeline`, for pipelines with a pass that may wait: `calibrate` over an async
 * representative dataset (a generator of entries). Passes without `runAsync` run as usual.
 */
export async function runPipelineAsync(graph: Graph, names: readonly string[], opts: PipelineOptions = {}): Promise<Graph> {
  return runPassesAsync(graph, resolvePasses(names), opts);
}

export async function runPassesAsync(graph: Graph, passes: readonly Pass[], opts: PipelineOptions = {}): Promise<Graph> {
  if (opts.verifyEach) check(graph, '');
  const analyses = opts.analyses ?? {};
  for (const pass of passes) {
    const before = graph.ops.length;
    const start = performance.now();
    const ctx = contextFor(pass, opts, analyses);
    if (pass.runAsync) await pass.runAsync(graph, ctx);
    else pass.run(graph, ctx);
    afterPass(pass, graph, opts, before, start);
  }
  return graph;
}

function contextFor(pass: Pass, opts: PipelineOptions, analyses: Analyses): PassContext {
  return {
    pass: pass.name,
    analyses,
    ...(opts.trace ? { trace: opts.trace } : {}),
    ...(opts.calibration ? { calibration: opts.calibration } : {}),
  };
}

function afterPass(pass: Pass, graph: Graph, opts: PipelineOptions, before: number, start: number): void {
  opts.trace?.(`pass ${pass.name}: ${before} -> ${graph.ops.length} ops in ${(performance.now() - start).toFixed(1)} ms`);
  // Printed before verifying, so that a broken graph can be seen.
  opts.printIrAfterAll?.(pass.name, graph);
  if (opts.verifyEach) check(graph, pass.name);
}

function check(graph: Graph, pass: string): void {
  try {
    verify(graph);
  } catch (e) {
    if (e instanceof DiagnosticError) throw new PassVerificationError(pass, e.diagnostics);
    throw e;
  }
}
