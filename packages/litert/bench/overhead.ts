// Measures LiteRT's load time and per-inference overhead in Node (not part of `npm test`):
//   npx tsx packages/litert/bench/overhead.ts
import { performance } from 'node:perf_hooks';
import { loadLiteRtNode } from '../src/index.ts';
import { addModel, buildModel, Builtin, Options } from '../test/tflite-fixtures.ts';

const t0 = performance.now();
const rt = await loadLiteRtNode();
const loadWall = performance.now() - t0;
console.log(`loadLiteRtNode: ${loadWall.toFixed(1)} ms (import + glue + wasm instantiate + environment; rt.loadMs ${rt.loadMs.toFixed(1)})`);

function fc(inputs: number, outputs: number): Uint8Array {
  const w = new Float32Array(inputs * outputs).map((_, i) => ((i * 7919) % 13) / 13 - 0.5);
  return buildModel({
    tensors: [
      { name: 'x', shape: [1, inputs], type: 'float32' },
      { name: 'w', shape: [outputs, inputs], type: 'float32', data: w },
      { name: 'b', shape: [outputs], type: 'float32', data: new Float32Array(outputs) },
      { name: 'y', shape: [1, outputs], type: 'float32' },
    ],
    ops: [{ builtin: Builtin.FULLY_CONNECTED, inputs: [0, 1, 2], outputs: [3], optionsType: Options.FullyConnectedOptions }],
    inputs: [0],
    outputs: [3],
    signature: true,
  });
}

async function measure(name: string, bytes: Uint8Array, inputLength: number, n: number, io: 'direct' | 'core' = 'direct') {
  let t = performance.now();
  const model = await rt.compile(bytes, { io });
  const compileMs = performance.now() - t;
  const x = new Float32Array(inputLength).fill(0.25);
  for (let i = 0; i < 2000; i++) await model.run([x]);
  t = performance.now();
  for (let i = 0; i < n; i++) await model.run([x]);
  const perRunUs = ((performance.now() - t) / n) * 1000;
  console.log(`${name} (io ${io}): compile ${compileMs.toFixed(2)} ms, run ${perRunUs.toFixed(1)} µs/inference (${n} runs)`);
  model.dispose();
  return perRunUs;
}

// The same ADD through @litertjs/core directly, to separate our wrapper's cost from LiteRT's.
async function measureRaw(bytes: Uint8Array, n: number) {
  const core = await import('@litertjs/core');
  const model = await core.loadAndCompile(bytes, { accelerator: 'wasm' });
  const x = new Float32Array(4).fill(0.25);
  const once = async () => {
    const t = new core.Tensor(x, [1, 4]);
    const outs = await model.run([t]);
    outs[0].toTypedArray();
    for (const o of outs) o.delete();
    t.delete();
  };
  for (let i = 0; i < 2000; i++) await once();
  const t = performance.now();
  for (let i = 0; i < n; i++) await once();
  model.delete();
  return ((performance.now() - t) / n) * 1000;
}

const N = 20_000;
await measure('ADD f32[1,4]', addModel([1, 2, 3, 4]), 4, N);
await measure('ADD f32[1,4]', addModel([1, 2, 3, 4]), 4, N, 'core');
const raw = await measureRaw(addModel([1, 2, 3, 4]), N);
console.log(`ADD f32[1,4] with @litertjs/core's own API (new Tensor, CompiledModel.run, toTypedArray): ${raw.toFixed(1)} µs/inference`);
await measure('FULLY_CONNECTED f32[1,784]x[10,784]', fc(784, 10), 784, N);
await measure('FULLY_CONNECTED f32[1,1024]x[1024,1024]', fc(1024, 1024), 1024, 2000);
