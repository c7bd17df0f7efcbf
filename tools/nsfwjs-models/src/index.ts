import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Models nsfwjs@4.3.0 ships under dist/models/: a Keras (layers) MobileNetV2, a graph-format one, an InceptionV3. */
export const NSFWJS_MODELS = ['mobilenet_v2', 'mobilenet_v2_mid', 'inception_v3'] as const;
export type NsfwjsModel = (typeof NSFWJS_MODELS)[number];

const require = createRequire(import.meta.url);

/** The folder of nsfwjs's wrapped models (its package `exports` hide them from `require('nsfwjs/...')`). */
export function nsfwjsModelsDir(): string {
  let dir = dirname(require.resolve('nsfwjs'));
  while (!dir.endsWith('nsfwjs')) dir = dirname(dir);
  return join(dir, 'dist', 'models');
}

interface Manifest {
  weightsManifest: { paths: string[] }[];
}

/**
 * Each file of an nsfwjs model is a UMD module: `model.min.js` exports the model.json object,
 * `<shard>.min.js` exports the shard's bytes as base64. Writes `model.json` and the shards, under
 * the names the manifest lists, into `outDir`; returns the path of model.json.
 */
export function unwrapNsfwjsModel(name: NsfwjsModel, outDir: string): string {
  const src = join(nsfwjsModelsDir(), name);
  const model = require(join(src, 'model.min.js')) as Manifest;
  mkdirSync(outDir, { recursive: true });
  for (const group of model.weightsManifest) {
    for (const p of group.paths) {
      const base64 = require(join(src, `${p}.min.js`)) as unknown;
      if (typeof base64 !== 'string') throw new Error(`${name}/${p}.min.js does not export a base64 string`);
      writeFileSync(join(outDir, p), Buffer.from(base64, 'base64'));
    }
  }
  const path = join(outDir, 'model.json');
  writeFileSync(path, JSON.stringify(model));
  return path;
}
