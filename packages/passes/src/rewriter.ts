import {
  constant,
  OctetError,
  type AnyOp,
  type AttrsArg,
  type AttrsOf,
  type CreateOpOptions,
  type Graph,
  type Op,
  type OpKind,
  type TensorType,
  type TypedArray,
  type Value,
} from '@octet/ir';
import type { PassContext } from './pass.ts';

/** What a pattern returns: the values that replace the matched op's results, in order. */
export type Replacement = Value | readonly Value[];

/**
 * A local rewrite (tinygrad's PatternMatcher style): looks at one op and returns the values that
 * replace its results, or `undefined` when it does not apply. New ops and constants go in through
 * `rw`; a pattern that returns `undefined` must not have inserted anything. The function's name
 * is the pattern's name in the rewrite trace and in errors, so declare patterns as named functions,
 * each with its algebra as a one-line comment: `// identity(x) -> x`.
 */
export type Pattern = (op: AnyOp, rw: Rewriter) => Replacement | undefined;

/** Every edit a pattern (or a pass) makes goes through a rewriter, which keeps uses, names and order consistent. */
export interface Rewriter {
  readonly graph: Graph;
  /** Reads of `v` by ops, plus one per appearance among the graph outputs. */
  useCount(v: Value): number;
  isGraphInput(v: Value): boolean;
  isGraphOutput(v: Value): boolean;
  /** A new constant (not inserted anywhere: constants hang off the ops that read them). */
  constant(type: TensorType, data: TypedArray): Value;
  /** Creates an op (result types inferred unless `opts.types`) and inserts it before the insertion point. */
  insert<K extends OpKind>(kind: K, inputs: Value[], attrs: AttrsArg<K>, opts?: CreateOpOptions): Op<K>;
  /** Inserts a copy of `op` (same kind, location and, unless changed, operands and attributes). */
  insertCopy<K extends OpKind>(op: Op<K>, changes?: { inputs?: Value[]; attrs?: Partial<AttrsOf<K>>; types?: TensorType[] }): Op<K>;
  /**
   * Redirects every use of `from` to `to`. Names follow the tensor: an unnamed `to` takes `from`'s
   * name, and a graph output keeps its name (its replacement is renamed).
   */
  replaceValue(from: Value, to: Value): void;
  /** Replaces each result of `op` with the matching value, then erases `op` and whatever became dead. */
  replaceOp(op: Op, values: readonly Value[]): void;
  /** Erases an op whose results are unused, then the producers of its operands that became unused. */
  eraseOp(op: Op): void;
  isErased(op: Op): boolean;
  /** New ops go before `op` (the op being rewritten, while a pattern runs); at the end when undefined. */
  setInsertionPoint(op: Op | undefined): void;
  /** Number of ops inserted so far. */
  readonly inserted: number;
}

export function createRewriter(graph: Graph): Rewriter {
  const erased = new WeakSet<Op>();
  let point: Op | undefined;
  let inserted = 0;
  const isGraphOutput = (v: Value) => graph.outputs.includes(v);
  const isGraphInput = (v: Value) => graph.inputs.includes(v);

  const rw: Rewriter = {
    graph,
    useCount: (v) => graph.useCount(v),
    isGraphInput,
    isGraphOutput,
    constant: (type, data) => constant(type, data),
    insert(kind, inputs, attrs, opts = {}) {
      const op = graph.createOp(kind, inputs, attrs, opts);
      if (point) graph.insertBefore(point, op);
      else graph.ops.push(op as AnyOp);
      inserted++;
      return op;
    },
    insertCopy(op, changes = {}) {
      const attrs = { ...op.attrs, ...changes.attrs } as unknown as AttrsArg<typeof op.kind>;
      const opts: CreateOpOptions = {};
      if (op.loc !== undefined) opts.loc = op.loc;
      if (changes.types) opts.types = changes.types;
      return rw.insert(op.kind, changes.inputs ?? [...op.inputs], attrs, opts) as typeof op;
    },
    replaceValue(from, to) {
      if (from === to) throw new OctetError(`rewriter: a value cannot replace itself: return undefined when a pattern does not apply`);
      const wasOutput = isGraphOutput(from);
      const keepName = from.name !== undefined && (wasOutput || to.name === undefined);
      if (keepName && wasOutput && to.name !== from.name && (isGraphInput(to) || isGraphOutput(to))) {
        throw new OctetError(
          `rewriter: graph output '${from.name}' cannot be replaced by graph ${isGraphInput(to) ? 'input' : 'output'} '${to.name}': one tensor cannot carry both names; leave the op in place`,
        );
      }
      graph.replaceAllUsesWith(from, to);
      if (keepName) {
        to.name = from.name;
        delete from.name;
      }
    },
    replaceOp(op, values) {
      if (values.length !== op.outputs.length) {
        throw new OctetError(`rewriter: '${op.kind}' op has ${op.outputs.length} result(s), got ${values.length} replacement(s)`);
      }
      op.outputs.forEach((v, i) => rw.replaceValue(v, values[i]));
      rw.eraseOp(op);
    },
    eraseOp(op) {
      if (op.outputs.some((v) => graph.useCount(v) > 0)) throw new OctetError(`rewriter: '${op.kind}' op cannot be erased while its results are in use`);
      graph.removeOp(op);
      erased.add(op);
      // Dead-op cleanup: an operand's producer that nothing reads any more goes too.
      for (const v of new Set(op.inputs)) {
        const p = v.producer;
        if (p && !erased.has(p) && p.outputs.every((o) => graph.useCount(o) === 0)) rw.eraseOp(p);
      }
    },
    isErased: (op) => erased.has(op),
    setInsertionPoint(op) {
      point = op;
    },
    get inserted() {
      return inserted;
    },
  };
  return rw;
}

export interface ApplyOptions {
  /** Sweeps over the graph before giving up on reaching a fixed point; default 16. */
  maxIterations?: number;
}

/**
 * Applies `patterns` greedily until none fires (a fixed point): each sweep visits the ops in graph
 * order and rewrites an op with the first pattern that applies to it. Returns the number of rewrites.
 * A sweep cap catches patterns that keep undoing each other; the error names them.
 */
export function applyPatterns(graph: Graph, patterns: readonly Pattern[], ctx: PassContext, opts: ApplyOptions = {}): number {
  const names = patterns.map((p) => p.name);
  if (names.some((n) => !n) || new Set(names).size !== names.length) {
    throw new OctetError(`${ctx.pass}: patterns must be named functions with distinct names, got [${names.join(', ')}]`);
  }
  const max = opts.maxIterations ?? 16;
  const rw = createRewriter(graph);
  let total = 0;
  // Rewrites per pattern over the second half of the sweeps: the ones that kept firing when the cap hits.
  const late = new Map<string, number>();
  for (let sweep = 0; sweep < max; sweep++) {
    let changed = false;
    for (const op of [...graph.ops]) {
      if (rw.isErased(op)) continue;
      for (const pattern of patterns) {
        rw.setInsertionPoint(op);
        const before = rw.inserted;
        const r = pattern(op, rw);
        if (r === undefined) {
          if (rw.inserted !== before) throw new OctetError(`${ctx.pass}: pattern ${pattern.name} inserted ops but returned no replacement: a pattern must not edit when it does not apply`);
          continue;
        }
        ctx.trace?.(`${ctx.pass}: ${pattern.name} rewrote ${describeOp(op)}`);
        rw.replaceOp(op, isValueList(r) ? r : [r]);
        if (sweep >= Math.floor(max / 2)) late.set(pattern.name, (late.get(pattern.name) ?? 0) + 1);
        changed = true;
        total++;
        break;
      }
    }
    rw.setInsertionPoint(undefined);
    if (!changed) {
      if (total > 0) graph.removeDeadOps();
      return total;
    }
  }
  const culprits = [...late].map(([n, c]) => `${n} (${c}×)`).join(', ');
  throw new OctetError(`${ctx.pass}: rewriting did not converge after ${max} sweeps: patterns kept firing: ${culprits}: two patterns probably undo each other`);
}

function isValueList(r: Replacement): r is readonly Value[] {
  return Array.isArray(r);
}

/** `'conv_2d' op %conv (from 'conv2d')`: how trace lines and errors name an op. */
export function describeOp(op: Op): string {
  const name = op.outputs[0]?.name;
  return `'${op.kind}' op${name !== undefined ? ` %${name}` : ''}${op.loc !== undefined ? ` (from '${op.loc}')` : ''}`;
}
