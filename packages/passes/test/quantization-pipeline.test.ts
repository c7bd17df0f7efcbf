// The recipe → pipeline mapping, and whole conversions through it: integer-only with a div fails
// listing every offending op; float fallback keeps it float; int8 and uint8 I/O agree through x ^ 0x80.
import { DiagnosticError, parse, print, quantizationProblems, verify, type Graph } from '@octet/ir';
import { Interpreter } from '@octet/interpreter';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECIPE, parsePipeline, quantizationPipeline, RecipeError, resolvePasses, runPipelineAsync, type QuantizationRecipe } from '../src/index.ts';

const recipe = (r: Partial<QuantizationRecipe>): QuantizationRecipe => ({ ...DEFAULT_RECIPE, ...r });

describe('quantizationPipeline(recipe)', () => {
  it('maps each mode to its passes, options inline', () => {
    expect(quantizationPipeline(DEFAULT_RECIPE)).toEqual([]);
    expect(quantizationPipeline(recipe({ mode: 'dynamic' }))).toEqual(['quantize-dynamic-range']);
    expect(quantizationPipeline(recipe({ mode: 'dynamic', perChannelDense: false }))).toEqual(['quantize-dynamic-range{dense=per-tensor}']);
    expect(quantizationPipeline(recipe({ mode: 'float16' }))).toEqual(['quantize-float16']);
    expect(quantizationPipeline(recipe({ mode: 'int8' }))).toEqual(['fold-fake-quant', 'calibrate', 'quantize-weights', 'float-fallback', 'quantize-activations']);
    expect(quantizationPipeline(recipe({ mode: 'int8', integerOnly: true, inputType: 'uint8', outputType: 'uint8' }))).toEqual([
      'fold-fake-quant',
      'check-int8-legality',
      'calibrate',
      'quantize-weights',
      'quantize-activations',
      'retype-io{input=uint8 output=uint8}',
      'check-int8-legality',
    ]);
    expect(quantizationPipeline(recipe({ mode: 'int8', outputType: 'int8', perChannelDense: false }))).toEqual([
      'fold-fake-quant',
      'calibrate',
      'quantize-weights{dense=per-tensor}',
      'float-fallback',
      'quantize-activations',
      'retype-io{output=int8}',
    ]);
  });

  it('adds the calibration observer and bias correction of an int8 recipe, options inline', () => {
    expect(quantizationPipeline(recipe({ mode: 'int8', calibration: 'mse' }))).toEqual([
      'fold-fake-quant',
      'calibrate{observer=mse}',
      'quantize-weights',
      'float-fallback',
      'quantize-activations',
    ]);
    expect(quantizationPipeline(recipe({ mode: 'int8', biasCorrection: true }))).toEqual([
      'fold-fake-quant',
      'calibrate{channel-means=true}',
      'correct-bias',
      'quantize-weights',
      'float-fallback',
      'quantize-activations',
    ]);
    // correct-bias rounds the weights as quantize-weights will: the same dense option for both
    expect(quantizationPipeline(recipe({ mode: 'int8', calibration: 'mse', biasCorrection: true, perChannelDense: false, integerOnly: true, inputType: 'int8', outputType: 'uint8' }))).toEqual([
      'fold-fake-quant',
      'check-int8-legality',
      'calibrate{observer=mse channel-means=true}',
      'correct-bias{dense=per-tensor}',
      'quantize-weights{dense=per-tensor}',
      'quantize-activations',
      'retype-io{input=int8 output=uint8}',
      'check-int8-legality',
    ]);
    // the defaults written out change nothing
    expect(quantizationPipeline(recipe({ mode: 'int8', calibration: 'minmax', biasCorrection: false }))).toEqual(quantizationPipeline(recipe({ mode: 'int8' })));
    expect(quantizationPipeline(recipe({ mode: 'dynamic', calibration: 'minmax', biasCorrection: false }))).toEqual(['quantize-dynamic-range']);
  });

  it('gives names with both calibrate options that resolve, as a list or as one --passes string', () => {
    const names = quantizationPipeline(recipe({ mode: 'int8', calibration: 'mse', biasCorrection: true, perChannelDense: false }));
    expect(parsePipeline(names.join(','))).toEqual(names);
    expect(resolvePasses(names).map((p) => p.name)).toEqual(['fold-fake-quant', 'calibrate', 'correct-bias', 'quantize-weights', 'float-fallback', 'quantize-activations']);
  });

  it('refuses an mse calibration or bias correction outside mode int8 (nothing else calibrates)', () => {
    expect(() => quantizationPipeline(recipe({ mode: 'dynamic', calibration: 'mse' }))).toThrow(RecipeError);
    expect(() => quantizationPipeline(recipe({ mode: 'dynamic', calibration: 'mse' }))).toThrow('calibration mse needs mode int8 (got dynamic): only full integer quantization calibrates');
    expect(() => quantizationPipeline(recipe({ mode: 'float16', biasCorrection: true }))).toThrow('bias correction needs mode int8 (got float16): only full integer quantization calibrates');
    expect(() => quantizationPipeline(recipe({ mode: 'float', calibration: 'mse', biasCorrection: true }))).toThrow(RecipeError);
    expect(() => quantizationPipeline(recipe({ mode: 'dynamic', perChannelDense: false, biasCorrection: true }))).toThrow(RecipeError);
  });

  it('gives names that resolve, as a list or as one --passes string', () => {
    const names = quantizationPipeline(recipe({ mode: 'int8', integerOnly: true, inputType: 'int8', outputType: 'uint8', perChannelDense: false }));
    expect(parsePipeline(names.join(','))).toEqual(names);
  });

  it('refuses recipes that only a full-integer conversion can satisfy', () => {
    expect(() => quantizationPipeline(recipe({ mode: 'dynamic', integerOnly: true }))).toThrow(RecipeError);
    expect(() => quantizationPipeline(recipe({ mode: 'float', integerOnly: true }))).toThrow(
      'integer-only conversion needs mode int8 (got float): give a representative dataset and --mode int8, or drop --integer-only',
    );
    expect(() => quantizationPipeline(recipe({ mode: 'float16', inputType: 'uint8' }))).toThrow(
      'input type uint8 needs mode int8 (got float16): only a fully quantized model has int8 or uint8 tensors at its boundary',
    );
  });
});

// A small graph model with a div (tfjs RealDiv), as a tfjs graph model imports it.
const withDiv = () =>
  parse(`graph @net(%x: f32[1,4]) {
  %w = const f32[3,4] [0.5, -1, 0.25, 0, 1, 1, -0.5, 0.75, -0.25, 0.5, 1, -1]
  %b = const f32[3] [0.1, -0.2, 0.3]
  %h = fully_connected(%x, %w, %b) {fused_activation = "relu"} loc("dense/Relu")
  %k = const f32[3] [2, 4, 8]
  %d = div(%h, %k) loc("truediv")
  %e = div(%d, %k) loc("truediv_1")
  %y = add(%e, %h) loc("add")
  %s = softmax(%y) loc("softmax")
  return %s
}`);

const DATA = Array.from({ length: 16 }, (_, i) => [Float32Array.from([Math.sin(i), Math.cos(i), (i % 5) / 4 - 0.5, (i % 3) - 1])]);

async function convert(g: Graph, r: Partial<QuantizationRecipe>): Promise<Graph> {
  return runPipelineAsync(g, quantizationPipeline(recipe({ mode: 'int8', ...r })), { verifyEach: true, calibration: { dataset: DATA } });
}

describe('int8 conversions through the pipeline', () => {
  it('integer-only: fails before calibrating, listing every op without an int8 kernel and its node', async () => {
    let err: unknown;
    let pulled = 0;
    function* counted() {
      for (const e of DATA) {
        pulled++;
        yield e;
      }
    }
    try {
      await runPipelineAsync(withDiv(), quantizationPipeline(recipe({ mode: 'int8', integerOnly: true })), { calibration: { dataset: counted() } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).diagnostics.map((d) => d.message)).toEqual([
      "'div' op (from 'truediv') illegal for int8: no integer kernel; keep it float or drop --integer-only (TFLite has no int8 DIV kernel)",
      "'div' op (from 'truediv_1') illegal for int8: no integer kernel; keep it float or drop --integer-only (TFLite has no int8 DIV kernel)",
    ]);
    expect(pulled).toBe(0);
  });

  it('with float fallback: the divs stay float between a dequantize and a quantize, the rest is int8', async () => {
    const g = await convert(withDiv(), { inputType: 'uint8', outputType: 'uint8' });
    verify(g);
    expect(quantizationProblems(g)).toEqual([]);
    expect(g.ops.map((op) => `${op.kind}:${op.outputs[0].type.dtype}`)).toEqual([
      'quantize:int8', // uint8 input -> int8
      'fully_connected:int8',
      'dequantize:float32',
      'div:float32',
      'div:float32',
      'quantize:int8',
      'add:int8',
      'softmax:int8',
      'quantize:uint8', // int8 output -> uint8
    ]);
    expect(g.inputs[0].type.dtype).toBe('uint8');
    expect(g.outputs[0].name).toBe('s');
  });

  it('int8 and uint8 I/O compute the same thing: ours(u8)(x + 128) − 128 = ours(i8)(x)', async () => {
    const i8 = await convert(withDiv(), { inputType: 'int8', outputType: 'int8' });
    const u8 = await convert(withDiv(), { inputType: 'uint8', outputType: 'uint8' });
    expect(i8.inputs[0].type.quant!.scale).toEqual(u8.inputs[0].type.quant!.scale);
    expect(u8.inputs[0].type.quant!.zeroPoint[0]).toBe(i8.inputs[0].type.quant!.zeroPoint[0] + 128);
    for (let seed = 0; seed < 64; seed++) {
      const x = Int8Array.from({ length: 4 }, (_, k) => ((seed * 37 + k * 91) % 256) - 128);
      const [a] = new Interpreter(i8).run([x]) as Int8Array[];
      const [b] = new Interpreter(u8).run([Uint8Array.from(x, (v) => v + 128)]) as Uint8Array[];
      expect(Array.from(b, (v) => v - 128)).toEqual(Array.from(a));
    }
  });

  it('with bias correction: the same int8 weights, and an int32 dense bias moved by −Σ (ŵ − w)·E[x] / (s_x·s_w), to within its two roundings', async () => {
    const plain = await convert(withDiv(), {});
    const corrected = await convert(withDiv(), { biasCorrection: true });
    verify(corrected);
    expect(quantizationProblems(corrected)).toEqual([]);
    expect(corrected.ops.map((op) => op.kind)).toEqual(plain.ops.map((op) => op.kind));
    const dense = (g: Graph) => g.ops.find((op) => op.kind === 'fully_connected')!;
    const [p, c] = [dense(plain), dense(corrected)];
    expect(Array.from(c.inputs[1].data as Int8Array)).toEqual(Array.from(p.inputs[1].data as Int8Array));
    expect(c.inputs[0].type.quant).toEqual(p.inputs[0].type.quant); // the same calibration: the same input scale
    const sx = c.inputs[0].type.quant!.scale[0];
    const { scale: sw } = c.inputs[1].type.quant!;
    const w = withDiv().ops[0].inputs[1].data as Float32Array; // [3, 4]
    const wq = Array.from(c.inputs[1].data as Int8Array, (q, i) => q * sw[Math.floor(i / 4)]);
    const ex = [0, 1, 2, 3].map((k) => DATA.reduce((a, [x]) => a + (x as Float32Array)[k], 0) / DATA.length);
    const bp = p.inputs[2].data as Int32Array;
    const bc = c.inputs[2].data as Int32Array;
    for (let o = 0; o < 3; o++) {
      let err = 0;
      for (let k = 0; k < 4; k++) err += (wq[o * 4 + k] - w[o * 4 + k]) * ex[k];
      expect(Math.abs(bc[o] - bp[o] + err / (sx * sw[o])), `channel ${o}: ${bp[o]} -> ${bc[o]}, correction ${-err / (sx * sw[o])}`).toBeLessThanOrEqual(1.001);
    }
    expect(Array.from(bc)).not.toEqual(Array.from(bp));
  });

  it('with mse calibration and bias correction together: a valid int8 graph, the same ops', async () => {
    const both = await convert(withDiv(), { calibration: 'mse', biasCorrection: true, integerOnly: false });
    verify(both);
    expect(quantizationProblems(both)).toEqual([]);
    expect(both.ops.map((op) => op.kind)).toEqual((await convert(withDiv(), {})).ops.map((op) => op.kind));
  });

  it('float I/O: a quantize after the float input, a dequantize before the float output, no parameters left on float tensors', async () => {
    const q = await convert(withDiv(), {});
    expect(q.inputs[0].type).toEqual({ dtype: 'float32', shape: [1, 4] });
    expect(q.ops[0].kind).toBe('quantize');
    expect(q.ops[0].inputs[0]).toBe(q.inputs[0]);
    expect(q.outputs[0].producer?.kind).toBe('dequantize');
    expect(q.outputs[0].name).toBe('s');
    const floats = [...q.inputs, ...q.ops.flatMap((op) => op.outputs)].filter((v) => v.type.dtype === 'float32');
    expect(floats.filter((v) => v.type.quant)).toEqual([]);
    expect(print(q)).toContain('%s = dequantize(');
  });
});
