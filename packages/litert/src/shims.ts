import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';

type ModuleFactory = (moduleArg?: Record<string, unknown>) => Promise<unknown>;
type Printer = (line: string) => void;

/**
 * `@litertjs/core` loads its Emscripten glue the way a worker does: `importScripts(url)`, then
 * `self.ModuleFactory(self.Module)`. The glue is a UMD script inside an ESM package, so `import`
 * and plain `require` both refuse it; we evaluate it as CommonJS by hand and hand the loader a
 * factory that routes the module's stdout/stderr to `print`.
 *
 * Both globals are removed again by the returned function: tfjs (and other Emscripten glue) take
 * a defined `importScripts` to mean "this is a web worker", so they must not outlive the load.
 */
export function installWorkerShims(print: Printer, loaded: (file: string) => void = () => {}): () => void {
  const g = globalThis as Record<string, unknown>;
  const saved = ['self', 'importScripts', 'ModuleFactory', 'Module'].map((k) => [k, Object.getOwnPropertyDescriptor(g, k)] as const);
  if (g.self === undefined) g.self = globalThis;
  g.importScripts = (...urls: string[]) => {
    for (const url of urls) {
      const path = url.startsWith('file:') ? fileURLToPath(url) : url;
      const factory = evaluateCommonJs(path) as ModuleFactory;
      loaded(path);
      if (typeof factory !== 'function') throw new Error(`${path} did not export an Emscripten module factory`);
      (g.self as Record<string, unknown>).ModuleFactory = (moduleArg: Record<string, unknown> = {}) =>
        factory({ ...moduleArg, print, printErr: print });
    }
  };
  return () => {
    for (const [key, descriptor] of saved) {
      if (descriptor) Object.defineProperty(g, key, descriptor);
      else delete g[key];
    }
  };
}

function evaluateCommonJs(path: string): unknown {
  const source = readFileSync(path, 'utf8');
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: path,
  }) as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const module = { exports: {} as unknown };
  wrapper(module.exports, createRequire(path), module, path, dirname(path));
  return module.exports;
}

/** Runs `f` with `console.warn` muted for messages starting with one of `prefixes`. */
export async function withoutWarnings<T>(prefixes: string[], f: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && prefixes.some((p) => (args[0] as string).startsWith(p))) return;
    warn(...args);
  };
  try {
    return await f();
  } finally {
    console.warn = warn;
  }
}
