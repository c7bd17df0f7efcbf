import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLiteRtNode, LiteRtError, type LiteRtNode } from '../src/index.ts';
import { addModel, buildModel, Builtin, fcModel, Options, quantAddModel, quantFcModel } from './tflite-fixtures.ts';

let rt: LiteRtNode;
beforeAll(async () => {
  rt = await loadLiteRtNode();
});

const IO = ['direct', 'core'] as const;

/** Compiles, runs once through each I/O road, checks they agree, disposes; returns the outputs. */
async function runOnce(bytes: Uint8Array, inputs: (Float32Array | Int32Array | Uint8Array)[]) {
  const results = [];
  for (const io of IO) {
    const model = await rt.compile(bytes, { io });
    expect(model.io).toBe(io);
    try {
      results.push(await model.run(inputs));
    } finally {
      model.dispose();
    }
  }
  expect(results[1]).toEqual(results[0]);
  return results[0];
}

describe('loading', () => {
  it('loads once per process and removes the worker shims afterwards', async () => {
    expect(await loadLiteRtNode()).toBe(rt);
    // tfjs and other Emscripten glue read a defined importScripts as "in a web worker"
    expect('importScripts' in globalThis).toBe(false);
    expect('ModuleFactory' in globalThis).toBe(false);
    expect(rt.loadMs).toBeGreaterThan(0);
    // single-threaded, non-JSPI build; the compat one where Node lacks relaxed SIMD
    expect(rt.glueFile).toMatch(/\/wasm\/litert_wasm_(compat_)?internal\.js$/);
  });

  it('refuses a second runtime from another folder', async () => {
    await expect(loadLiteRtNode({ wasmDir: '/nonexistent' })).rejects.toThrow(/already loaded from .*: one runtime per process/);
  });
});

describe('float models', () => {
  it.each(IO)('ADD: [10, 20, 30, 40] + [1, 2, 3, 4] = [11, 22, 33, 44], with signature details (io %s)', async (io) => {
    const model = await rt.compile(addModel([1, 2, 3, 4]), { io });
    expect(model.getInputDetails()).toEqual([{ name: 'x', index: 0, shape: [1, 4], dtype: 'float32' }]);
    expect(model.getOutputDetails()).toEqual([{ name: 'y', index: 0, shape: [1, 4], dtype: 'float32' }]);
    const [y] = await model.run([new Float32Array([10, 20, 30, 40])]);
    expect(y).toBeInstanceOf(Float32Array);
    expect([...y]).toEqual([11, 22, 33, 44]);
    // a second run on the same model sees the new input only
    const [y2] = await model.run([new Float32Array([0, 0, 0, -4])]);
    expect([...y2]).toEqual([1, 2, 3, 0]);
    expect([...y]).toEqual([11, 22, 33, 44]); // outputs are copies, not views of wasm memory
    model.dispose();
  });

  it('runs a model without a SignatureDef (tensor names become I/O names)', async () => {
    const model = await rt.compile(addModel([1, 1, 1, 1], false));
    expect(model.getInputDetails()[0].name).toBe('x');
    expect([...(await model.run([new Float32Array([1, 2, 3, 4])]))[0]]).toEqual([2, 3, 4, 5]);
    model.dispose();
  });

  it('two inputs in signature order, two outputs', async () => {
    // a = x1 + x2, b = a + x2
    const bytes = buildModel({
      tensors: [
        { name: 'x1', shape: [2], type: 'float32' },
        { name: 'x2', shape: [2], type: 'float32' },
        { name: 'a', shape: [2], type: 'float32' },
        { name: 'b', shape: [2], type: 'float32' },
      ],
      ops: [
        { builtin: Builtin.ADD, inputs: [0, 1], outputs: [2], optionsType: Options.AddOptions },
        { builtin: Builtin.ADD, inputs: [2, 1], outputs: [3], optionsType: Options.AddOptions },
      ],
      inputs: [0, 1],
      outputs: [2, 3],
      signature: true,
    });
    const [a, b] = await runOnce(bytes, [new Float32Array([1, 2]), new Float32Array([10, 100])]);
    expect([...a]).toEqual([11, 102]);
    expect([...b]).toEqual([21, 202]);
  });

  it('FULLY_CONNECTED: W [[1,2,3],[4,5,6]] · [1, 1, 2] + [0.5, −1] = [9.5, 20]', async () => {
    const [y] = await runOnce(fcModel([1, 2, 3, 4, 5, 6], [0.5, -1]), [new Float32Array([1, 1, 2])]);
    expect([...y]).toEqual([9.5, 20]);
  });

  it('runs selfie_segmentation.tflite (MediaPipe, custom op Convolution2DTransposeBias) to a [0, 1] mask', async () => {
    const require = createRequire(import.meta.url);
    const path = require.resolve('@mediapipe/selfie_segmentation/selfie_segmentation.tflite');
    const model = await rt.compile(new Uint8Array(readFileSync(path)));
    expect(model.getInputDetails()).toEqual([{ name: 'input_1', index: 0, shape: [1, 256, 256, 3], dtype: 'float32' }]);
    expect(model.getOutputDetails()).toEqual([{ name: 'activation_10', index: 0, shape: [1, 256, 256, 1], dtype: 'float32' }]);
    expect(model.io).toBe('direct'); // the default
    const [mask] = await model.run([new Float32Array(256 * 256 * 3).fill(0.5)]);
    expect(mask.length).toBe(256 * 256);
    // the last layer is a sigmoid: a failed custom op would leave garbage or NaN, not probabilities
    expect(mask.every((v) => v >= 0 && v <= 1)).toBe(true);
    model.dispose();
  });
});

describe('quantized models', () => {
  it('int8 FULLY_CONNECTED between QUANTIZE and DEQUANTIZE gives the hand-computed result', async () => {
    // xq = [2, 2, 4]; acc = [2+4+12+4, 8+10+24−8] = [22, 34]; ×(0.5·0.25)/0.5 = [5.5, 8.5]
    // → round half to even (XNNPACK) = [6, 8] → ×0.5 = [3, 4]
    const [y] = await runOnce(quantFcModel(), [new Float32Array([1, 1, 2])]);
    expect([...y]).toEqual([3, 4]);
  });

  it('uint8 I/O: ADD of uint8 tensors (zero point 128)', async () => {
    // x real = (q − 128)·0.5 = [0, 1, 6, −64]; c real = [1, 2, 3, 4]; y = sum / 1 + 128
    const [y] = await runOnce(quantAddModel('uint8', 128, [130, 132, 134, 136]), [new Uint8Array([128, 130, 140, 0])]);
    expect(y).toBeInstanceOf(Uint8Array);
    expect([...y]).toEqual([129, 131, 137, 68]);
  });

  it('int8 inputs are refused with a pointer to the uint8 twin', async () => {
    const err = await rt.compile(quantAddModel('int8', 0, [1, 2, 3, 4])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiteRtError);
    expect((err as Error).message).toBe(
      "input 'x' is int8, but LiteRT.js exchanges only float32, int32 and uint8 tensors: " +
        'run its uint8 twin instead (same graph with uint8 inputs, zero point + 128: u8 = i8 + 128)',
    );
  });

  it('int8 outputs are refused too', async () => {
    const bytes = buildModel({
      tensors: [
        { name: 'x', shape: [1, 2], type: 'float32' },
        { name: 'yq', shape: [1, 2], type: 'int8', quant: { scale: [0.5], zeroPoint: [0] } },
      ],
      ops: [{ builtin: Builtin.QUANTIZE, inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
      signature: true,
    });
    await expect(rt.compile(bytes)).rejects.toThrow(/^output 'yq' is int8, .*uint8 twin/);
  });

  it('LiteRT ignores a wrong bias scale (DESIGN §6: our verifier must catch it)', async () => {
    const [y] = await runOnce(quantFcModel({ b: { quant: { scale: [1.25, 1.25], zeroPoint: [0, 0], axis: 0 } } }), [
      new Float32Array([1, 1, 2]),
    ]);
    expect([...y]).toEqual([3, 4]); // the same as with the right scale 0.125
  });
});

describe('runtime ERROR: lines become LiteRtErrors, not garbage', () => {
  const failure = async (bytes: Uint8Array) => {
    const err = await rt.compile(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiteRtError);
    return err as LiteRtError;
  };

  it('an output scale of 0 fails to prepare', async () => {
    const err = await failure(quantFcModel({ yq: { quant: { scale: [0], zeroPoint: [0] } } }));
    expect(err.message).toMatch(/^LiteRT could not compile the model: unsupported scale value \(0\.000000\) in channel 0 for INT8 tensor 4/);
    expect(err.message).not.toMatch(/\n/);
    expect(err.runtimeErrors).toContain('failed to create XNNPACK Value for tensor 4');
  });

  it('a weight zero point other than 0 fails to prepare', async () => {
    const err = await failure(quantFcModel({ w: { quant: { scale: [0.25, 0.25], zeroPoint: [3, 3], axis: 0 } } }));
    expect(err.message).toMatch(/unsupported zero-point value \(3\) in channel 0 of INT8 tensor 2/);
  });

  it('three weight scales for two output channels fail to load', async () => {
    const err = await failure(quantFcModel({ w: { quant: { scale: [0.25, 0.25, 0.25], zeroPoint: [0, 0, 0], axis: 0 } } }));
    expect(err.message).toBe(
      'LiteRT could not compile the model: num_scales must be 1 for per-layer quantization, or 2 for per-axis quantization, but got 3; ' +
        'Tensor 2 has invalid quantization parameters',
    );
  });

  it.each(IO)('an unresolved custom op compiles, then fails at the first run, naming the op (io %s)', async (io) => {
    const bytes = buildModel({
      tensors: [
        { name: 'x', shape: [1, 4], type: 'float32' },
        { name: 'y', shape: [1, 4], type: 'float32' },
      ],
      ops: [{ builtin: Builtin.CUSTOM, customCode: 'OctetNoSuchOp', inputs: [0], outputs: [1] }],
      inputs: [0],
      outputs: [1],
      signature: true,
    });
    const model = await rt.compile(bytes, { io }); // LiteRT allocates this model's tensors lazily
    const err = await model.run([new Float32Array(4)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiteRtError);
    expect((err as LiteRtError).message).toMatch(/^LiteRT could not run the model: Encountered unresolved custom op: OctetNoSuchOp; /);
    expect((err as LiteRtError).runtimeErrors).toEqual([
      'Encountered unresolved custom op: OctetNoSuchOp',
      'Node number 0 (OctetNoSuchOp) failed to prepare',
      'Failed to allocate tensors',
    ]);
  });

  it('bytes that are not a model', async () => {
    const good = addModel([1, 2, 3, 4]);
    for (const bytes of [new Uint8Array(0), new Uint8Array(64).fill(7), good.slice(0, 100)]) {
      await expect(rt.compile(bytes)).rejects.toThrow('LiteRT could not load the model: Failed to load model from buffer');
    }
    // and the runtime still works afterwards
    expect([...(await runOnce(good, [new Float32Array(4)]))[0]]).toEqual([1, 2, 3, 4]);
  });
});

describe('inputs are checked before they reach the runtime', () => {
  it.each(IO)('count, typed array kind and length (io %s)', async (io) => {
    const model = await rt.compile(addModel([1, 2, 3, 4]), { io });
    await expect(model.run([])).rejects.toThrow("run() got 0 inputs, the model takes 1 ('x'): pass one typed array per input");
    await expect(model.run([new Int32Array(4)])).rejects.toThrow("input 'x' is float32, got a Int32Array: pass a Float32Array");
    await expect(model.run([new Float32Array(3)])).rejects.toThrow("input 'x' has shape [1, 4] (4 elements), got 3: pass exactly 4");
    model.dispose();
    await expect(model.run([new Float32Array(4)])).rejects.toThrow(LiteRtError);
  });
});
