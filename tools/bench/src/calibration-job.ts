// What calibration costs with each kernel choice: the float model run on the 100 representative
// samples with a min/max observer on every value, as the converter's calibrate pass does
// (packages/passes/src/quant/calibration.ts, on the interpreter's default kernels), timed in-process
// after one warm-up pass:
//   node --import tsx tools/bench/src/calibration-job.ts <octet|octet-reference> <model> <float.tflite>
// Prints one JSON line: { ms, samples }.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Interpreter, type InterpreterOptions } from '@octet/interpreter';
import type { Value } from '@octet/ir';
import { minMaxObserver } from '@octet/passes';
import { read } from '@octet/tflite';
import { CALIBRATION_SAMPLES, MODELS, type ModelName } from './models.ts';

export async function calibrationMs(runtime: 'octet' | 'octet-reference', model: ModelName, file: string): Promise<{ ms: number; samples: number }> {
  const graph = read(readFileSync(file));
  // the converter's own observer, one state per float value, updated as its calibrate pass does
  const states = new Map<Value, ReturnType<typeof minMaxObserver.init>>();
  for (const v of [...graph.inputs, ...graph.ops.flatMap((op) => op.outputs)]) if (v.type.dtype === 'float32') states.set(v, minMaxObserver.init());
  const opts: InterpreterOptions = {
    onValue: (v, data) => {
      const s = states.get(v);
      if (s !== undefined) minMaxObserver.update(s, data as Float32Array);
    },
  };
  opts.kernels = runtime === 'octet' ? 'fast' : 'reference';
  const interpreter = new Interpreter(graph, opts);
  const samples = MODELS[model].representative(CALIBRATION_SAMPLES);
  interpreter.run([samples[0]]); // warm-up: buffers, JIT
  const t0 = performance.now();
  for (const x of samples) interpreter.run([x]);
  return { ms: performance.now() - t0, samples: samples.length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [runtime, model, file] = process.argv.slice(2) as ['octet' | 'octet-reference', ModelName, string];
  console.log(JSON.stringify(await calibrationMs(runtime, model, file)));
}
