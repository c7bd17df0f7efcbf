// What calibration costs with each kernel table: the float model run on the 100 representative
// samples with a min/max observer on every value, as the converter's calibrate pass does
// (packages/passes/src/quant/calibration.ts), timed in-process after one warm-up pass:
//   node --import tsx tools/bench/src/calibration-job.ts <octet|octet+wasm> <model> <float.tflite>
// Prints one JSON line: { ms, samples }.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Interpreter, type InterpreterOptions } from '@octet/interpreter';
import { read } from '@octet/tflite';
import { CALIBRATION_SAMPLES, MODELS, type ModelName } from './models.ts';

export async function calibrationMs(runtime: 'octet' | 'octet+wasm', model: ModelName, file: string): Promise<{ ms: number; samples: number }> {
  const graph = read(readFileSync(file));
  const ranges = new Map<unknown, [number, number]>();
  const opts: InterpreterOptions = {
    onValue: (v, data) => {
      let [lo, hi] = ranges.get(v) ?? [Infinity, -Infinity];
      for (let i = 0; i < data.length; i++) {
        const x = data[i] as number;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      ranges.set(v, [lo, hi]);
    },
  };
  if (runtime === 'octet+wasm') opts.kernels = { float: (await import('./wasm-float.ts')).wasmFloatKernels };
  const interpreter = new Interpreter(graph, opts);
  const samples = MODELS[model].representative(CALIBRATION_SAMPLES);
  interpreter.run([samples[0]]); // warm-up: buffers, JIT
  const t0 = performance.now();
  for (const x of samples) interpreter.run([x]);
  return { ms: performance.now() - t0, samples: samples.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [runtime, model, file] = process.argv.slice(2) as ['octet' | 'octet+wasm', ModelName, string];
  console.log(JSON.stringify(await calibrationMs(runtime, model, file)));
}
