import type { Graph } from '@octet/ir';
import { fail } from './errors.ts';
import { importGraphDef } from './graph-model/import.ts';
import { importLayersTopology } from './layers/import.ts';
import { loadModelJson, type ModelJson } from './load.ts';
import type { ImportOptions } from './shapes.ts';
import { decodeManifest, type Tensor, type WeightSpec } from './weights.ts';

export { ImportError } from './errors.ts';
export type { ImportOptions } from './shapes.ts';
export { decodeWeight, decodeManifest, storedBytes, type Tensor, type WeightSpec, type WeightsManifestGroup } from './weights.ts';
export { loadModelJson, type ModelJson, type LoadedModel } from './load.ts';
export { SUPPORTED_LAYERS } from './layers/convert.ts';
export { SUPPORTED_NODES } from './graph-model/convert.ts';
export { importLayersTopology } from './layers/import.ts';
export { importGraphDef } from './graph-model/import.ts';

/** True when a model.json holds a GraphDef (tfjs-converter's graph format) rather than a Keras topology. */
export function isGraphFormat(json: ModelJson): boolean {
  const t = json.modelTopology as { node?: unknown } | undefined;
  return json.format === 'graph-model' || (typeof t === 'object' && t !== null && Array.isArray(t.node));
}

/** Imports a parsed model.json with its decoded weights, either format. */
export function importModel(json: ModelJson, weights: Map<string, Tensor>, opts: ImportOptions = {}): Graph {
  return isGraphFormat(json) ? importGraphDef(json, weights, opts) : importLayersTopology(json.modelTopology, weights, opts);
}

/** Imports a `model.json` (any file name) and its weight shards from disk, layers or graph format. */
export function importModelJson(path: string, opts: ImportOptions = {}): Graph {
  const { json, weights } = loadModelJson(path);
  return importModel(json, weights, opts);
}

/** tfjs's in-memory model artifacts (what a save handler receives, or `tf.io.fromMemory` takes). */
export interface ModelArtifactsLike {
  modelTopology?: unknown;
  format?: string;
  weightSpecs?: WeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Imports model artifacts held in memory (weights as one concatenated buffer, like tfjs's). */
export function importModelArtifacts(artifacts: ModelArtifactsLike, opts: ImportOptions = {}): Graph {
  if (artifacts.modelTopology === undefined) fail(`model artifacts have no modelTopology`);
  const specs = artifacts.weightSpecs ?? [];
  const parts = artifacts.weightData === undefined ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const weights = decodeManifest([{ paths: ['<weightData>'], weights: specs }], [parts.map((b) => new Uint8Array(b))]);
  const json: ModelJson = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    signature: artifacts.signature,
    userDefinedMetadata: artifacts.userDefinedMetadata,
  };
  return importModel(json, weights, opts);
}

/** Anything with tfjs's `save(handler)`: a live `tf.LayersModel` (any backend) or a loaded `tf.GraphModel`. */
export interface SavableModel {
  // `never`: any save(handler) signature fits (tfjs's takes an IOHandler or a URL string).
  save(handler: never): Promise<unknown>;
}

/** Captures a live model's artifacts through tfjs's own save path (what `model.save()` would write). */
export async function artifactsOf(model: SavableModel): Promise<ModelArtifactsLike> {
  let captured: ModelArtifactsLike | undefined;
  const handler = {
    save: async (artifacts: ModelArtifactsLike) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  };
  await model.save(handler as never);
  return captured ?? fail(`the model's save() produced no artifacts`);
}

/** Imports a live `tf.LayersModel` (any backend): its topology and current weights. */
export async function importLayersModel(model: SavableModel, opts: ImportOptions = {}): Promise<Graph> {
  return importModelArtifacts(await artifactsOf(model), opts);
}

/** Imports a loaded `tf.GraphModel`. */
export async function importGraphModel(model: SavableModel, opts: ImportOptions = {}): Promise<Graph> {
  return importModelArtifacts(await artifactsOf(model), opts);
}
