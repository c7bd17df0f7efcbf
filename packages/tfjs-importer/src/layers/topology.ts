import { fail } from '../errors.ts';

/** A reference to a layer's output: the `tensor`-th output of its `node`-th call. */
export interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

export type Config = Record<string, unknown> & { name?: string };

/** One layer, with the inputs of each call (Keras "inbound node"). */
export interface LayerNode {
  name: string;
  className: string;
  config: Config;
  calls: TensorRef[][];
}

/** A layers model normalized across Sequential / Functional / Model and Keras 2 / Keras 3 / tfjs writers. */
export interface Topology {
  name: string;
  layers: LayerNode[];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Accepts `modelTopology` as tfjs writes it ({class_name, config}) or as the Keras converter does ({model_config: ...}). */
export function normalizeTopology(modelTopology: unknown): Topology {
  if (!isObj(modelTopology)) return fail(`layers model topology is not a JSON object: expected {class_name, config} or {model_config}`);
  const root = isObj(modelTopology.model_config) ? modelTopology.model_config : modelTopology;
  const cls = root.class_name;
  if (typeof cls !== 'string' || !MODEL_CLASSES.includes(cls)) {
    return fail(`layers model class '${String(cls)}' is not supported: expected one of ${MODEL_CLASSES.join(', ')}`);
  }
  return cls === 'Sequential' ? sequential(root.config) : functional(root.config);
}

function layerName(l: Json, i: number): string {
  const cfg = isObj(l.config) ? l.config : {};
  const name = (typeof l.name === 'string' ? l.name : undefined) ?? (typeof cfg.name === 'string' ? cfg.name : undefined);
  return name ?? fail(`layer #${i} (${String(l.class_name)}) has no name`);
}

function checkLayer(l: unknown, i: number): Json {
  if (!isObj(l) || typeof l.class_name !== 'string') return fail(`layer #${i} is not a {class_name, config} object`);
  if (MODEL_CLASSES.includes(l.class_name)) {
    return fail(`layer '${layerName(l, i)}' is a nested ${l.class_name} model, which is not supported: flatten the model before converting`);
  }
  return l;
}

/** Declared input shape of a layer config, with null for unknown dimensions, if it has one. */
export function declaredBatchShape(cfg: Config): (number | null)[] | undefined {
  const bs = (cfg.batch_input_shape ?? cfg.batch_shape ?? cfg.batchInputShape) as (number | null)[] | undefined;
  if (Array.isArray(bs)) return bs;
  const s = (cfg.input_shape ?? cfg.inputShape) as (number | null)[] | undefined;
  if (Array.isArray(s)) return [(cfg.batch_size as number | undefined) ?? null, ...s];
  return undefined;
}

function sequential(config: unknown): Topology {
  const layersJson = Array.isArray(config) ? config : isObj(config) && Array.isArray(config.layers) ? config.layers : undefined;
  if (!layersJson) return fail(`Sequential model config has no layers list`);
  const name = isObj(config) && typeof config.name === 'string' ? config.name : 'sequential';
  const layers: LayerNode[] = [];
  let prev: TensorRef | undefined;
  const inputs: TensorRef[] = [];
  layersJson.forEach((raw, i) => {
    const l = checkLayer(raw, i);
    const cfg = (isObj(l.config) ? l.config : {}) as Config;
    const lname = layerName(l, i);
    if (!prev) {
      const shape = declaredBatchShape(cfg);
      if (l.class_name !== 'InputLayer') {
        if (!shape) fail(`Sequential model '${name}': its first layer '${lname}' declares no input shape (batch_input_shape / batch_shape): add an InputLayer`);
        const inName = `${lname}_input`;
        layers.push({ name: inName, className: 'InputLayer', config: { name: inName, batch_input_shape: shape }, calls: [] });
        prev = { layer: inName, node: 0, tensor: 0 };
        inputs.push(prev);
      } else {
        layers.push({ name: lname, className: 'InputLayer', config: cfg, calls: [] });
        prev = { layer: lname, node: 0, tensor: 0 };
        inputs.push(prev);
        return;
      }
    } else if (l.class_name === 'InputLayer') {
      fail(`Sequential model '${name}': InputLayer '${lname}' is not the first layer`);
    }
    layers.push({ name: lname, className: l.class_name as string, config: cfg, calls: [[prev!]] });
    prev = { layer: lname, node: 0, tensor: 0 };
  });
  if (!prev) fail(`Sequential model '${name}' has no layers`);
  return { name, layers, inputs, outputs: [prev!] };
}

function ref(x: unknown, where: string): TensorRef {
  if (Array.isArray(x) && typeof x[0] === 'string') return { layer: x[0], node: Number(x[1] ?? 0), tensor: Number(x[2] ?? 0) };
  return fail(`${where}: expected [layer, node, tensor], got ${JSON.stringify(x)}`);
}

/** `input_layers` / `output_layers`: a list of refs, or (Keras 3, one tensor) a single ref. */
function refList(x: unknown, where: string): TensorRef[] {
  if (!Array.isArray(x)) return fail(`${where} is missing`);
  if (typeof x[0] === 'string') return [ref(x, where)];
  return x.map((r) => ref(r, where));
}

/** Keras 3 writes a call as {args, kwargs} with `__keras_tensor__` objects; collect their history in order. */
function kerasTensors(x: unknown, out: TensorRef[], where: string): void {
  if (Array.isArray(x)) {
    for (const y of x) kerasTensors(y, out, where);
  } else if (isObj(x)) {
    if (x.class_name === '__keras_tensor__' && isObj(x.config)) out.push(ref(x.config.keras_history, where));
    else for (const v of Object.values(x)) kerasTensors(v, out, where);
  }
}

function calls(inbound: unknown, lname: string): TensorRef[][] {
  if (inbound === undefined || inbound === null) return [];
  if (!Array.isArray(inbound)) return fail(`layer '${lname}': inbound_nodes is not a list`);
  return inbound.map((call) => {
    const where = `layer '${lname}' inbound_nodes`;
    if (isObj(call)) {
      // Keras 3: {args: [...], kwargs: {...}}
      const refs: TensorRef[] = [];
      kerasTensors(call.args, refs, where);
      kerasTensors(call.kwargs, refs, where);
      return refs;
    }
    if (Array.isArray(call)) return call.map((r) => ref(r, where)); // Keras 2 / tfjs: [[layer, node, tensor, kwargs], ...]
    return fail(`${where}: unexpected entry ${JSON.stringify(call)}`);
  });
}

function functional(config: unknown): Topology {
  if (!isObj(config) || !Array.isArray(config.layers)) return fail(`Functional model config has no layers list`);
  const name = typeof config.name === 'string' ? config.name : 'model';
  const layers = config.layers.map((raw, i) => {
    const l = checkLayer(raw, i);
    const lname = layerName(l, i);
    return { name: lname, className: l.class_name as string, config: (isObj(l.config) ? l.config : {}) as Config, calls: calls(l.inbound_nodes, lname) };
  });
  return { name, layers, inputs: refList(config.input_layers, `model '${name}' input_layers`), outputs: refList(config.output_layers, `model '${name}' output_layers`) };
}
