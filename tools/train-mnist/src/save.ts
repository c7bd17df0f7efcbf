import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tf } from './backend.ts';

type LayersModel = ReturnType<Tf['sequential']>;

/** Writes `model.json` and one weight shard into `dir` with node:fs (tfjs's file:// needs tfjs-node). */
export async function saveModel(tf: Tf, model: LayersModel, dir: string, shard = 'weights.bin'): Promise<{ modelJson: string; bytes: number }> {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${shard}`], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, shard), data);
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      bytes = data.length;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return { modelJson: join(dir, 'model.json'), bytes };
}
