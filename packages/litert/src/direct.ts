import type { CompiledModel, LiteRt, Tensor, TypedArray } from '@litertjs/core';
import { isPromise } from './log.ts';
import type { IoArray, IoDetails, IoDType } from './runtime.ts';

/**
 * A faster road through LiteRT for many small inferences. `CompiledModel.run` spends ~30 µs per
 * call in JS around a ~6 µs wasm call (a new input buffer per run, tensor types and buffer
 * requirements fetched and checked again for every input, output wrappers). Here the input
 * buffers are created once, checked once against the compiled model's requirements, and refilled
 * in place; outputs are copied out of the wasm heap and released.
 *
 * It reaches two fields that @litertjs/core 2.5 keeps private in TypeScript (`model.liteRtModel`,
 * `liteRtCompiledModel`) and the default signature's index; `makeDirectRunner` returns undefined
 * when they are missing, and the caller falls back to `CompiledModel.run`.
 */
export interface DirectRunner {
  /** Synchronous when the wasm build runs synchronously (every build but JSPI). */
  run(inputs: readonly IoArray[]): IoArray[] | Promise<IoArray[]>;
  dispose(): void;
}

interface Buffer {
  lock(mode: unknown): number;
  unlock(): void;
  packedSize(): number;
  delete(): void;
}

interface Internals {
  liteRtCompiledModel: {
    run(sig: number, inputs: Buffer[]): Buffer[] | Promise<Buffer[]>;
    getInputBufferRequirements(sig: number, i: number): { delete(): void };
  };
  model: { liteRtModel: { getInputTensorType(sig: number, i: number): { delete(): void } } };
  defaultSignature: { signatureIndex: number };
}

const CTOR: { [K in IoDType]: { new (buffer: ArrayBuffer, offset: number, length: number): IoArray; new (n: number): IoArray; BYTES_PER_ELEMENT: number } } = {
  float32: Float32Array,
  int32: Int32Array,
  uint8: Uint8Array,
};

export function makeDirectRunner(
  liteRt: LiteRt,
  TensorClass: typeof Tensor,
  compiled: CompiledModel,
  inputs: IoDetails[],
  outputs: IoDetails[],
): DirectRunner | undefined {
  const internals = compiled as unknown as Partial<Internals>;
  const cm = internals.liteRtCompiledModel;
  const model = internals.model?.liteRtModel;
  const sig = internals.defaultSignature?.signatureIndex;
  if (!cm || !model || typeof sig !== 'number' || typeof cm.run !== 'function') return undefined;

  const wasm = liteRt.liteRtWasm as unknown as {
    HEAPU8: Uint8Array;
    LiteRtTensorBufferLockMode: { READ: unknown; WRITE: unknown };
    checkTensorBufferCompatible(buffer: unknown, type: unknown, requirements: unknown): void;
  };
  const size = (d: IoDetails) => d.shape.reduce((a, b) => a * b, 1);
  const tensors = inputs.map((d) => new TensorClass(new CTOR[d.dtype](size(d)) as TypedArray, d.shape));
  try {
    tensors.forEach((t, i) => {
      const type = model.getInputTensorType(sig, i);
      const requirements = cm.getInputBufferRequirements(sig, i);
      try {
        wasm.checkTensorBufferCompatible(t.liteRtTensorBuffer, type, requirements);
      } finally {
        type.delete();
        requirements.delete();
      }
    });
  } catch (e) {
    for (const t of tensors) t.delete();
    throw e;
  }
  const buffers = tensors.map((t) => t.liteRtTensorBuffer as unknown as Buffer);

  return {
    run(data) {
      data.forEach((a, i) => {
        const ptr = buffers[i].lock(wasm.LiteRtTensorBufferLockMode.WRITE);
        try {
          wasm.HEAPU8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), ptr);
        } finally {
          buffers[i].unlock();
        }
      });
      const outs = cm.run(sig, buffers);
      return isPromise(outs) ? outs.then(readOutputs) : readOutputs(outs);
    },
    dispose() {
      for (const t of tensors) t.delete();
    },
  };

  function readOutputs(outs: Buffer[]): IoArray[] {
    try {
      return outs.map((buffer, i) => {
        const d = outputs[i];
        const Ctor = CTOR[d.dtype];
        const bytes = size(d) * Ctor.BYTES_PER_ELEMENT;
        const ptr = buffer.lock(wasm.LiteRtTensorBufferLockMode.READ);
        try {
          if (buffer.packedSize() !== bytes) {
            throw new Error(`output '${d.name}' holds ${buffer.packedSize()} bytes, its shape [${d.shape.join(', ')}] needs ${bytes}`);
          }
          const copy = wasm.HEAPU8.slice(ptr, ptr + bytes);
          return new Ctor(copy.buffer, 0, size(d));
        } finally {
          buffer.unlock();
        }
      });
    } finally {
      for (const b of outs) b.delete();
    }
  }
}
