import { checkAttr, type AttrValue } from './attrs.ts';
import { DTYPE_INFO, type TypedArray } from './dtype.ts';
import { IrError } from './errors.ts';
import { opDef, type AttrsOf, type OpKind } from './ops.ts';
import type { AttrsInput } from './attrs.ts';
import type { OPS } from './ops.ts';
import { cloneType, type TensorType } from './types.ts';

/**
 * A value: a graph input, a constant (holds `data`), or an op result (has `producer`).
 * `name` is the tensor name carried to TFLite; unnamed values are numbered when printed.
 */
export interface Value {
  type: TensorType;
  name?: string;
  /** Constant contents, in the storage of `type.dtype`, row-major. */
  data?: TypedArray;
  /** A constant printed in elided form and read back: its content hash, with no data. */
  elided?: string;
  producer?: Op;
}

export interface Op<K extends OpKind = OpKind> {
  kind: K;
  inputs: Value[];
  outputs: Value[];
  attrs: AttrsOf<K>;
  /** Where the op came from (a tfjs layer or node name), for error messages. */
  loc?: string;
}

/** An op whose `kind` discriminates its attributes. */
export type AnyOp = { [K in OpKind]: Op<K> }[OpKind];

export function isConst(v: Value): boolean {
  return v.data !== undefined || v.elided !== undefined;
}

/** The attributes an op builder takes: required ones, plus any defaulted ones to override. */
export type AttrsArg<K extends OpKind> = AttrsInput<(typeof OPS)[K]['attrs']>;

/** Fills defaults and checks every attribute against the op's schema. */
export function normalizeAttrs<K extends OpKind>(kind: K, given: Record<string, unknown>, loc?: string): AttrsOf<K> {
  const schema = opDef(kind).attrs;
  const out: Record<string, AttrValue> = {};
  for (const key of Object.keys(given)) {
    if (!(key in schema)) {
      const known = Object.keys(schema);
      throw new IrError(`'${kind}' op has no attribute '${key}'${at(loc)}: known attributes are ${known.length ? known.join(', ') : '(none)'}`);
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    let v = given[key];
    if (v === undefined) {
      if (spec.default === undefined) throw new IrError(`'${kind}' op is missing attribute '${key}'${at(loc)}`);
      v = Array.isArray(spec.default) ? [...spec.default] : spec.default;
    }
    const problem = checkAttr(spec, v);
    if (problem) throw new IrError(`'${kind}' op attribute '${key}'${at(loc)}: ${problem}`);
    out[key] = v as AttrValue;
  }
  return out as AttrsOf<K>;
}

function at(loc: string | undefined): string {
  return loc ? ` (from '${loc}')` : '';
}

/** Infers an op's result types from its operands (float rule: a result without a fixed dtype takes the first operand's). */
export function inferTypes(kind: OpKind, inputs: readonly Value[], attrs: Record<string, unknown>, loc?: string): TensorType[] {
  const def = opDef(kind);
  try {
    return def.infer(
      inputs.map((v) => v.type),
      attrs as never,
    ).map((r) => ({ dtype: r.dtype ?? inputs[0].type.dtype, shape: r.shape }));
  } catch (e) {
    if (e instanceof IrError) throw new IrError(`'${kind}' op${at(loc)}: ${e.message}`);
    throw e;
  }
}

export interface CreateOpOptions {
  loc?: string;
  /** Result types, when they cannot be inferred (quantized results); inferred otherwise. */
  types?: TensorType[];
  /** Result names. */
  names?: (string | undefined)[];
}

/** A graph: named inputs, ops in topological order, outputs. Constants hang off op operands. */
export class Graph {
  constructor(
    public name: string,
    public inputs: Value[] = [],
    public outputs: Value[] = [],
    public ops: AnyOp[] = [],
  ) {}

  addInput(name: string, type: TensorType): Value {
    const v: Value = { type, name };
    this.inputs.push(v);
    return v;
  }

  /** Creates an op (results typed by inference unless `types` is given) without inserting it. */
  createOp<K extends OpKind>(kind: K, inputs: Value[], attrs: AttrsArg<K>, opts: CreateOpOptions = {}): Op<K> {
    const full = normalizeAttrs(kind, attrs as Record<string, unknown>, opts.loc);
    const types = opts.types ?? inferTypes(kind, inputs, full, opts.loc);
    const op: Op<K> = { kind, inputs, outputs: [], attrs: full, ...(opts.loc !== undefined ? { loc: opts.loc } : {}) };
    op.outputs = types.map((type, i) => {
      const name = opts.names?.[i];
      return { type, producer: op, ...(name !== undefined ? { name } : {}) };
    });
    return op;
  }

  /** Appends an op and returns its first result. */
  add<K extends OpKind>(kind: K, inputs: Value[], attrs: AttrsArg<K>, opts: CreateOpOptions = {}): Value {
    const op = this.createOp(kind, inputs, attrs, opts);
    this.ops.push(op as AnyOp);
    return op.outputs[0];
  }

  insertBefore(anchor: Op, op: Op): void {
    const i = this.indexOf(anchor);
    this.ops.splice(i, 0, op as AnyOp);
  }

  insertAfter(anchor: Op, op: Op): void {
    const i = this.indexOf(anchor);
    this.ops.splice(i + 1, 0, op as AnyOp);
  }

  removeOp(op: Op): void {
    this.ops.splice(this.indexOf(op), 1);
  }

  private indexOf(op: Op): number {
    const i = this.ops.indexOf(op as AnyOp);
    if (i < 0) throw new IrError(`'${op.kind}' op is not in graph @${this.name}`);
    return i;
  }

  /** Ops that read `v`, in graph order (an op reading it twice appears once). */
  users(v: Value): AnyOp[] {
    return this.ops.filter((op) => op.inputs.includes(v));
  }

  /** Number of reads of `v`, counting graph outputs. */
  useCount(v: Value): number {
    let n = this.outputs.filter((o) => o === v).length;
    for (const op of this.ops) for (const i of op.inputs) if (i === v) n++;
    return n;
  }

  replaceAllUsesWith(from: Value, to: Value): void {
    for (const op of this.ops) op.inputs = op.inputs.map((v) => (v === from ? to : v));
    this.outputs = this.outputs.map((v) => (v === from ? to : v));
    if (from.name !== undefined && to.name === undefined && this.outputs.includes(to)) to.name = from.name;
  }

  /** Constants in first-use order: the order the printer and the emitter list them. */
  constants(): Value[] {
    const seen = new Set<Value>();
    const out: Value[] = [];
    const visit = (v: Value) => {
      if (isConst(v) && !seen.has(v)) {
        seen.add(v);
        out.push(v);
      }
    };
    for (const op of this.ops) op.inputs.forEach(visit);
    this.outputs.forEach(visit);
    return out;
  }

  /** Removes ops whose results are not used (transitively). */
  removeDeadOps(): number {
    const live = new Set<Value>(this.outputs);
    const kept: AnyOp[] = [];
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i];
      if (op.outputs.some((o) => live.has(o))) {
        kept.push(op);
        for (const v of op.inputs) live.add(v);
      }
    }
    const removed = this.ops.length - kept.length;
    this.ops = kept.reverse();
    return removed;
  }

  /** Reorders ops topologically, keeping the current order where it is already valid. */
  topoSort(): void {
    const ready = new Set<Value>(this.inputs);
    const pending = [...this.ops];
    const out: AnyOp[] = [];
    while (pending.length) {
      const i = pending.findIndex((op) => op.inputs.every((v) => ready.has(v) || isConst(v)));
      if (i < 0) throw new IrError(`graph @${this.name} has a cycle through '${pending[0].kind}' op`);
      const [op] = pending.splice(i, 1);
      out.push(op);
      for (const o of op.outputs) ready.add(o);
    }
    this.ops = out;
  }

  /** A deep copy: new values and ops; constant data is shared (treat it as immutable). */
  clone(): Graph {
    const map = new Map<Value, Value>();
    const copy = (v: Value): Value => {
      let c = map.get(v);
      if (!c) {
        c = { type: cloneType(v.type) };
        if (v.name !== undefined) c.name = v.name;
        if (v.data !== undefined) c.data = v.data;
        if (v.elided !== undefined) c.elided = v.elided;
        map.set(v, c);
      }
      return c;
    };
    const g = new Graph(this.name, this.inputs.map(copy));
    for (const op of this.ops) {
      const attrs = Object.fromEntries(Object.entries(op.attrs).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));
      const nop = { kind: op.kind, inputs: op.inputs.map(copy), outputs: [] as Value[], attrs, ...(op.loc !== undefined ? { loc: op.loc } : {}) } as AnyOp;
      nop.outputs = op.outputs.map((o) => {
        const c = copy(o);
        c.producer = nop;
        return c;
      });
      g.ops.push(nop);
    }
    g.outputs = this.outputs.map(copy);
    return g;
  }
}

/** Makes a constant value. */
export function constant(type: TensorType, data: TypedArray, name?: string): Value {
  const expected = type.shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new IrError(`constant ${name ?? ''} of shape [${type.shape.join(',')}] needs ${expected} elements, got ${data.length}`);
  }
  if (!(data instanceof (DTYPE_INFO[type.dtype].make(0).constructor as new () => TypedArray))) {
    throw new IrError(`constant ${name ?? ''} of dtype ${type.dtype} must be stored as ${DTYPE_INFO[type.dtype].make(0).constructor.name}`);
  }
  return { type, data, ...(name !== undefined ? { name } : {}) };
}
