// The conversion the bench times as a whole process (node start, module loading, import,
// calibration, quantization, emission, writing the file):
//   node --import tsx tools/bench/src/convert-job.ts <mnist|mobilenet_v2> <float|int8> <out.tflite> <workDir>
// Prints one JSON line: { bytes, startupMs, stages: { <stage>: ms since the previous mark } }.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
// performance.now() counts from process start: what passed before this line is node's start-up
// and the loading of every module imported above and below (static imports run first).
const startupMs = performance.now();
import { Converter } from '@octet/converter';
import { CALIBRATION_SAMPLES, MODEL_NAMES, MODELS, PRECISIONS, type ModelName, type Precision } from './models.ts';

const [model, precision, out, workDir] = process.argv.slice(2) as [ModelName, Precision, string, string];
if (!MODEL_NAMES.includes(model) || !PRECISIONS.includes(precision) || !out || !workDir) {
  console.error(`usage: convert-job.ts <${MODEL_NAMES.join('|')}> <${PRECISIONS.join('|')}> <out.tflite> <workDir>`);
  process.exit(2);
}

const spec = MODELS[model];
const stages: Record<string, number> = {};
let mark = performance.now();
const lap = (name: string) => {
  const now = performance.now();
  stages[name] = (stages[name] ?? 0) + (now - mark);
  mark = now;
};

const converter = Converter.fromModelJson(spec.modelJson(workDir));
if (precision === 'int8') {
  // The tutorial's integer-only conversion with uint8 I/O.
  const samples = spec.representative(CALIBRATION_SAMPLES);
  lap('load representative data');
  converter.optimizations = ['DEFAULT'];
  converter.representativeDataset = function* () {
    for (const x of samples) yield [x];
  };
  converter.targetSpec.supportedOps = ['TFLITE_BUILTINS_INT8'];
  converter.inferenceInputType = 'uint8';
  converter.inferenceOutputType = 'uint8';
}
let stage = 'setup';
converter.onProgress = (p) => {
  if (p.stage === stage) return;
  lap(stage);
  stage = p.stage;
};
const bytes = await converter.convert();
lap(stage);
writeFileSync(out, bytes);
lap('write file');
console.log(JSON.stringify({ bytes: bytes.byteLength, startupMs, stages }));
