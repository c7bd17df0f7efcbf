import { readFileSync } from 'node:fs';

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
 * One instance of a kernel module built from assembly/ (no allocator inside: the kernels take byte
 * offsets). Regions are handed out from the end of the module's own memory, 16-byte aligned, and
 * never freed: prepared kernels live as long as their interpreter, and the bench's process.
 */
export class WasmModule<E> {
  readonly exports: E & { memory: Memory };
  private top: number;

  constructor(file: URL) {
    this.exports = new Wasm.Instance(new Wasm.Module(readFileSync(file)), {}).exports as E & { memory: Memory };
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
