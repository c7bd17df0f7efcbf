/**
 * The wasm module's stdout/stderr. TFLite reports a failed Prepare or Invoke only as an
 * `ERROR: ...` line on stderr and lets `run()` resolve with whatever is in the output buffers,
 * so every call into the runtime is bracketed: lines logged during it are collected and the
 * `ERROR:` ones become a LiteRtError. Calls are serialized (see `serial`), so a line belongs to
 * exactly one call.
 */
export class RuntimeLog {
  /** Every line since load, INFO and WARNING included (for debugging; bounded). */
  readonly history: string[] = [];
  private current: string[] | undefined;
  private static readonly MAX_HISTORY = 1000;

  write = (line: string): void => {
    this.history.push(line);
    if (this.history.length > RuntimeLog.MAX_HISTORY) this.history.shift();
    this.current?.push(line);
  };

  /**
   * Runs `f`, returning its outcome and the lines logged meanwhile; synchronously when `f` is
   * synchronous (a small model's inference takes a few µs, a promise hop costs as much).
   */
  capture<T>(f: () => T | Promise<T>): Captured<T> | Promise<Captured<T>> {
    const lines: string[] = [];
    this.current = lines;
    let result: T | Promise<T>;
    try {
      result = f();
    } catch (error) {
      this.current = undefined;
      return { error, lines };
    }
    if (!isPromise(result)) {
      this.current = undefined;
      return { value: result, lines };
    }
    return result.then(
      (value) => ({ value, lines }),
      (error: unknown) => ({ error, lines }),
    ).finally(() => {
      this.current = undefined;
    });
  }
}

export interface Captured<T> {
  value?: T;
  error?: unknown;
  lines: string[];
}

export const isPromise = <T>(x: T | Promise<T>): x is Promise<T> =>
  typeof (x as { then?: unknown } | null)?.then === 'function';

export const isErrorLine = (line: string): boolean => /^\s*ERROR:/.test(line);

/**
 * `ERROR: [litert_compiled_model.cc:164] Failed to allocate tensors` → `Failed to allocate tensors`:
 * the message without the level, the source location and a final period.
 */
export const errorText = (line: string): string =>
  line
    .replace(/^\s*ERROR:\s*/, '')
    .replace(/^\[[^\]]*\]\s*/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.$/, '');

/**
 * Runs jobs one at a time, in call order, whatever each one's outcome. A job submitted while
 * none is pending starts at once (so a synchronous job costs no promise hop before it runs).
 */
export function serial(): <T>(job: () => T | Promise<T>) => Promise<T> {
  let tail: Promise<unknown> | undefined;
  return <T>(job: () => T | Promise<T>) => {
    let result: Promise<T>;
    if (tail === undefined) {
      let value: T | Promise<T>;
      try {
        value = job();
      } catch (e) {
        return Promise.reject(e);
      }
      if (!isPromise(value)) return Promise.resolve(value);
      result = value;
    } else {
      result = tail.then(job, job);
    }
    const settled: Promise<unknown> = result.then(
      () => undefined,
      () => undefined,
    );
    tail = settled;
    void settled.then(() => {
      if (tail === settled) tail = undefined;
    });
    return result;
  };
}
