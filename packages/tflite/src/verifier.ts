import { TfliteFormatError } from './errors.ts';

/**
 * Checks a flatbuffer before any accessor reads it, as flatbuffers' C++ Verifier does: every
 * table, vtable, field, offset, vector and string lies inside the bytes and is aligned, strings end
 * with a NUL, nesting is bounded and so is the number of tables visited (a file can point many
 * offsets at one table). The generated `verify` functions drive it field by field; after it passes,
 * the generated accessors only read bytes it has checked.
 */

export interface VerifierLimits {
  maxDepth: number;
  /** Table visits (a table reached through two offsets counts twice). */
  maxTables: number;
  /** Bytes of vectors and strings visited, summed over visits. */
  maxVectorBytes: number;
}

/** Where a table is, as the verifier found it. */
export interface TableCursor {
  readonly name: string;
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly tableSize: number;
}

/**
 * A file whose objects are each reached once (what every producer writes, shared strings and
 * vtables aside) visits at most one table per 4 bytes and about its own size in vector bytes. The
 * default limits allow that with room to spare and refuse files that point many offsets at the
 * same objects, so that whoever walks a verified file (the reader, inspect) does work linear in
 * its size: a few hundred bytes cannot expand into billions of elements.
 */
function defaultLimits(size: number): VerifierLimits {
  return { maxDepth: 64, maxTables: Math.min(1_000_000, Math.floor(size / 4) + 16), maxVectorBytes: 4 * size + 4096 };
}

export class Verifier {
  private depth = 0;
  private tables = 0;
  private vectorBytes = 0;
  private readonly view: DataView;
  readonly limits: VerifierLimits;

  constructor(
    readonly bytes: Uint8Array,
    limits: Partial<VerifierLimits> = {},
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.limits = { ...defaultLimits(bytes.length), ...limits };
  }

  fail(detail: string): never {
    throw new TfliteFormatError(`malformed .tflite: ${detail}`);
  }

  /** Checks the root offset (and the file identifier when given) and verifies the root table. */
  root(identifier: string | undefined, verify: (v: Verifier, pos: number) => void): void {
    const need = identifier ? 8 : 4;
    if (this.bytes.length < need) this.fail(`${this.bytes.length} bytes is too short for a flatbuffer (at least ${need})`);
    if (identifier) {
      const got = String.fromCharCode(...this.bytes.subarray(4, 8));
      if (got !== identifier) this.fail(`file identifier is ${JSON.stringify(got)}, expected ${JSON.stringify(identifier)}`);
    }
    verify(this, this.offsetAt(0, 'root offset'));
  }

  private check(pos: number, size: number, what: string): void {
    if (!(pos >= 0 && size >= 0 && pos + size <= this.bytes.length)) {
      this.fail(`${what} (bytes ${pos}..${pos + size}) lies outside the file (${this.bytes.length} bytes)`);
    }
  }

  private aligned(pos: number, align: number, what: string): void {
    if (pos % align !== 0) this.fail(`${what} at byte ${pos} is not aligned to ${align}`);
  }

  private u32(pos: number): number {
    return this.view.getUint32(pos, true);
  }

  /** Follows a uoffset stored at `pos` and returns the position it points to. */
  private offsetAt(pos: number, what: string): number {
    this.check(pos, 4, what);
    this.aligned(pos, 4, what);
    const o = this.u32(pos);
    if (o === 0 || o > 0x7fffffff) this.fail(`${what} at byte ${pos} holds the invalid offset ${o}`);
    const target = pos + o;
    this.check(target, 1, `target of ${what}`);
    return target;
  }

  enterTable(pos: number, name: string): TableCursor {
    if (++this.depth > this.limits.maxDepth) this.fail(`tables nest deeper than ${this.limits.maxDepth}`);
    if (++this.tables > this.limits.maxTables) this.fail(`more than ${this.limits.maxTables} table visits in ${this.bytes.length} bytes: offsets point many times at the same tables`);
    this.check(pos, 4, `${name} table`);
    this.aligned(pos, 4, `${name} table`);
    const vtable = pos - this.view.getInt32(pos, true);
    this.check(vtable, 4, `${name} vtable`);
    this.aligned(vtable, 2, `${name} vtable`);
    const vtableSize = this.view.getUint16(vtable, true);
    const tableSize = this.view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0) this.fail(`${name} vtable at byte ${vtable} has the invalid size ${vtableSize}`);
    this.check(vtable, vtableSize, `${name} vtable`);
    if (tableSize < 4) this.fail(`${name} table at byte ${pos} has the invalid size ${tableSize}`);
    this.check(pos, tableSize, `${name} table`);
    return { name, pos, vtable, vtableSize, tableSize };
  }

  leaveTable(_t: TableCursor): void {
    this.depth--;
  }

  /** The field's position inside the table, or 0 when absent; checks that `size` bytes fit. */
  private field(t: TableCursor, voffset: number, name: string, size: number, align: number): number {
    if (voffset >= t.vtableSize) return 0;
    const o = this.view.getUint16(t.vtable + voffset, true);
    if (o === 0) return 0;
    const what = `${t.name}.${name}`;
    if (o + size > t.tableSize) this.fail(`${what} (offset ${o}, ${size} bytes) runs past its table (${t.tableSize} bytes)`);
    this.check(t.pos + o, size, what);
    this.aligned(t.pos + o, align, what);
    return t.pos + o;
  }

  scalar(t: TableCursor, voffset: number, name: string, size: number): void {
    this.field(t, voffset, name, size, size);
  }

  private vectorAt(pos: number, what: string, elemSize: number): { start: number; length: number } {
    this.check(pos, 4, `${what} length`);
    this.aligned(pos, 4, `${what} length`);
    const length = this.u32(pos);
    const start = pos + 4;
    if (length * elemSize > this.bytes.length - start) {
      this.fail(`${what} claims ${length} elements of ${elemSize} bytes at byte ${start}, past the end of the file (${this.bytes.length} bytes)`);
    }
    if (elemSize > 4) this.aligned(start, elemSize, what); // start is 4-aligned already
    this.vectorBytes += 4 + length * elemSize;
    if (this.vectorBytes > this.limits.maxVectorBytes) this.fail(`more than ${this.limits.maxVectorBytes} bytes of vectors to visit in ${this.bytes.length} bytes: offsets point many times at the same vectors`);
    return { start, length };
  }

  vector(t: TableCursor, voffset: number, name: string, elemSize: number, _align: number): void {
    const f = this.field(t, voffset, name, 4, 4);
    if (f) this.vectorAt(this.offsetAt(f, `${t.name}.${name}`), `${t.name}.${name}`, elemSize);
  }

  string(t: TableCursor, voffset: number, name: string): void {
    const f = this.field(t, voffset, name, 4, 4);
    if (f) this.stringAt(this.offsetAt(f, `${t.name}.${name}`), `${t.name}.${name}`);
  }

  private stringAt(pos: number, what: string): void {
    const { start, length } = this.vectorAt(pos, what, 1);
    this.check(start + length, 1, `${what} terminator`);
    if (this.bytes[start + length] !== 0) this.fail(`${what} at byte ${pos} is not NUL-terminated`);
  }

  table(t: TableCursor, voffset: number, name: string, verify: (v: Verifier, pos: number) => void): void {
    const f = this.field(t, voffset, name, 4, 4);
    if (f) verify(this, this.offsetAt(f, `${t.name}.${name}`));
  }

  union(t: TableCursor, typeVoffset: number, valueVoffset: number, name: string, verifiers: Readonly<Record<number, (v: Verifier, pos: number) => void>>): void {
    const tf = this.field(t, typeVoffset, `${name}_type`, 1, 1);
    const type = tf ? this.bytes[tf] : 0;
    const vf = this.field(t, valueVoffset, name, 4, 4);
    if (type === 0) return;
    if (!vf) this.fail(`${t.name}.${name} has type ${type} but no value`);
    const verify = verifiers[type];
    const target = this.offsetAt(vf, `${t.name}.${name}`);
    if (verify) verify(this, target);
  }

  vectorOfTables(t: TableCursor, voffset: number, name: string, verify: (v: Verifier, pos: number) => void): void {
    const f = this.field(t, voffset, name, 4, 4);
    if (!f) return;
    const what = `${t.name}.${name}`;
    const { start, length } = this.vectorAt(this.offsetAt(f, what), what, 4);
    for (let i = 0; i < length; i++) verify(this, this.offsetAt(start + 4 * i, `${what}[${i}]`));
  }

  vectorOfStrings(t: TableCursor, voffset: number, name: string): void {
    const f = this.field(t, voffset, name, 4, 4);
    if (!f) return;
    const what = `${t.name}.${name}`;
    const { start, length } = this.vectorAt(this.offsetAt(f, what), what, 4);
    for (let i = 0; i < length; i++) this.stringAt(this.offsetAt(start + 4 * i, `${what}[${i}]`), `${what}[${i}]`);
  }
}
