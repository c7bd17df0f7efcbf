// Our interpreter against LiteRT on the same .tflite in one process, rounds interleaved, so that the
// ratio of a target holds however busy the machine is:
//   node --import tsx tools/bench/src/paired-job.ts <octet|octet-reference> <model> <file.tflite> [timing JSON]
// Prints one JSON line: { runtime, ratio, ratios, ours, litert } (images/s medians).
import { DEFAULT_TIMING, timePaired, type TimingOptions } from './measure.ts';
import type { ModelName } from './models.ts';
import { prepare, type Runtime } from './throughput-job.ts';

const [runtime, model, file, timingJson] = process.argv.slice(2) as [Runtime, ModelName, string, string | undefined];
const timing = timingJson ? { ...DEFAULT_TIMING, ...(JSON.parse(timingJson) as Partial<TimingOptions>) } : DEFAULT_TIMING;
const [ours] = await prepare(runtime, model, file);
const [litert] = await prepare('litert', model, file);
const t = await timePaired(ours, litert, timing);
console.log(JSON.stringify({ runtime, ratio: t.ratio, ratios: t.ratios, ours: t.a.imagesPerSecond, litert: t.b.imagesPerSecond }));
process.exit(0);
