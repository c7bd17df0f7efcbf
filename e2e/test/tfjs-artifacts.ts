import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';

/** A model.json and its weight shards on disk as a tfjs IOHandler (tfjs's own file loader wants a browser or tfjs-node). */
export function artifacts(path: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(path, 'utf8'));
      const groups = json.weightsManifest as { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      const all = Buffer.concat(groups.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(path), p)))));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}
