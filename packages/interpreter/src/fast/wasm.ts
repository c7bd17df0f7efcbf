import { readFileSync } from 'node:fs';
import type { KernelContext } from '../kernel.ts';

interface Memory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The few WebAssembly JS API members used here (the repo's TypeScript libs do not declare them). */
const { WebAssembly: Wasm } = globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: unknown } };
};

type Bytes = ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };

/**
 * A kernel module built from assembly/ (`wasm/<name>.wasm`, next to the sources): compiled once per
 * process, on first use, synchronously (kernels are prepared inside the Interpreter constructor).
 * Each interpreter instantiates it once (`instanceOf`), with a memory of its own.
 */
export class WasmKernels<E> {
  private compiled: object | undefined;

  constructor(private readonly file: URL) {}

  /** This interpreter's instance (made on the first call with `ctx`, released with the interpreter). */
  instanceOf(ctx: KernelContext): WasmInstance<E> {
    return ctx.shared(this, () => new WasmInstance<E>((this.compiled ??= new Wasm.Module(readFileSync(this.file)))));
  }
}

/**
 * One instance of a kernel module, owned by one interpreter (no allocator inside: the kernels take
 * byte offsets). Regions are handed out from the end of the instance's memory, 16-byte aligned, and
 * never freed one by one: prepared kernels live as long as their interpreter, and the whole memory
 * goes with it.
 */
export class WasmInstance<E> {
  readonly exports: E & { memory: Memory };
  private top: number;

  constructor(module: object) {
    this.exports = new Wasm.Instance(module, {}).exports as E & { memory: Memory };
    this.top = this.exports.memory.buffer.byteLength;
  }

  reserve(bytes: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes;
    const missing = this.top - this.exports.memory.buffer.byteLength;
    if (missing > 0) this.exports.memory.grow(Math.ceil(missing / 65536));
    return at;
  }

  /** A region holding a copy of `data`. */
  place(data: Bytes): number {
    const at = this.reserve(data.byteLength);
    this.copyIn(at, data);
    return at;
  }

  copyIn(at: number, data: Bytes): void {
    new Uint8Array(this.exports.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  /**
   * A typed view of `length` elements at `at`, made once and remade only when the memory has grown
   * (growing detaches the old buffer): kernels copy through it at every run without allocating.
   */
  view<T>(at: number, length: number, Type: new (buffer: ArrayBuffer, byteOffset: number, length: number) => T): () => T {
    let buffer: ArrayBuffer | undefined;
    let view: T | undefined;
    return () => {
      if (buffer !== this.exports.memory.buffer) {
        buffer = this.exports.memory.buffer;
        view = new Type(buffer, at, length);
      }
      return view!;
    };
  }
}
