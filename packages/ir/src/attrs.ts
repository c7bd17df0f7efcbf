/**
 * Attribute schemas. An op declares its attributes once with these descriptors; the TypeScript type
 * of its attributes, the parser's checks and the printer's defaults all come from the declaration.
 */
export type AttrSpec =
  | { readonly kind: 'int'; readonly default?: number }
  | { readonly kind: 'float'; readonly default?: number }
  | { readonly kind: 'bool'; readonly default?: boolean }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly default?: string }
  | { readonly kind: 'ints'; readonly default?: readonly number[] };

export type AttrSchema = Readonly<Record<string, AttrSpec>>;

export type AttrValueOf<S extends AttrSpec> = S extends { kind: 'int' | 'float' }
  ? number
  : S extends { kind: 'bool' }
    ? boolean
    : S extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : S extends { kind: 'ints' }
        ? number[]
        : never;

export type AttrsFromSchema<S extends AttrSchema> = { -readonly [K in keyof S]: AttrValueOf<S[K]> };

/** Attributes a builder must give: those without a default. */
export type AttrsInput<S extends AttrSchema> = {
  -readonly [K in keyof S as S[K] extends { default: unknown } ? never : K]: AttrValueOf<S[K]>;
} & {
  -readonly [K in keyof S as S[K] extends { default: unknown } ? K : never]?: AttrValueOf<S[K]>;
};

export const int = <D extends number | undefined = undefined>(d?: D) =>
  ({ kind: 'int', ...(d !== undefined ? { default: d } : {}) }) as D extends number ? { kind: 'int'; default: number } : { kind: 'int' };
export const float = <D extends number | undefined = undefined>(d?: D) =>
  ({ kind: 'float', ...(d !== undefined ? { default: d } : {}) }) as D extends number ? { kind: 'float'; default: number } : { kind: 'float' };
export const bool = <D extends boolean | undefined = undefined>(d?: D) =>
  ({ kind: 'bool', ...(d !== undefined ? { default: d } : {}) }) as D extends boolean ? { kind: 'bool'; default: boolean } : { kind: 'bool' };
export const ints = <D extends readonly number[] | undefined = undefined>(d?: D) =>
  ({ kind: 'ints', ...(d !== undefined ? { default: d } : {}) }) as D extends readonly number[]
    ? { kind: 'ints'; default: readonly number[] }
    : { kind: 'ints' };
export function oneOf<const V extends readonly string[], D extends V[number] | undefined = undefined>(
  values: V,
  d?: D,
): D extends string ? { kind: 'enum'; values: V; default: V[number] } : { kind: 'enum'; values: V } {
  return { kind: 'enum', values, ...(d !== undefined ? { default: d } : {}) } as never;
}

export type AttrValue = number | boolean | string | number[];

/** Checks one attribute value against its spec; returns a problem description or undefined. */
export function checkAttr(spec: AttrSpec, v: unknown): string | undefined {
  switch (spec.kind) {
    case 'int':
      return Number.isInteger(v) ? undefined : `expected an integer, got ${JSON.stringify(v)}`;
    case 'float':
      return typeof v === 'number' ? undefined : `expected a number, got ${JSON.stringify(v)}`;
    case 'bool':
      return typeof v === 'boolean' ? undefined : `expected true or false, got ${JSON.stringify(v)}`;
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v)
        ? undefined
        : `expected one of ${spec.values.map((s) => `"${s}"`).join(', ')}, got ${JSON.stringify(v)}`;
    case 'ints':
      return Array.isArray(v) && v.every((x) => Number.isInteger(x))
        ? undefined
        : `expected a list of integers, got ${JSON.stringify(v)}`;
  }
}

export function attrEquals(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return Object.is(a, b);
}
