import { checkAttr, OctetError, type AttrSchema, type AttrSpec, type AttrValue } from '@octet/ir';

/**
 * Pass options, written as MLIR writes them: `retype-io{input=uint8 output=uint8}` (options separated
 * by spaces, no spaces around `=`). A pass declares them with the attribute descriptors of the IR
 * (`oneOf`, `int`, `float`, `bool`), each with a default.
 */

export class PassOptionError extends OctetError {
  override name = 'PassOptionError';
}

/** A pipeline entry split into the pass name and the text between braces (undefined without braces). */
export function splitPassSpec(spec: string): { name: string; body: string | undefined } {
  const m = /^([^{}]*?)\s*(?:\{([^{}]*)\})?$/.exec(spec.trim());
  if (!m) throw new PassOptionError(`pass entry '${spec}' is malformed: write name or name{key=value ...}`);
  return { name: m[1], body: m[2] };
}

/** Every option declared with a default, of a kind that has a one-word text form. */
export function checkOptionSchema(pass: string, schema: AttrSchema): void {
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.kind === 'ints') throw new PassOptionError(`pass '${pass}' option '${key}': list options have no pipeline syntax; declare int, float, bool or an enum`);
    if (spec.default === undefined) throw new PassOptionError(`pass '${pass}' option '${key}' has no default: every pass option needs one`);
  }
}

export function defaultOptions(schema: AttrSchema): Record<string, AttrValue> {
  return Object.fromEntries(Object.entries(schema).map(([k, s]) => [k, s.default as AttrValue]));
}

function parseValue(spec: AttrSpec, text: string): unknown {
  switch (spec.kind) {
    case 'int':
    case 'float':
      return text.trim() === '' ? NaN : Number(text);
    case 'bool':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

/** The options of `pass` from the text between braces: checked against its schema, defaults filled. */
export function parseOptions(pass: string, schema: AttrSchema, body: string): Record<string, AttrValue> {
  const out = defaultOptions(schema);
  const known = Object.keys(schema);
  for (const item of body.trim().split(/\s+/).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new PassOptionError(`pass '${pass}' option '${item}' has no value: write key=value`);
    const key = item.slice(0, eq);
    const spec = Object.prototype.hasOwnProperty.call(schema, key) ? schema[key] : undefined;
    if (!spec) {
      throw new PassOptionError(`pass '${pass}' has no option '${key}': ${known.length ? `its options are ${known.join(', ')}` : 'it takes no options'}`);
    }
    const value = parseValue(spec, item.slice(eq + 1));
    const problem = checkAttr(spec, value);
    if (problem || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new PassOptionError(`pass '${pass}' option '${key}': ${problem ?? `expected a finite number, got '${item.slice(eq + 1)}'`}`);
    }
    out[key] = value as AttrValue;
  }
  return out;
}

/** Splits "a,b{x=1 y=2},c" at the commas outside braces. */
export function splitPipelineText(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((s) => s.trim());
}
