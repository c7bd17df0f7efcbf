import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CompiledModel, LiteRt, TypedArray } from '@litertjs/core';
import { LiteRtError } from './errors.ts';
import { type DirectRunner, makeDirectRunner } from './direct.ts';
import { type Captured, errorText, isErrorLine, isPromise, RuntimeLog, serial } from './log.ts';
import { installWorkerShims, withoutWarnings } from './shims.ts';

/** The element types LiteRT.js can move between JS and the runtime. */
export type IoDType = 'float32' | 'int32' | 'uint8';
export type IoArray = Float32Array | Int32Array | Uint8Array;

export interface IoDetails {
  name: string;
  index: number;
  shape: number[];
  dtype: IoDType;
}

const ARRAY_OF: { [K in IoDType]: { name: string; is: (a: unknown) => boolean } } = {
  float32: { name: 'Float32Array', is: (a) => a instanceof Float32Array },
  int32: { name: 'Int32Array', is: (a) => a instanceof Int32Array },
  uint8: { name: 'Uint8Array', is: (a) => a instanceof Uint8Array },
};

// LiteRT's ElementType enum (litert/c/litert_model.h), by value, for messages.
const ELEMENT_TYPE: Record<number, string> = {
  0: 'none', 1: 'float32', 2: 'int32', 3: 'uint8', 4: 'int64', 5: 'string', 6: 'bool', 7: 'int16',
  8: 'complex64', 9: 'int8', 10: 'float16', 11: 'float64', 12: 'complex128', 13: 'uint64',
  14: 'resource', 15: 'variant', 16: 'uint32', 17: 'uint16', 18: 'int4', 19: 'bfloat16',
};
const IO_ELEMENT_TYPES = new Set([1, 2, 3]);

export interface LoadOptions {
  /** Folder holding `litert_wasm_*internal.{js,wasm}`; defaults to `@litertjs/core/wasm`. */
  wasmDir?: string;
}

export interface CompileOptions {
  /** Only the single-threaded CPU path is used in Node (XNNPACK + builtin kernels in wasm). */
  accelerator?: 'wasm';
  /**
   * How tensors cross into the runtime: `direct` (default) refills input buffers made once per
   * model (see direct.ts); `core` goes through @litertjs/core's Tensor and CompiledModel.run,
   * about 30 µs slower per inference. Both run the same compiled model.
   */
  io?: 'direct' | 'core';
}

export function defaultWasmDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@litertjs/core')), '..', 'wasm');
}

/** LiteRT in Node: one runtime per process (the wasm module is a global singleton). */
export class LiteRtNode {
  /** Calls into the runtime, one at a time, so that each logged line belongs to one call. */
  private readonly queue = serial();
  private aborted: string | undefined;

  constructor(
    private readonly liteRt: LiteRt,
    private readonly log: RuntimeLog,
    private readonly core: typeof import('@litertjs/core'),
    /** Wall time of `loadLiteRtNode` (glue evaluation, wasm compile, environment). */
    readonly loadMs: number,
    readonly wasmDir: string,
    /** The Emscripten glue that was loaded (`litert_wasm_compat_internal.js` without relaxed SIMD). */
    readonly glueFile: string,
    /** Called once when the runtime crashes, to unload it. */
    private readonly discard: () => void,
  ) {}

  /** The runtime's log since load (INFO and WARNING lines included), most recent last. */
  get logLines(): readonly string[] {
    return this.log.history;
  }

  /**
   * Loads and compiles a .tflite model. Fails with a LiteRtError when the runtime logs an
   * `ERROR:` line (an op that fails to prepare would otherwise run and return garbage) or when an
   * input or output has a type LiteRT.js cannot exchange with JS.
   */
  compile(bytes: Uint8Array, opts: CompileOptions = {}): Promise<LiteRtModel> {
    return this.queue(async () => {
      this.checkAlive();
      this.checkIoTypes(await this.call('load the model', () => this.inspect(bytes)));
      const compiled = await this.call(
        'compile the model',
        () => this.liteRt.loadAndCompile(bytes, { accelerator: opts.accelerator ?? 'wasm' }),
        (unusable) => unusable.delete(),
      );
      try {
        return new LiteRtModel(this, this.liteRt, compiled, opts.io ?? 'direct');
      } catch (e) {
        compiled.delete();
        throw e;
      }
    });
  }

  /** Runs `f` inside the queue with log capture (for LiteRtModel). */
  runQueued<T>(what: string, f: () => T | Promise<T>): Promise<T> {
    return this.queue(() => {
      this.checkAlive();
      return this.call(what, f);
    });
  }

  /**
   * Calls into the runtime; `ERROR:` lines or a thrown error become one LiteRtError. A value
   * produced despite `ERROR:` lines (a compiled model whose op failed to prepare) goes to `release`.
   */
  private call<T>(what: string, f: () => T | Promise<T>, release?: (value: T) => void): T | Promise<T> {
    const captured = this.log.capture(f);
    return isPromise(captured) ? captured.then((c) => this.outcome(what, c, release)) : this.outcome(what, captured, release);
  }

  private outcome<T>(what: string, { value, error, lines }: Captured<T>, release?: (value: T) => void): T {
    if (error instanceof LiteRtError) throw error;
    const errors = lines.filter(isErrorLine).map(errorText);
    if (error === undefined && errors.length === 0) return value as T;
    if (error === undefined && release) release(value as T);
    const thrown = error === undefined ? '' : thrownText(error);
    // A wasm trap or an Emscripten abort (WebAssembly.RuntimeError) leaves the module's state
    // undefined: discard this runtime so that the next loadLiteRtNode() instantiates a fresh one.
    if (error instanceof Error && error.constructor.name === 'RuntimeError') {
      this.aborted = thrown;
      this.discard();
      const detail = [...errors, thrown].join('; ');
      throw new LiteRtError(`LiteRT crashed trying to ${what}: ${detail}: the runtime was discarded; call loadLiteRtNode() again`, errors);
    }
    const detail = [...errors, ...(thrown ? [thrown] : [])].join('; ');
    throw new LiteRtError(`LiteRT could not ${what}: ${detail}`, errors);
  }

  /** False once the runtime has crashed and been discarded. */
  get alive(): boolean {
    return this.aborted === undefined;
  }

  private checkAlive(): void {
    if (this.aborted !== undefined) {
      throw new LiteRtError(`LiteRT crashed earlier (${this.aborted}) and was discarded: call loadLiteRtNode() again and recompile`);
    }
  }

  /** Reads the signatures' I/O element types without compiling (LiteRT.js's own check throws mid-compile and leaks). */
  private inspect(bytes: Uint8Array): { where: string; name: string; type: number }[] {
    const wasm = this.liteRt.liteRtWasm;
    const env = this.liteRt.getDefaultEnvironment().liteRtEnvironment;
    const ptr = wasm._malloc(bytes.byteLength);
    try {
      wasm.HEAPU8.set(bytes, ptr);
      const model = wasm.loadModel(env, ptr, bytes.byteLength);
      try {
        const found: { where: string; name: string; type: number }[] = [];
        for (let s = 0; s < model.getNumSignatures(); s++) {
          const sig = model.getSignature(s);
          const lists = [
            ['input', sig.inputNames(), (i: number) => model.getInputTensorType(s, i)],
            ['output', sig.outputNames(), (i: number) => model.getOutputTensorType(s, i)],
          ] as const;
          for (const [where, names, typeOf] of lists) {
            for (let i = 0; i < names.size(); i++) {
              const t = typeOf(i);
              found.push({ where, name: names.get(i) as unknown as string, type: t.elementType().value });
              t.delete();
            }
            names.delete();
          }
          sig.delete();
        }
        return found;
      } finally {
        model.delete();
      }
    } finally {
      wasm._free(ptr);
    }
  }

  private checkIoTypes(io: { where: string; name: string; type: number }[]): void {
    for (const { where, name, type } of io) {
      if (IO_ELEMENT_TYPES.has(type)) continue;
      const dtype = ELEMENT_TYPE[type] ?? `element type ${type}`;
      const fix =
        type === 9
          ? `run its uint8 twin instead (same graph with uint8 ${where}s, zero point + 128: u8 = i8 + 128)`
          : 'give the model float32, int32 or uint8 inputs and outputs';
      throw new LiteRtError(`${where} '${name}' is ${dtype}, but LiteRT.js exchanges only float32, int32 and uint8 tensors: ${fix}`);
    }
  }

  /** @internal */
  get tensorClass(): typeof import('@litertjs/core').Tensor {
    return this.core.Tensor;
  }
}

/** A compiled model: details of its default signature, `run`, `dispose`. */
export class LiteRtModel {
  private disposed = false;
  private readonly inputs: IoDetails[];
  private readonly outputs: IoDetails[];

  private readonly direct: DirectRunner | undefined;

  constructor(
    private readonly runtime: LiteRtNode,
    liteRt: LiteRt,
    private readonly compiled: CompiledModel,
    io: 'direct' | 'core',
  ) {
    const details = (d: readonly { name: string; index: number; shape: Int32Array; dtype: string }[]) =>
      d.map((t) => ({ name: t.name, index: t.index, shape: [...t.shape], dtype: t.dtype as IoDType }));
    this.inputs = details(compiled.getInputDetails());
    this.outputs = details(compiled.getOutputDetails());
    this.direct = io === 'direct' ? makeDirectRunner(liteRt, runtime.tensorClass, compiled, this.inputs, this.outputs) : undefined;
  }

  /** Whether runs take the direct road (see CompileOptions.io). */
  get io(): 'direct' | 'core' {
    return this.direct ? 'direct' : 'core';
  }

  getInputDetails(): IoDetails[] {
    return this.inputs.map((d) => ({ ...d, shape: [...d.shape] }));
  }

  getOutputDetails(): IoDetails[] {
    return this.outputs.map((d) => ({ ...d, shape: [...d.shape] }));
  }

  /** One inference. Inputs in signature order, typed arrays of the inputs' dtypes and sizes. */
  run(inputs: readonly IoArray[]): Promise<IoArray[]> {
    if (this.disposed) return Promise.reject(new LiteRtError('model was disposed: compile it again'));
    try {
      this.checkInputs(inputs);
    } catch (e) {
      return Promise.reject(e);
    }
    const direct = this.direct;
    if (direct) return this.runtime.runQueued('run the model', () => direct.run(inputs));
    const Tensor = this.runtime.tensorClass;
    return this.runtime.runQueued('run the model', async () => {
      // LiteRT copies the data into wasm memory, so any backing buffer works
      const tensors = inputs.map((data, i) => new Tensor(data as TypedArray, this.inputs[i].shape));
      try {
        const outs = await this.compiled.run(tensors);
        try {
          return outs.map((t) => t.toTypedArray());
        } finally {
          for (const t of outs) t.delete();
        }
      } finally {
        for (const t of tensors) t.delete();
      }
    });
  }

  private checkInputs(inputs: readonly IoArray[]): void {
    if (inputs.length !== this.inputs.length) {
      const names = this.inputs.map((d) => `'${d.name}'`).join(', ');
      throw new LiteRtError(`run() got ${inputs.length} inputs, the model takes ${this.inputs.length} (${names}): pass one typed array per input`);
    }
    inputs.forEach((data, i) => {
      const d = this.inputs[i];
      const want = ARRAY_OF[d.dtype];
      if (!want.is(data)) {
        throw new LiteRtError(`input '${d.name}' is ${d.dtype}, got a ${data?.constructor?.name ?? typeof data}: pass a ${want.name}`);
      }
      const n = d.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) {
        throw new LiteRtError(`input '${d.name}' has shape [${d.shape.join(', ')}] (${n} elements), got ${data.length}: pass exactly ${n}`);
      }
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.runtime.alive) return; // its memory went with the crashed module
    this.direct?.dispose();
    this.compiled.delete();
  }
}

let loading: Promise<LiteRtNode> | undefined;

/**
 * Loads LiteRT once per process (later calls return the same runtime). Single-threaded wasm,
 * no network: the glue and the wasm are read from `wasmDir`.
 */
export function loadLiteRtNode(opts: LoadOptions = {}): Promise<LiteRtNode> {
  const wasmDir = opts.wasmDir ?? defaultWasmDir();
  if (loading) {
    return loading.then((rt) => {
      if (rt.wasmDir !== wasmDir) {
        throw new LiteRtError(`LiteRT is already loaded from ${rt.wasmDir}: one runtime per process; load it from one folder`);
      }
      return rt;
    });
  }
  const mine: Promise<LiteRtNode> = load(wasmDir, () => {
    if (loading === mine) loading = undefined;
  }).catch((e: unknown) => {
    if (loading === mine) loading = undefined;
    throw e instanceof LiteRtError ? e : new LiteRtError(`could not load LiteRT from ${wasmDir}: ${e instanceof Error ? e.message : String(e)}`);
  });
  loading = mine;
  return mine;
}

async function load(wasmDir: string, forget: () => void): Promise<LiteRtNode> {
  const start = performance.now();
  const core = await import('@litertjs/core');
  if (core.getGlobalLiteRtPromise()) {
    throw new LiteRtError('@litertjs/core was loaded by someone else in this process: load it only through loadLiteRtNode()');
  }
  const log = new RuntimeLog();
  const glueFiles: string[] = [];
  const removeShims = installWorkerShims(log.write, (file) => glueFiles.push(file));
  let liteRt: LiteRt;
  try {
    // No WebGPU in Node: the loader tries `navigator.gpu` and warns; the wasm path needs no GPU.
    liteRt = await withoutWarnings(['Failed to create default WebGPU device'], () =>
      core.loadLiteRt(wasmDir.endsWith('/') ? wasmDir : wasmDir + '/'),
    );
  } finally {
    removeShims();
  }
  const discard = () => {
    forget();
    // The crashed module cannot delete its objects; forget them and let the GC take the instance.
    (liteRt as unknown as { objectsToDelete: Set<unknown> }).objectsToDelete.clear();
    try {
      core.unloadLiteRt();
    } catch {
      // already unusable; the next load replaces the global runtime anyway
    }
  };
  return new LiteRtNode(liteRt, log, core, performance.now() - start, wasmDir, glueFiles.join(', '), discard);
}

/** One line from a thrown runtime error, without the `ERROR: [file:line]` location markers. */
function thrownText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text
    .replace(/(└\s*)?ERROR:\s*\[[^\]]*\]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
