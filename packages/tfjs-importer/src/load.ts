import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fail } from './errors.ts';
import { decodeManifest, type Tensor, type WeightsManifestGroup } from './weights.ts';

/** The parts of a tfjs `model.json` the importers read. */
export interface ModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest?: WeightsManifestGroup[];
  signature?: unknown;
  userDefinedMetadata?: { signature?: unknown } & Record<string, unknown>;
}

export interface LoadedModel {
  json: ModelJson;
  weights: Map<string, Tensor>;
  /** Where it came from, for messages. */
  source: string;
}

/** Reads a `model.json` (any file name) and its weight shards (paths relative to it) from disk. No network. */
export function loadModelJson(path: string): LoadedModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`cannot read model file '${path}': ${(e as Error).message}`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    return fail(`model file '${path}' is not JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || json.modelTopology === undefined) {
    return fail(`model file '${path}' has no modelTopology: expected a tfjs model.json (layers or graph format)`);
  }
  const dir = dirname(path);
  const manifest = json.weightsManifest ?? [];
  const shards = manifest.map((g) =>
    g.paths.map((p) => {
      const file = resolve(dir, p);
      try {
        return new Uint8Array(readFileSync(file));
      } catch (e) {
        return fail(`weight shard '${file}' (listed in '${path}') cannot be read: ${(e as Error).message}`);
      }
    }),
  );
  const weights = decodeManifest(manifest, shards, (g, s) => resolve(dir, manifest[g].paths[s]));
  return { json, weights, source: path };
}
