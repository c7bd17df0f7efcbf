import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { registerWasmGradientKernels } from './conv2d-backprop-filter.ts';

export type Tf = typeof tf;

export interface Backend {
  tf: Tf;
  /** 'tensorflow' (tfjs-node, native) or 'wasm'. */
  name: string;
}

/** The folder holding tfjs-backend-wasm's .wasm files, on disk (no network). */
export function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
}

let wasmReady: Promise<void> | undefined;

/** Sets up tfjs's wasm backend from the package's own files, with our gradient kernels. */
export function useWasmBackend(): Promise<void> {
  wasmReady ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(join(wasmDistDir(), '/'));
    registerWasmGradientKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialize');
  })();
  return wasmReady;
}

/**
 * tfjs-node when it is installed (its install downloads a native library, so it is often absent);
 * otherwise @tensorflow/tfjs on the wasm backend.
 */
export async function chooseBackend(prefer?: 'wasm' | 'node'): Promise<Backend> {
  if (prefer !== 'wasm') {
    try {
      const name = '@tensorflow/tfjs-node'; // a variable: not a static dependency for the type checker
      const tfn = (await import(name)) as Tf;
      await tfn.ready();
      return { tf: tfn, name: tfn.getBackend() };
    } catch (e) {
      if (prefer === 'node') throw e;
    }
  }
  await useWasmBackend();
  return { tf, name: tf.getBackend() };
}
