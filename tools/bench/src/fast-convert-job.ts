// What `octet convert --mode int8` would take if calibration ran on the fast float table: the
// converter's own pipeline (Converter.pipeline(), public APIs only), with the `calibrate` pass
// replaced by the same min/max statistics computed on an interpreter with the WebAssembly float
// kernels (bit for bit the reference ones, so the statistics and the file are the same):
//   node --import tsx tools/bench/src/fast-convert-job.ts <model.json> <representative.npy> <out.tflite>
// The tutorial's integer-only uint8-I/O recipe. Prints one JSON line: { bytes, calibrateMs }.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Converter } from '@octet/converter';
import { asFloat32, readNpy } from '@octet/data';
import { Interpreter } from '@octet/interpreter';
import { verify, type Graph, type Value } from '@octet/ir';
import { minMaxObserver, runPipelineAsync, type Analyses, type CalibrationStatistics } from '@octet/passes';
import { importModelJson } from '@octet/tfjs-importer';
import { emit } from '@octet/tflite';

/** The calibrate pass's statistics (same observer, same values: float graph inputs and op results), on the fast float table. */
function fastStatistics(graph: Graph, samples: Float32Array[]): CalibrationStatistics {
  const states = new Map<Value, ReturnType<typeof minMaxObserver.init>>();
  for (const v of graph.inputs) if (v.type.dtype === 'float32') states.set(v, minMaxObserver.init());
  for (const op of graph.ops) for (const o of op.outputs) if (o.type.dtype === 'float32') states.set(o, minMaxObserver.init());
  const interpreter = new Interpreter(graph, {
    kernels: 'fast',
    onValue: (v, data) => {
      const s = states.get(v);
      if (s !== undefined) minMaxObserver.update(s, data as Float32Array);
    },
  });
  for (const x of samples) interpreter.run([x]);
  return { observer: minMaxObserver.name, samples: samples.length, values: new Map([...states].map(([v, s]) => [v, minMaxObserver.result(s)])) };
}

const [modelJson, npy, out] = process.argv.slice(2);
const converter = Converter.fromModelJson(modelJson);
converter.optimizations = ['DEFAULT'];
converter.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
converter.inferenceInputType = 'uint8';
converter.inferenceOutputType = 'uint8';
converter.representativeDataset = () => []; // the recipe needs one; the statistics come from below
const names = converter.pipeline();
const at = names.indexOf('calibrate');
if (at < 0) throw new Error(`the int8 pipeline has no calibrate pass: ${names.join(',')}`);

const array = readNpy(npy);
const data = asFloat32(array, npy);
const size = data.length / array.shape[0];
const samples = Array.from({ length: array.shape[0] }, (_, i) => data.subarray(i * size, (i + 1) * size));

const graph = await importModelJson(modelJson);
const analyses: Analyses = {};
await runPipelineAsync(graph, names.slice(0, at), { analyses });
const t0 = performance.now();
analyses.statistics = fastStatistics(graph, samples);
const calibrateMs = performance.now() - t0;
await runPipelineAsync(graph, names.slice(at + 1), { analyses });
verify(graph, { forEmission: true });
const bytes = emit(graph);
writeFileSync(out, bytes);
console.log(JSON.stringify({ bytes: bytes.byteLength, calibrateMs }));
