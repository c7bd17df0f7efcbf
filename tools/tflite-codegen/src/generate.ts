/**
 * Generates TypeScript bindings for a parsed schema over the `flatbuffers` npm runtime: a reader
 * class per table (accessors in the style of flatc's), builder functions (`start`/`add*`/`end`,
 * `create` from an object of fields, `create*Vector`), a `verify` function per table that a
 * Verifier (packages/tflite/src/verifier.ts) drives before any accessor runs, and enums and unions
 * as `const` objects with their names.
 *
 * Field ids follow the flatbuffers rules: declaration order, a union field taking two ids (its
 * `_type` byte, then its value), deprecated fields keeping their id with no accessors.
 */
import { SchemaError, type EnumDecl, type FieldDecl, type Scalar, type Schema, type TableDecl, type TypeRef, type UnionDecl } from './parse.ts';

interface ScalarInfo {
  size: number;
  read: string;
  add: string;
  ts: string;
  array: string;
}

const SCALAR: Readonly<Record<Scalar, ScalarInfo>> = {
  bool: { size: 1, read: 'readInt8', add: 'Int8', ts: 'boolean', array: 'Uint8Array' },
  byte: { size: 1, read: 'readInt8', add: 'Int8', ts: 'number', array: 'Int8Array' },
  ubyte: { size: 1, read: 'readUint8', add: 'Int8', ts: 'number', array: 'Uint8Array' },
  short: { size: 2, read: 'readInt16', add: 'Int16', ts: 'number', array: 'Int16Array' },
  ushort: { size: 2, read: 'readUint16', add: 'Int16', ts: 'number', array: 'Uint16Array' },
  int: { size: 4, read: 'readInt32', add: 'Int32', ts: 'number', array: 'Int32Array' },
  uint: { size: 4, read: 'readUint32', add: 'Int32', ts: 'number', array: 'Uint32Array' },
  long: { size: 8, read: 'readInt64', add: 'Int64', ts: 'bigint', array: 'BigInt64Array' },
  ulong: { size: 8, read: 'readUint64', add: 'Int64', ts: 'bigint', array: 'BigUint64Array' },
  float: { size: 4, read: 'readFloat32', add: 'Float32', ts: 'number', array: 'Float32Array' },
  double: { size: 8, read: 'readFloat64', add: 'Float64', ts: 'number', array: 'Float64Array' },
};

/** A field with its type resolved against the schema's declarations. */
export type Resolved =
  | { k: 'scalar'; scalar: Scalar; enumName?: string }
  | { k: 'string' }
  | { k: 'table'; table: string }
  | { k: 'union'; union: string }
  | { k: 'vector'; elem: { k: 'scalar'; scalar: Scalar; enumName?: string } | { k: 'string' } | { k: 'table'; table: string } };

export interface Field {
  decl: FieldDecl;
  /** The id of the field (for a union, the id of its value; its type byte is id − 1). */
  id: number;
  type: Resolved;
  /** TypeScript literal of the default (scalars only). */
  defaultLiteral: string;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const pascal = (s: string) => {
  const c = camel(s);
  return c[0].toUpperCase() + c.slice(1);
};
const voffset = (id: number) => 4 + 2 * id;

/** A schema with every field's type resolved and its id assigned. */
export interface Layout {
  enums: Map<string, EnumDecl>;
  unions: Map<string, UnionDecl>;
  tables: Map<string, TableDecl>;
  fields: Map<string, { fields: Field[]; count: number }>;
}

/** Resolves names, checks the schema, and assigns field ids (what decides the binary layout). */
export function layoutOf(schema: Schema): Layout {
  const enums = new Map<string, EnumDecl>();
  const unions = new Map<string, UnionDecl>();
  const tables = new Map<string, TableDecl>();
  for (const d of schema.decls) {
    if (enums.has(d.name) || unions.has(d.name) || tables.has(d.name)) throw new SchemaError(1, 1, `'${d.name}' is declared twice`);
    ({ enum: enums, union: unions, table: tables } as const)[d.kind].set(d.name, d as never);
  }
  for (const u of unions.values()) {
    for (const m of u.members) if (!tables.has(m.name)) throw new SchemaError(1, 1, `union ${u.name}: member ${m.name} is not a table`);
  }
  if (schema.rootType && !tables.has(schema.rootType)) throw new SchemaError(1, 1, `root_type ${schema.rootType} is not a table`);

  const resolveField = (t: TableDecl, f: FieldDecl): Resolved => {
    const where = `${t.name}.${f.name}`;
    const named = (name: string): Resolved => {
      if (enums.has(name)) return { k: 'scalar', scalar: enums.get(name)!.underlying, enumName: name };
      if (tables.has(name)) return { k: 'table', table: name };
      if (unions.has(name)) return { k: 'union', union: name };
      throw new SchemaError(f.line, 1, `${where}: unknown type '${name}'`);
    };
    const one = (r: TypeRef): Resolved => {
      if (r.kind === 'scalar') return { k: 'scalar', scalar: r.scalar };
      if (r.kind === 'string') return { k: 'string' };
      if (r.kind === 'named') return named(r.name);
      const elem = one(r.of);
      if (elem.k === 'union' || elem.k === 'vector') throw new SchemaError(f.line, 1, `${where}: vectors of unions are not supported`);
      return { k: 'vector', elem };
    };
    return one(f.type);
  };

  const defaultOf = (t: TableDecl, f: FieldDecl, r: Resolved): string => {
    if (r.k !== 'scalar') {
      if (f.default !== undefined) throw new SchemaError(f.line, 1, `${t.name}.${f.name}: only scalars take a default`);
      return '0';
    }
    const d = f.default;
    if (r.scalar === 'bool') {
      if (d !== undefined && d !== 'true' && d !== 'false') throw new SchemaError(f.line, 1, `${t.name}.${f.name}: a bool default must be true or false`);
      return d ?? 'false';
    }
    let v = d ?? '0';
    if (r.enumName && d !== undefined && !/^[-+]?[0-9]/.test(d)) {
      const e = enums.get(r.enumName)!.values.find((x) => x.name === d);
      if (!e) throw new SchemaError(f.line, 1, `${t.name}.${f.name}: ${d} is not a value of ${r.enumName}`);
      v = String(e.value);
    }
    if (!/^[-+]?[0-9.eE+-]+$/.test(v)) throw new SchemaError(f.line, 1, `${t.name}.${f.name}: bad default '${v}'`);
    return SCALAR[r.scalar].ts === 'bigint' ? `${BigInt(v)}n` : String(Number(v));
  };

  const fieldsOf = new Map<string, { fields: Field[]; count: number }>();
  for (const t of tables.values()) {
    let id = 0;
    const fields: Field[] = [];
    for (const f of t.fields) {
      const type = resolveField(t, f);
      if (type.k === 'union') id++; // the hidden `_type` field
      if (f.forceAlign !== undefined && !(type.k === 'vector' && type.elem.k === 'scalar')) {
        throw new SchemaError(f.line, 1, `${t.name}.${f.name}: force_align applies to vectors of scalars only here`);
      }
      fields.push({ decl: f, id, type, defaultLiteral: defaultOf(t, f, type) });
      id++;
    }
    fieldsOf.set(t.name, { fields, count: id });
  }
  return { enums, unions, tables, fields: fieldsOf };
}

export function generate(schema: Schema, sourceName: string): string {
  const { enums, unions, tables, fields: fieldsOf } = layoutOf(schema);
  const out: string[] = [];
  const w = (s = '') => out.push(s);
  w(`// Generated by tools/tflite-codegen from ${sourceName}: do not edit.`);
  w(`// Regenerate with \`npm run codegen -w @octet/tflite-codegen\`.`);
  w(`/* eslint-disable */`);
  w(`import { ByteBuffer, type Builder } from 'flatbuffers';`);
  w(`import type { Verifier, TableCursor } from '../verifier.ts';`);
  w();
  w(`export type Offset = number;`);
  w();
  w(`function namesOf(o: Readonly<Record<string, number>>): Readonly<Record<number, string>> {`);
  w(`  const out: Record<number, string> = {};`);
  w(`  for (const [k, v] of Object.entries(o)) out[v] = k;`);
  w(`  return out;`);
  w(`}`);
  w();
  if (schema.fileIdentifier) w(`export const FILE_IDENTIFIER = ${JSON.stringify(schema.fileIdentifier)};`);
  if (schema.fileExtension) w(`export const FILE_EXTENSION = ${JSON.stringify(schema.fileExtension)};`);
  w();

  for (const e of enums.values()) {
    w(`export const ${e.name} = {`);
    for (const v of e.values) w(`  ${v.name}: ${v.value},`);
    w(`} as const;`);
    w(`export type ${e.name} = (typeof ${e.name})[keyof typeof ${e.name}];`);
    w(`export const ${e.name}Names = namesOf(${e.name});`);
    w();
  }
  for (const u of unions.values()) {
    w(`export const ${u.name} = {`);
    w(`  NONE: 0,`);
    for (const m of u.members) w(`  ${m.name}: ${m.value},`);
    w(`} as const;`);
    w(`export type ${u.name} = (typeof ${u.name})[keyof typeof ${u.name}];`);
    w(`export const ${u.name}Names = namesOf(${u.name});`);
    w();
  }

  for (const t of tables.values()) genTable(t, fieldsOf.get(t.name)!, t.name === schema.rootType, schema.fileIdentifier, w);

  for (const u of unions.values()) {
    w(`/** The verifier of each member of ${u.name}, by type index (unknown indices are skipped, as flatbuffers does). */`);
    w(`export const ${u.name}Verifiers: Readonly<Record<number, (v: Verifier, pos: number) => void>> = {`);
    for (const m of u.members) w(`  ${m.value}: (v, pos) => ${m.name}.verify(v, pos),`);
    w(`};`);
    w();
  }
  return out.join('\n').replace(/\n+$/, '\n');
}

function genTable(t: TableDecl, info: { fields: Field[]; count: number }, isRoot: boolean, ident: string | undefined, w: (s?: string) => void): void {
  const live = info.fields.filter((f) => !f.decl.deprecated);
  const fieldsType = (f: Field): string[] => {
    const n = camel(f.decl.name);
    const r = f.type;
    if (r.k === 'scalar') return [`${n}?: ${SCALAR[r.scalar].ts};`];
    if (r.k === 'union') return [`${n}Type?: number;`, `${n}?: Offset;`];
    return [`${n}?: Offset;`];
  };

  w(`export interface ${t.name}Fields {`);
  for (const f of live) for (const line of fieldsType(f)) w(`  ${line}`);
  w(`}`);
  w();
  w(`export class ${t.name} {`);
  w(`  bb!: ByteBuffer;`);
  w(`  bb_pos = 0;`);
  w();
  w(`  __init(i: number, bb: ByteBuffer): this {`);
  w(`    this.bb_pos = i;`);
  w(`    this.bb = bb;`);
  w(`    return this;`);
  w(`  }`);
  w();
  w(`  private field(voffset: number): number {`);
  w(`    return this.bb.__offset(this.bb_pos, voffset);`);
  w(`  }`);
  if (isRoot) {
    w();
    w(`  /** The root table of a buffer; run a Verifier over it first when the bytes are not trusted. */`);
    w(`  static getRoot(bytes: Uint8Array): ${t.name} {`);
    w(`    const bb = new ByteBuffer(bytes);`);
    w(`    return new ${t.name}().__init(bb.readUint32(0), bb);`);
    w(`  }`);
    w();
    w(`  static finish(b: Builder, root: Offset): void {`);
    w(ident ? `    b.finish(root, FILE_IDENTIFIER);` : `    b.finish(root);`);
    w(`  }`);
  }

  // Readers.
  for (const f of live) {
    const n = camel(f.decl.name);
    const vo = voffset(f.id);
    const r = f.type;
    w();
    if (r.k === 'scalar') {
      const s = SCALAR[r.scalar];
      const read = r.scalar === 'bool' ? `!!this.bb.${s.read}(this.bb_pos + o)` : `this.bb.${s.read}(this.bb_pos + o)`;
      w(`  ${n}(): ${s.ts} {`);
      w(`    const o = this.field(${vo});`);
      w(`    return o ? ${read} : ${f.defaultLiteral};`);
      w(`  }`);
    } else if (r.k === 'string') {
      w(`  ${n}(): string | null {`);
      w(`    const o = this.field(${vo});`);
      w(`    return o ? (this.bb.__string(this.bb_pos + o) as string) : null;`);
      w(`  }`);
    } else if (r.k === 'table') {
      w(`  ${n}(obj: ${r.table} = new ${r.table}()): ${r.table} | null {`);
      w(`    const o = this.field(${vo});`);
      w(`    return o ? obj.__init(this.bb.__indirect(this.bb_pos + o), this.bb) : null;`);
      w(`  }`);
    } else if (r.k === 'union') {
      w(`  ${n}Type(): number {`);
      w(`    const o = this.field(${voffset(f.id - 1)});`);
      w(`    return o ? this.bb.readUint8(this.bb_pos + o) : 0;`);
      w(`  }`);
      w();
      w(`  ${n}<T extends { __init(i: number, bb: ByteBuffer): T }>(obj: T): T | null {`);
      w(`    const o = this.field(${vo});`);
      w(`    return o ? obj.__init(this.bb.__indirect(this.bb_pos + o), this.bb) : null;`);
      w(`  }`);
    } else {
      const e = r.elem;
      w(`  ${n}Length(): number {`);
      w(`    const o = this.field(${vo});`);
      w(`    return o ? this.bb.__vector_len(this.bb_pos + o) : 0;`);
      w(`  }`);
      w();
      if (e.k === 'scalar') {
        const s = SCALAR[e.scalar];
        const read = e.scalar === 'bool' ? `!!this.bb.${s.read}(at)` : `this.bb.${s.read}(at)`;
        w(`  ${n}(index: number): ${s.ts} {`);
        w(`    const o = this.field(${vo});`);
        w(`    if (!o) return ${e.scalar === 'bool' ? 'false' : s.ts === 'bigint' ? '0n' : '0'};`);
        w(`    const at = this.bb.__vector(this.bb_pos + o) + index * ${s.size};`);
        w(`    return ${read};`);
        w(`  }`);
        w();
        if (s.size === 1) {
          w(`  /** A view of the vector's bytes (no copy), or null when the field is absent. */`);
          w(`  ${n}Array(): ${s.array} | null {`);
          w(`    const o = this.field(${vo});`);
          w(`    if (!o) return null;`);
          w(`    const bytes = this.bb.bytes();`);
          w(`    const start = this.bb.__vector(this.bb_pos + o);`);
          w(`    return new ${s.array}(bytes.buffer, bytes.byteOffset + start, this.bb.__vector_len(this.bb_pos + o));`);
          w(`  }`);
        } else {
          w(`  /** A copy of the vector (the bytes need not be aligned for a view), or null when absent. */`);
          w(`  ${n}Array(): ${s.array} | null {`);
          w(`    const o = this.field(${vo});`);
          w(`    if (!o) return null;`);
          w(`    const start = this.bb.__vector(this.bb_pos + o);`);
          w(`    const out = new ${s.array}(this.bb.__vector_len(this.bb_pos + o));`);
          w(`    for (let i = 0; i < out.length; i++) out[i] = this.bb.${s.read}(start + i * ${s.size});`);
          w(`    return out;`);
          w(`  }`);
        }
      } else if (e.k === 'string') {
        w(`  ${n}(index: number): string | null {`);
        w(`    const o = this.field(${vo});`);
        w(`    return o ? (this.bb.__string(this.bb.__vector(this.bb_pos + o) + index * 4) as string) : null;`);
        w(`  }`);
      } else {
        w(`  ${n}(index: number, obj: ${e.table} = new ${e.table}()): ${e.table} | null {`);
        w(`    const o = this.field(${vo});`);
        w(`    return o ? obj.__init(this.bb.__indirect(this.bb.__vector(this.bb_pos + o) + index * 4), this.bb) : null;`);
        w(`  }`);
      }
    }
  }

  // Verifier.
  w();
  w(`  static verify(v: Verifier, pos: number): void {`);
  w(`    const t: TableCursor = v.enterTable(pos, ${JSON.stringify(t.name)});`);
  for (const f of live) {
    const vo = voffset(f.id);
    const name = JSON.stringify(f.decl.name);
    const r = f.type;
    if (r.k === 'scalar') w(`    v.scalar(t, ${vo}, ${name}, ${SCALAR[r.scalar].size});`);
    else if (r.k === 'string') w(`    v.string(t, ${vo}, ${name});`);
    else if (r.k === 'table') w(`    v.table(t, ${vo}, ${name}, ${r.table}.verify);`);
    else if (r.k === 'union') w(`    v.union(t, ${voffset(f.id - 1)}, ${vo}, ${name}, ${r.union}Verifiers);`);
    else if (r.elem.k === 'scalar') w(`    v.vector(t, ${vo}, ${name}, ${SCALAR[r.elem.scalar].size}, ${Math.max(f.decl.forceAlign ?? 1, SCALAR[r.elem.scalar].size, 4)});`);
    else if (r.elem.k === 'string') w(`    v.vectorOfStrings(t, ${vo}, ${name});`);
    else w(`    v.vectorOfTables(t, ${vo}, ${name}, ${r.elem.table}.verify);`);
  }
  w(`    v.leaveTable(t);`);
  w(`  }`);

  // Builder.
  w();
  w(`  static start(b: Builder): void {`);
  w(`    b.startObject(${info.count});`);
  w(`  }`);
  for (const f of live) {
    const n = pascal(f.decl.name);
    const r = f.type;
    w();
    if (r.k === 'scalar') {
      const s = SCALAR[r.scalar];
      const value = r.scalar === 'bool' ? '+value' : 'value';
      const def = r.scalar === 'bool' ? `+${f.defaultLiteral}` : f.defaultLiteral;
      w(`  static add${n}(b: Builder, value: ${s.ts}): void {`);
      w(`    b.addField${s.add}(${f.id}, ${value}, ${def});`);
      w(`  }`);
    } else if (r.k === 'union') {
      w(`  static add${n}Type(b: Builder, type: number): void {`);
      w(`    b.addFieldInt8(${f.id - 1}, type, 0);`);
      w(`  }`);
      w();
      w(`  static add${n}(b: Builder, value: Offset): void {`);
      w(`    b.addFieldOffset(${f.id}, value, 0);`);
      w(`  }`);
    } else {
      w(`  static add${n}(b: Builder, value: Offset): void {`);
      w(`    b.addFieldOffset(${f.id}, value, 0);`);
      w(`  }`);
    }
    if (r.k === 'vector') {
      const e = r.elem;
      w();
      if (e.k === 'scalar' && SCALAR[e.scalar].size === 1 && e.scalar !== 'bool') {
        const align = f.decl.forceAlign ?? 1;
        w(`  static create${n}Vector(b: Builder, data: Uint8Array | Int8Array): Offset {`);
        if (align > 1) w(`    b.prep(${align}, data.length); // force_align: ${align}: the first element lands on a multiple of ${align}`);
        w(`    return b.createByteVector(new Uint8Array(data.buffer, data.byteOffset, data.length));`);
        w(`  }`);
      } else if (e.k === 'scalar') {
        const s = SCALAR[e.scalar];
        const align = Math.max(f.decl.forceAlign ?? 1, s.size);
        const elem = e.scalar === 'bool' ? '+data[i]' : 'data[i]';
        w(`  static create${n}Vector(b: Builder, data: ArrayLike<${s.ts}>): Offset {`);
        w(`    b.startVector(${s.size}, data.length, ${align});`);
        w(`    for (let i = data.length - 1; i >= 0; i--) b.add${s.add}(${elem});`);
        w(`    return b.endVector();`);
        w(`  }`);
      } else {
        w(`  static create${n}Vector(b: Builder, offsets: readonly Offset[]): Offset {`);
        w(`    b.startVector(4, offsets.length, 4);`);
        w(`    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);`);
        w(`    return b.endVector();`);
        w(`  }`);
      }
    }
  }
  w();
  w(`  static end(b: Builder): Offset {`);
  w(`    return b.endObject();`);
  w(`  }`);
  // `create` adds the widest fields first so that little padding is needed between them.
  const width = (f: Field) => (f.type.k === 'scalar' ? SCALAR[f.type.scalar].size : 4);
  const order = [...live].sort((a, b) => width(b) - width(a) || a.id - b.id);
  w();
  w(`  /** Builds the table from the given fields (absent or default fields are not stored), widest first. */`);
  w(`  static create(b: Builder, f: ${t.name}Fields): Offset {`);
  w(`    ${t.name}.start(b);`);
  for (const f of order) {
    const n = camel(f.decl.name);
    const p = pascal(f.decl.name);
    w(`    if (f.${n} !== undefined) ${t.name}.add${p}(b, f.${n});`);
  }
  for (const f of order) {
    if (f.type.k !== 'union') continue;
    const n = camel(f.decl.name);
    w(`    if (f.${n}Type !== undefined) ${t.name}.add${pascal(f.decl.name)}Type(b, f.${n}Type);`);
  }
  w(`    return ${t.name}.end(b);`);
  w(`  }`);
  w(`}`);
  w();
}
