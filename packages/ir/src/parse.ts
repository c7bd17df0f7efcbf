import { allocate, dtypeFromShort, floatToHalf, type DType } from './dtype.ts';
import { setSourcePosition } from './diagnostics.ts';
import { IrError, IrParseError } from './errors.ts';
import { Graph, inferTypes, normalizeAttrs, type AnyOp, type Value } from './graph.ts';
import { isOpKind, OP_KINDS, opDef } from './ops.ts';
import { operandArity } from './registry.ts';
import { numElements, shapesEqual, type QuantParams, type TensorType } from './types.ts';

/**
 * Reads the text form written by `print`. Result types after `:` are optional when writing by hand
 * (they are inferred); when given they must agree with inference. Errors carry line and column.
 * Constants hang off their uses: one that nothing reads is not part of the graph (and does not print).
 */
export function parse(text: string): Graph {
  return new Parser(text).graph();
}

type Attr = number | boolean | string | number[];

class Parser {
  private pos = 0;
  private values = new Map<string, Value>();

  constructor(private readonly src: string) {}

  graph(): Graph {
    this.skip();
    this.keyword('graph');
    this.expect('@');
    const name = this.ident('a graph name');
    const g = new Graph(name);
    this.expect('(');
    if (!this.eat(')')) {
      do {
        const at = this.pos;
        const [key, vname] = this.valueName();
        this.expect(':');
        const type = this.type();
        const v: Value = { type, ...(vname !== undefined ? { name: vname } : {}) };
        this.define(key, v, at);
        g.inputs.push(v);
      } while (this.eat(','));
      this.expect(')');
    }
    this.expect('{');
    for (;;) {
      this.skip();
      if (this.peekWord('return')) break;
      if (this.pos >= this.src.length) this.fail(`expected 'return' and '}' to close graph @${name}`);
      this.statement(g);
    }
    this.keyword('return');
    if (!this.atLineEndOrBrace()) {
      do g.outputs.push(this.use());
      while (this.eat(','));
    }
    this.expect('}');
    this.skip();
    if (this.pos < this.src.length) this.fail('unexpected text after the graph');
    return g;
  }

  private statement(g: Graph): void {
    const start = this.pos;
    const results: { key: string; name?: string; at: number }[] = [];
    do {
      const at = this.pos;
      const [key, name] = this.valueName();
      results.push({ key, at, ...(name !== undefined ? { name } : {}) });
    } while (this.eat(','));
    this.expect('=');
    this.skip();
    const kindAt = this.pos;
    const kind = this.ident('an op name');
    if (kind === 'const') {
      if (results.length !== 1) this.fail('a const defines one value', start);
      const type = this.type();
      const v: Value = { type, ...(results[0].name !== undefined ? { name: results[0].name } : {}) };
      this.skip();
      if (this.peekWord('elided')) {
        this.keyword('elided');
        this.expect('<');
        const hashAt = this.pos;
        const hash = this.word();
        if (!/^[0-9a-f]{16}$/.test(hash)) this.fail('a content hash is 16 hex digits', hashAt);
        this.expect('>');
        v.elided = hash;
      } else {
        v.data = this.data(type, this.pos);
      }
      this.define(results[0].key, v, results[0].at);
      return;
    }
    if (!isOpKind(kind)) this.fail(`unknown op '${kind}': known ops are const, ${OP_KINDS.join(', ')}`, kindAt);
    this.expect('(');
    const inputs: Value[] = [];
    if (!this.eat(')')) {
      do inputs.push(this.use());
      while (this.eat(','));
      this.expect(')');
    }
    const attrs: Record<string, Attr> = {};
    this.skip();
    if (this.eat('{')) {
      if (!this.eat('}')) {
        do {
          const keyAt = this.pos;
          const key = this.ident('an attribute name');
          if (key in attrs) this.fail(`attribute '${key}' is given twice`, keyAt);
          this.expect('=');
          attrs[key] = this.attrValue();
        } while (this.eat(','));
        this.expect('}');
      }
    }
    let declared: TensorType[] | undefined;
    this.skip();
    if (this.eat(':')) {
      declared = [];
      do declared.push(this.type());
      while (this.eat(','));
    }
    let loc: string | undefined;
    this.skip();
    if (this.peekWord('loc')) {
      this.keyword('loc');
      this.expect('(');
      loc = this.string();
      this.expect(')');
    }
    const def = opDef(kind);
    const { min, max } = operandArity(def.operands);
    if (inputs.length < min || inputs.length > max) {
      this.fail(`'${kind}' op takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} operands (${def.operands.join(', ')}), got ${inputs.length}`, kindAt);
    }
    if (results.length !== def.results) this.fail(`'${kind}' op defines ${def.results} value(s), got ${results.length}`, start);
    let full;
    let inferred: TensorType[];
    try {
      full = normalizeAttrs(kind, attrs, loc);
      inferred = inferTypes(kind, inputs, full, loc);
    } catch (e) {
      if (e instanceof IrError) this.fail(e.message, kindAt);
      throw e;
    }
    if (declared) {
      if (declared.length !== results.length) this.fail(`'${kind}' op declares ${declared.length} result types for ${results.length} results`, kindAt);
      const fixed = def.infer(inputs.map((v) => v.type), full as never).map((r) => r.dtype !== undefined);
      declared.forEach((t, i) => {
        const inf = inferred[i];
        const dtypeFixed = fixed[i];
        if (!shapesEqual(t.shape, inf.shape) || (dtypeFixed && t.dtype !== inf.dtype)) {
          this.fail(`'${kind}' op result is declared ${describe(t)} but its operands give ${describe(inf)}`, kindAt);
        }
      });
    } else if (kind === 'quantize') {
      this.fail(`'quantize' op needs its result type written after ':' (the type carries the quantization)`, kindAt);
    }
    const op = { kind, inputs, outputs: [] as Value[], attrs: full, ...(loc !== undefined ? { loc } : {}) } as AnyOp;
    op.outputs = results.map((r, i) => {
      const v: Value = { type: declared ? declared[i] : inferred[i], producer: op, ...(r.name !== undefined ? { name: r.name } : {}) };
      this.define(r.key, v, r.at);
      return v;
    });
    setSourcePosition(op, this.position(start));
    g.ops.push(op);
  }

  // --- types and data ------------------------------------------------------------------------

  private type(): TensorType {
    this.skip();
    const at = this.pos;
    const short = this.ident('a type such as f32[1,28,28]');
    const dtype = dtypeFromShort(short);
    if (!dtype) this.fail(`unknown element type '${short}': use f32, f16, i32, i16, i8, u8, i64 or bool`, at);
    this.expect('[');
    const shape: number[] = [];
    if (!this.eat(']')) {
      do shape.push(this.integer('a dimension'));
      while (this.eat(','));
      this.expect(']');
    }
    const t: TensorType = { dtype, shape };
    this.skip();
    if (this.src.startsWith('q(', this.pos)) t.quant = this.quant(shape);
    return t;
  }

  private quant(shape: number[]): QuantParams {
    this.pos += 2;
    this.skip();
    if (this.peekWord('axis')) {
      this.keyword('axis');
      this.expect('=');
      const axisAt = this.pos;
      const axis = this.integer('an axis');
      if (axis < 0 || axis >= shape.length) this.fail(`quantization axis ${axis} is outside rank ${shape.length}`, axisAt);
      this.expect(',');
      const scale = this.numberList().map(Math.fround);
      this.expect(',');
      const zeroPoint = this.numberList();
      this.expect(')');
      return { scale, zeroPoint, axis };
    }
    const scale = Math.fround(this.number());
    this.expect(',');
    const zp = this.integer('a zero point');
    this.expect(')');
    return { scale: [scale], zeroPoint: [zp] };
  }

  private data(type: TensorType, at: number) {
    const n = numElements(type.shape);
    const out = allocate(type.dtype, n);
    this.expect('[');
    let i = 0;
    this.skip();
    if (!this.eat(']')) {
      do {
        if (i >= n) this.fail(`constant ${describe(type)} has more than ${n} elements`, at);
        this.skip();
        const tokAt = this.pos;
        const tok = this.numberToken();
        set(out, type.dtype, i++, tok, () => this.fail(`'${tok}' is not a valid ${type.dtype} element`, tokAt));
      } while (this.eat(','));
      this.expect(']');
    }
    if (i !== n) this.fail(`constant ${describe(type)} needs ${n} elements, got ${i}`, at);
    return out;
  }

  private attrValue(): Attr {
    this.skip();
    const c = this.src[this.pos];
    if (c === '"') return this.string();
    if (c === '[') return this.numberList();
    if (this.peekWord('true')) return this.keyword('true'), true;
    if (this.peekWord('false')) return this.keyword('false'), false;
    return this.number();
  }

  private numberList(): number[] {
    this.expect('[');
    const out: number[] = [];
    if (this.eat(']')) return out;
    do out.push(this.number());
    while (this.eat(','));
    this.expect(']');
    return out;
  }

  // --- values ----------------------------------------------------------------------------------

  /** Reads `%name`, `%N` or `%"quoted"`: returns the lookup key and the value name (none for `%N`). */
  private valueName(): [string, string | undefined] {
    this.skip();
    if (this.src[this.pos] !== '%') this.fail(`expected a value such as %x`);
    this.pos++;
    if (this.src[this.pos] === '"') {
      const s = this.string();
      return [`"${s}`, s];
    }
    const id = this.word();
    if (!id) this.fail('expected a value name after %');
    return /^\d+$/.test(id) ? [id, undefined] : [`"${id}`, id];
  }

  private use(): Value {
    const at = this.pos;
    const [key, name] = this.valueName();
    const v = this.values.get(key);
    if (!v) this.fail(`use of undefined value %${name !== undefined ? name : key}`, at);
    return v;
  }

  private define(key: string, v: Value, at: number): void {
    if (this.values.has(key)) this.fail(`value %${key.replace(/^"/, '')} is defined twice`, at);
    this.values.set(key, v);
  }

  // --- lexing ---------------------------------------------------------------------------------

  private skip(): void {
    for (;;) {
      while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
      if (this.src.startsWith('//', this.pos)) {
        while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
      } else return;
    }
  }

  private word(): string {
    const m = /^[A-Za-z0-9_.$-]+/.exec(this.src.slice(this.pos, this.pos + 256));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }

  private ident(what: string): string {
    this.skip();
    const m = /^[A-Za-z_][A-Za-z0-9_.$-]*/.exec(this.src.slice(this.pos, this.pos + 256));
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  private peekWord(w: string): boolean {
    return this.src.startsWith(w, this.pos) && !/[A-Za-z0-9_]/.test(this.src[this.pos + w.length] ?? '');
  }

  private keyword(w: string): void {
    this.skip();
    if (!this.peekWord(w)) this.fail(`expected '${w}'`);
    this.pos += w.length;
  }

  private eat(c: string): boolean {
    this.skip();
    if (this.src.startsWith(c, this.pos)) {
      this.pos += c.length;
      return true;
    }
    return false;
  }

  private expect(c: string): void {
    if (!this.eat(c)) this.fail(`expected '${c}'`);
  }

  private atLineEndOrBrace(): boolean {
    this.skip();
    return this.src[this.pos] === '}';
  }

  private numberToken(): string {
    this.skip();
    const m = /^(-?(?:Infinity|NaN|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|true|false)/.exec(this.src.slice(this.pos, this.pos + 64));
    if (!m) this.fail('expected a number');
    this.pos += m[0].length;
    return m[0];
  }

  private number(): number {
    const at = this.pos;
    const tok = this.numberToken();
    if (tok === 'true' || tok === 'false') this.fail('expected a number', at);
    return Number(tok);
  }

  private integer(what: string): number {
    this.skip();
    const at = this.pos;
    const x = this.number();
    if (!Number.isInteger(x)) this.fail(`expected ${what} (an integer), got ${x}`, at);
    return x;
  }

  private string(): string {
    this.skip();
    if (this.src[this.pos] !== '"') this.fail('expected a quoted string');
    const m = /^"(?:[^"\\\n]|\\.)*"/.exec(this.src.slice(this.pos));
    if (!m) this.fail('unterminated string');
    this.pos += m[0].length;
    return JSON.parse(m[0]) as string;
  }

  private fail(msg: string, at = this.pos): never {
    const { line, column } = this.position(at);
    throw new IrParseError(line, column, msg);
  }

  private position(at: number): { line: number; column: number } {
    let line = 1;
    let column = 1;
    for (let i = 0; i < at && i < this.src.length; i++) {
      if (this.src[i] === '\n') {
        line++;
        column = 1;
      } else column++;
    }
    return { line, column };
  }
}

function describe(t: TensorType): string {
  return `${t.dtype}[${t.shape.join(',')}]`;
}

function set(out: ReturnType<typeof allocate>, dtype: DType, i: number, tok: string, bad: () => never): void {
  if (dtype === 'int64') {
    if (!/^-?\d+$/.test(tok)) bad();
    (out as BigInt64Array)[i] = BigInt(tok);
    return;
  }
  const x = tok === 'true' ? 1 : tok === 'false' ? 0 : Number(tok);
  if (dtype === 'float32') (out as Float32Array)[i] = x;
  else if (dtype === 'float16') (out as Uint16Array)[i] = floatToHalf(x);
  else {
    if (!Number.isInteger(x)) bad();
    (out as Int32Array)[i] = x;
  }
}
