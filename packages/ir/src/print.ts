import { DTYPE_INFO, halfToFloat, type TypedArray } from './dtype.ts';
import { isConst, type Graph, type Value } from './graph.ts';
import { contentHash } from './hash.ts';
import { opDef } from './ops.ts';
import { attrEquals } from './attrs.ts';
import type { QuantParams, TensorType } from './types.ts';

export interface PrintOptions {
  /** Constants with more elements than this print as `elided<hash>`; default 64. `Infinity` prints all. */
  elideConstantsAbove?: number;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.$-]*$/;

/** Formats a number so that parsing it back gives the same double (keeps −0, NaN, ±Infinity). */
export function formatNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Shortest decimal that reads back to the same float32 (for float32 data and quantization scales). */
export function formatFloat32(x: number): string {
  if (!Number.isFinite(x) || Object.is(x, -0)) return formatNumber(x);
  for (let p = 1; p < 10; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === Math.fround(x)) return String(Number(s));
  }
  return String(x);
}

export function printType(t: TensorType): string {
  const base = `${DTYPE_INFO[t.dtype].short}[${t.shape.join(',')}]`;
  return t.quant ? `${base} ${printQuant(t.quant)}` : base;
}

export function printQuant(q: QuantParams): string {
  if (q.axis === undefined) return `q(${formatFloat32(q.scale[0])}, ${q.zeroPoint[0]})`;
  return `q(axis=${q.axis}, [${q.scale.map(formatFloat32).join(', ')}], [${q.zeroPoint.join(', ')}])`;
}

export function printData(dtype: TensorType['dtype'], data: TypedArray): string {
  const parts = new Array<string>(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    parts[i] = typeof x === 'bigint' ? x.toString() : dtype === 'float32' ? formatFloat32(x) : formatNumber(dtype === 'float16' ? halfToFloat(x) : x);
  }
  return `[${parts.join(', ')}]`;
}

/** The deterministic text form of a graph; `parse(print(g))` gives back an equal graph. */
export function print(graph: Graph, opts: PrintOptions = {}): string {
  const elideAbove = opts.elideConstantsAbove ?? 64;
  const names = new Map<Value, string>();
  let counter = 0;
  const nameOf = (v: Value): string => {
    let n = names.get(v);
    if (n === undefined) {
      n = v.name === undefined ? `%${counter++}` : IDENT.test(v.name) ? `%${v.name}` : `%${JSON.stringify(v.name)}`;
      names.set(v, n);
    }
    return n;
  };
  const ref = (v: Value): string => names.get(v) ?? `%<undefined:${v.name ?? '?'}>`;
  const lines: string[] = [];
  const args = graph.inputs.map((v) => `${nameOf(v)}: ${printType(v.type)}`);
  lines.push(`graph @${graph.name}(${args.join(', ')}) {`);
  for (const c of graph.constants()) {
    const n = c.type.shape.reduce((a, b) => a * b, 1);
    const body = c.data && n <= elideAbove ? printData(c.type.dtype, c.data) : `elided<${c.elided ?? contentHash(c.data!)}>`;
    lines.push(`  ${nameOf(c)} = const ${printType(c.type)} ${body}`);
  }
  for (const op of graph.ops) {
    const operands = op.inputs.map(ref).join(', ');
    const def = opDef(op.kind);
    const attrs = Object.keys(op.attrs)
      .sort()
      .filter((k) => !attrEquals((op.attrs as Record<string, unknown>)[k], def.attrs[k]?.default))
      .map((k) => `${k} = ${printAttr((op.attrs as Record<string, unknown>)[k])}`);
    const results = op.outputs.map(nameOf).join(', ');
    const types = op.outputs.map((o) => printType(o.type)).join(', ');
    const attrText = attrs.length ? ` {${attrs.join(', ')}}` : '';
    const loc = op.loc !== undefined ? ` loc(${JSON.stringify(op.loc)})` : '';
    lines.push(`  ${results} = ${op.kind}(${operands})${attrText} : ${types}${loc}`);
  }
  lines.push(`  return ${graph.outputs.map(ref).join(', ')}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function printAttr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => formatNumber(x as number)).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return formatNumber(v);
  return String(v);
}

export { isConst };
