/**
 * A parser for the subset of the flatbuffers schema language that our TFLite schema uses:
 * `namespace`, `file_identifier`, `file_extension`, `root_type`, `enum`, `union` (with optional
 * explicit indices), `table` (scalars, enums, strings, tables, unions and vectors of them,
 * defaults, the `deprecated` and `force_align` attributes) and comments. Anything else (structs,
 * includes, attributes we do not know) is an error with its line and column, never silently
 * skipped: a field we misread would shift every id after it.
 */

export const SCALARS = ['bool', 'byte', 'ubyte', 'short', 'ushort', 'int', 'uint', 'long', 'ulong', 'float', 'double'] as const;
export type Scalar = (typeof SCALARS)[number];

const ALIASES: Readonly<Record<string, Scalar>> = {
  int8: 'byte',
  uint8: 'ubyte',
  int16: 'short',
  uint16: 'ushort',
  int32: 'int',
  uint32: 'uint',
  int64: 'long',
  uint64: 'ulong',
  float32: 'float',
  float64: 'double',
};

export type TypeRef =
  | { kind: 'scalar'; scalar: Scalar }
  | { kind: 'string' }
  | { kind: 'named'; name: string }
  | { kind: 'vector'; of: TypeRef };

export interface EnumDecl {
  kind: 'enum';
  name: string;
  underlying: Scalar;
  values: { name: string; value: number }[];
}

export interface UnionDecl {
  kind: 'union';
  name: string;
  members: { name: string; value: number }[];
}

export interface FieldDecl {
  name: string;
  type: TypeRef;
  /** The literal after `=`: a number, true/false, or an enum value's name. */
  default?: string;
  deprecated: boolean;
  forceAlign?: number;
  line: number;
}

export interface TableDecl {
  kind: 'table';
  name: string;
  fields: FieldDecl[];
}

export type Decl = EnumDecl | UnionDecl | TableDecl;

export interface Schema {
  namespace?: string;
  fileIdentifier?: string;
  fileExtension?: string;
  rootType?: string;
  decls: Decl[];
}

export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`${line}:${column}: ${detail}`);
  }
}

interface Token {
  kind: 'ident' | 'number' | 'string' | 'punct';
  text: string;
  line: number;
  column: number;
}

const PUNCT = new Set(['{', '}', '(', ')', '[', ']', ':', ';', '=', ',']);

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = () => ({ line, column: i - lineStart + 1 });
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new SchemaError(here().line, here().column, 'unterminated /* comment');
      for (let j = i; j < end; j++) {
        if (src[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
    } else if (PUNCT.has(c)) {
      out.push({ kind: 'punct', text: c, ...here() });
      i++;
    } else if (c === '"') {
      const pos = here();
      const end = src.indexOf('"', i + 1);
      if (end < 0 || src.slice(i + 1, end).includes('\n')) throw new SchemaError(pos.line, pos.column, 'unterminated string');
      out.push({ kind: 'string', text: src.slice(i + 1, end), ...pos });
      i = end + 1;
    } else {
      const m = /^(?:[A-Za-z_][A-Za-z0-9_.]*|[-+]?(?:0x[0-9A-Fa-f]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?))/.exec(src.slice(i, i + 200));
      if (!m) throw new SchemaError(here().line, here().column, `unexpected character '${c}'`);
      out.push({ kind: /^[A-Za-z_]/.test(m[0]) ? 'ident' : 'number', text: m[0], ...here() });
      i += m[0].length;
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token | undefined {
    return this.toks[this.i];
  }

  private fail(detail: string, tok = this.peek()): never {
    const last = this.toks[this.toks.length - 1];
    throw new SchemaError(tok?.line ?? last?.line ?? 1, tok?.column ?? last?.column ?? 1, detail);
  }

  private next(): Token {
    const t = this.toks[this.i];
    if (!t) this.fail('unexpected end of schema');
    this.i++;
    return t;
  }

  private expect(text: string): Token {
    const t = this.peek();
    if (!t || t.text !== text) this.fail(`expected '${text}', got ${t ? `'${t.text}'` : 'end of schema'}`);
    return this.next();
  }

  private accept(text: string): boolean {
    if (this.peek()?.text === text) {
      this.i++;
      return true;
    }
    return false;
  }

  private ident(what: string): string {
    const t = this.peek();
    if (!t || t.kind !== 'ident') this.fail(`expected ${what}, got ${t ? `'${t.text}'` : 'end of schema'}`);
    return this.next().text;
  }

  private integer(what: string): number {
    const t = this.peek();
    if (!t || t.kind !== 'number' || !/^[-+]?(0x[0-9A-Fa-f]+|[0-9]+)$/.test(t.text)) this.fail(`expected an integer ${what}`);
    this.i++;
    const neg = t.text.startsWith('-');
    const body = t.text.replace(/^[-+]/, '');
    const v = body.startsWith('0x') ? parseInt(body.slice(2), 16) : parseInt(body, 10);
    return neg ? -v : v;
  }

  parse(): Schema {
    const schema: Schema = { decls: [] };
    while (this.peek()) {
      const kw = this.peek()!;
      switch (kw.text) {
        case 'namespace':
          this.next();
          schema.namespace = this.ident('a namespace');
          this.expect(';');
          break;
        case 'file_identifier': {
          this.next();
          const t = this.next();
          if (t.kind !== 'string' || t.text.length !== 4) this.fail('file_identifier must be a string of 4 characters', t);
          schema.fileIdentifier = t.text;
          this.expect(';');
          break;
        }
        case 'file_extension': {
          this.next();
          const t = this.next();
          if (t.kind !== 'string') this.fail('file_extension must be a string', t);
          schema.fileExtension = t.text;
          this.expect(';');
          break;
        }
        case 'root_type':
          this.next();
          schema.rootType = this.ident('a table name');
          this.expect(';');
          break;
        case 'enum':
          schema.decls.push(this.parseEnum());
          break;
        case 'union':
          schema.decls.push(this.parseUnion());
          break;
        case 'table':
          schema.decls.push(this.parseTable());
          break;
        default:
          this.fail(`unsupported declaration '${kw.text}': this codegen reads namespace, file_identifier, file_extension, root_type, enum, union and table`);
      }
    }
    return schema;
  }

  private parseEnum(): EnumDecl {
    this.expect('enum');
    const name = this.ident('an enum name');
    this.expect(':');
    const underlying = this.scalar();
    if (underlying === 'bool' || underlying === 'float' || underlying === 'double') this.fail(`enum ${name} must have an integer type, got ${underlying}`);
    this.expect('{');
    const values: EnumDecl['values'] = [];
    let nextValue = 0;
    while (!this.accept('}')) {
      const at = this.peek();
      const vname = this.ident('an enum value name');
      const value = this.accept('=') ? this.integer(`for ${name}.${vname}`) : nextValue;
      if (values.length && value <= values[values.length - 1].value) this.fail(`enum ${name}: value ${vname} = ${value} must be greater than the one before`, at);
      if (values.some((v) => v.name === vname)) this.fail(`enum ${name} declares ${vname} twice`, at);
      values.push({ name: vname, value });
      nextValue = value + 1;
      if (!this.accept(',')) {
        this.expect('}');
        break;
      }
    }
    return { kind: 'enum', name, underlying, values };
  }

  private parseUnion(): UnionDecl {
    this.expect('union');
    const name = this.ident('a union name');
    this.expect('{');
    const members: UnionDecl['members'] = [];
    let nextValue = 1; // 0 is NONE
    while (!this.accept('}')) {
      const at = this.peek();
      const mname = this.ident('a union member (a table name)');
      const value = this.accept('=') ? this.integer(`for ${name}.${mname}`) : nextValue;
      if (value < 1 || value > 255) this.fail(`union ${name}: ${mname} = ${value} must be in [1, 255] (a ubyte; 0 is NONE)`, at);
      if (members.length && value <= members[members.length - 1].value) this.fail(`union ${name}: ${mname} = ${value} must be greater than the member before`, at);
      members.push({ name: mname, value });
      nextValue = value + 1;
      if (!this.accept(',')) {
        this.expect('}');
        break;
      }
    }
    if (!members.length) this.fail(`union ${name} has no members`);
    return { kind: 'union', name, members };
  }

  private parseTable(): TableDecl {
    this.expect('table');
    const name = this.ident('a table name');
    this.attributes(); // table-level attributes (none that matter to us)
    this.expect('{');
    const fields: FieldDecl[] = [];
    while (!this.accept('}')) {
      const start = this.peek()!;
      const fname = this.ident('a field name');
      if (fields.some((f) => f.name === fname)) this.fail(`table ${name} declares field ${fname} twice`, start);
      this.expect(':');
      const type = this.type();
      let def: string | undefined;
      if (this.accept('=')) {
        const t = this.next();
        if (t.kind !== 'number' && t.kind !== 'ident') this.fail('expected a default value', t);
        def = t.text;
      }
      const attrs = this.attributes();
      this.expect(';');
      const field: FieldDecl = { name: fname, type, deprecated: 'deprecated' in attrs, line: start.line };
      if (def !== undefined) field.default = def;
      if (attrs.force_align !== undefined) field.forceAlign = Number(attrs.force_align);
      for (const key of Object.keys(attrs)) {
        if (key !== 'deprecated' && key !== 'force_align') this.fail(`field ${name}.${fname}: unsupported attribute '${key}'`, start);
      }
      fields.push(field);
    }
    return { kind: 'table', name, fields };
  }

  private attributes(): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = {};
    if (!this.accept('(')) return out;
    while (!this.accept(')')) {
      const key = this.ident('an attribute name');
      out[key] = this.accept(':') ? this.next().text : undefined;
      if (!this.accept(',')) {
        this.expect(')');
        break;
      }
    }
    return out;
  }

  private scalar(): Scalar {
    const t = this.ident('a scalar type');
    const s = (SCALARS as readonly string[]).includes(t) ? (t as Scalar) : ALIASES[t];
    if (!s) this.fail(`expected a scalar type, got '${t}'`);
    return s;
  }

  private type(): TypeRef {
    if (this.accept('[')) {
      const of = this.type();
      if (of.kind === 'vector') this.fail('vectors of vectors are not flatbuffers');
      this.expect(']');
      return { kind: 'vector', of };
    }
    const t = this.ident('a type');
    if (t === 'string') return { kind: 'string' };
    const s = (SCALARS as readonly string[]).includes(t) ? (t as Scalar) : ALIASES[t];
    return s ? { kind: 'scalar', scalar: s } : { kind: 'named', name: t };
  }
}

export function parseSchema(src: string): Schema {
  return new Parser(tokenize(src)).parse();
}
