// A model that makes the wasm module trap. Its own file: the crash discards the process's runtime.
import { describe, expect, it } from 'vitest';
import { loadLiteRtNode, LiteRtError } from '../src/index.ts';
import { addModel, buildModel, Builtin } from './tflite-fixtures.ts';

/** float → QUANTIZE with scale 0 → DEQUANTIZE: LiteRT 2.5's wasm traps compiling it. */
const zeroScaleQuantize = buildModel({
  tensors: [
    { name: 'x', shape: [1, 3], type: 'float32' },
    { name: 'xq', shape: [1, 3], type: 'int8', quant: { scale: [0], zeroPoint: [0] } },
    { name: 'y', shape: [1, 3], type: 'float32' },
  ],
  ops: [
    { builtin: Builtin.QUANTIZE, inputs: [0], outputs: [1] },
    { builtin: Builtin.DEQUANTIZE, inputs: [1], outputs: [2] },
  ],
  inputs: [0],
  outputs: [2],
  signature: true,
});

describe('a crash inside the runtime', () => {
  it('becomes a LiteRtError, and the next load gives a fresh working runtime', async () => {
    const rt = await loadLiteRtNode();
    const before = await rt.compile(addModel([1, 2, 3, 4]));

    const err = await rt.compile(zeroScaleQuantize).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiteRtError);
    expect((err as Error).message).toMatch(/^LiteRT crashed trying to compile the model: .+: the runtime was discarded; call loadLiteRtNode\(\) again$/);

    // everything tied to the crashed module refuses to run rather than read corrupt memory
    await expect(before.run([new Float32Array(4)])).rejects.toThrow(/crashed earlier .* call loadLiteRtNode\(\) again and recompile/);
    await expect(rt.compile(addModel([0, 0, 0, 0]))).rejects.toThrow(LiteRtError);
    expect(rt.alive).toBe(false);
    before.dispose(); // nothing to free in a discarded module, and no throw

    const fresh = await loadLiteRtNode();
    expect(fresh).not.toBe(rt);
    const model = await fresh.compile(addModel([1, 2, 3, 4]));
    expect([...(await model.run([new Float32Array([1, 1, 1, 1])]))[0]]).toEqual([2, 3, 4, 5]);
  });
});
