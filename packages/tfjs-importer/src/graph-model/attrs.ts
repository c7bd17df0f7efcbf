import { fail } from '../errors.ts';

/** A GraphDef node as tfjs-converter writes it in model.json. */
export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValueJson>;
}

export interface AttrValueJson {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[] };
}

/** Typed access to a node's attributes; strings are base64 in model.json. */
export class NodeAttrs {
  constructor(private readonly node: GraphNode) {}

  private get(name: string): AttrValueJson | undefined {
    return this.node.attr?.[name];
  }

  private missing(name: string, what: string): never {
    return fail(`node '${this.node.name}' (${this.node.op}) has no ${what} attribute '${name}'`);
  }

  string(name: string, dflt?: string): string {
    const s = this.get(name)?.s;
    if (s === undefined) return dflt ?? this.missing(name, 'string');
    return Buffer.from(s, 'base64').toString('utf8');
  }

  int(name: string, dflt?: number): number {
    const i = this.get(name)?.i;
    if (i === undefined) return dflt ?? this.missing(name, 'integer');
    return Number(i);
  }

  float(name: string, dflt?: number): number {
    const f = this.get(name)?.f;
    if (f === undefined) return dflt ?? this.missing(name, 'float');
    return Number(f);
  }

  bool(name: string, dflt?: boolean): boolean {
    const b = this.get(name)?.b;
    if (b === undefined) return dflt ?? this.missing(name, 'boolean');
    return b;
  }

  ints(name: string, dflt?: number[]): number[] {
    const a = this.get(name);
    if (a === undefined) return dflt ?? this.missing(name, 'integer list');
    return (a.list?.i ?? []).map(Number);
  }

  strings(name: string, dflt?: string[]): string[] {
    const a = this.get(name);
    if (a === undefined) return dflt ?? this.missing(name, 'string list');
    return (a.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
  }

  type(name: string): string | undefined {
    return this.get(name)?.type;
  }

  /** A shape attribute: −1 for unknown dimensions; undefined for an unknown rank. */
  shape(name: string): number[] | undefined {
    const s = this.get(name)?.shape;
    if (!s || s.unknownRank) return undefined;
    return (s.dim ?? []).map((d) => Number(d.size ?? -1));
  }
}
