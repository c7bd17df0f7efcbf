import { Graph, type Value } from '@octet/ir';
import { fail } from '../errors.ts';
import { resolveInputShape, type ImportOptions } from '../shapes.ts';
import type { Tensor } from '../weights.ts';
import { LAYER_CONVERTERS, SUPPORTED_LAYERS, type LayerCtx } from './convert.ts';
import { declaredBatchShape, normalizeTopology, type LayerNode, type TensorRef } from './topology.ts';

const key = (r: TensorRef) => `${r.layer}\u0000${r.node}\u0000${r.tensor}`;

/**
 * Finds a layer's weight in the manifest: `<layer>/<weight>` (Keras 2, tfjs), `<layer>/<index>` (Keras 3),
 * `.../<layer>/<weight>` (a scope prefix), or `<layer>_<n>/<weight>` (Keras's re-numbered weight scopes).
 */
function findWeight(weights: Map<string, Tensor>, layer: string, name: string, index: number): Tensor | undefined {
  const direct = weights.get(`${layer}/${name}`) ?? weights.get(`${layer}/${index}`);
  if (direct) return direct;
  const esc = layer.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|/)${esc}(_\\d+)?/(${name}|${index})$`);
  const hits = [...weights.keys()].filter((k) => re.test(k));
  return hits.length === 1 ? weights.get(hits[0]) : undefined;
}

/** Imports a layers-format model (topology + decoded weights) into an IR graph with static shapes. */
export function importLayersTopology(modelTopology: unknown, weights: Map<string, Tensor>, opts: ImportOptions = {}): Graph {
  const topo = normalizeTopology(modelTopology);
  const graph = new Graph(opts.name ?? topo.name);
  const values = new Map<string, Value>();
  const consts = new Map<string, Value>();
  const byName = new Map<string, LayerNode>(topo.layers.map((l) => [l.name, l]));

  // Graph inputs, in the model's input order.
  topo.inputs.forEach((r, i) => {
    const l = byName.get(r.layer) ?? fail(`model input '${r.layer}' is not a layer of the model`);
    if (l.className !== 'InputLayer') fail(`model input '${r.layer}' is a ${l.className}, expected an InputLayer`);
    const dtype = l.config.dtype;
    const dt = typeof dtype === 'object' && dtype !== null ? (dtype as { config?: { name?: string } }).config?.name : dtype;
    if (dt !== undefined && dt !== 'float32') fail(`input '${l.name}' has dtype ${String(dt)}, which is not supported: only float32 inputs`);
    const declared = declaredBatchShape(l.config) ?? fail(`input '${l.name}' declares no shape (batch_input_shape / batch_shape)`);
    values.set(key(r), graph.addInput(l.name, { dtype: 'float32', shape: resolveInputShape(l.name, i, declared, opts) }));
  });

  // Calls in dependency order: Keras lists layers topologically, but a shared layer's later calls may come later.
  const pending: { layer: LayerNode; call: number }[] = [];
  for (const l of topo.layers) {
    if (l.className === 'InputLayer') continue;
    l.calls.forEach((_, call) => pending.push({ layer: l, call }));
  }
  while (pending.length) {
    const i = pending.findIndex(({ layer, call }) => layer.calls[call].every((r) => values.has(key(r))));
    if (i < 0) {
      const { layer, call } = pending[0];
      const missing = layer.calls[call].find((r) => !values.has(key(r)))!;
      return fail(`layer '${layer.name}' reads '${missing.layer}' (call ${missing.node}, output ${missing.tensor}), which no layer or input of the model produces`);
    }
    const [{ layer, call }] = pending.splice(i, 1);
    const out = convertLayer(graph, layer, call, layer.calls[call].map((r) => values.get(key(r))!), weights, consts);
    values.set(key({ layer: layer.name, node: call, tensor: 0 }), out);
  }

  graph.outputs = topo.outputs.map((r) => values.get(key(r)) ?? fail(`model output '${r.layer}' (call ${r.node}, output ${r.tensor}) is not produced by the model`));
  graph.removeDeadOps();
  return graph;
}

function convertLayer(graph: Graph, layer: LayerNode, call: number, inputs: Value[], weights: Map<string, Tensor>, consts: Map<string, Value>): Value {
  const convert = LAYER_CONVERTERS[layer.className];
  if (!convert) {
    return fail(`layer '${layer.name}' has class ${layer.className}, which is not supported: supported layers are ${SUPPORTED_LAYERS.join(', ')}`);
  }
  const outName = call === 0 ? layer.name : `${layer.name}_${call}`;
  const ctx: LayerCtx = {
    graph,
    name: layer.name,
    className: layer.className,
    cfg: layer.config,
    weights: (names) =>
      names.map(
        (n, i) =>
          findWeight(weights, layer.name, n, i) ??
          fail(
            `layer '${layer.name}' (${layer.className}) has no weight '${n}' in the weights manifest: found ${
              [...weights.keys()].filter((k) => k.includes(layer.name)).join(', ') || 'none for this layer'
            }`,
          ),
      ),
    add: (kind, ins, attrs) => graph.add(kind, ins, attrs, { loc: layer.name }),
    constant(name, make) {
      const full = `${layer.name}/${name}`;
      let v = consts.get(full);
      if (!v) consts.set(full, (v = make(full)));
      return v;
    },
  };
  if (inputs.length !== 1 && !['Add', 'Subtract', 'Multiply', 'Concatenate'].includes(layer.className)) {
    fail(`layer '${layer.name}' (${layer.className}) takes 1 input, got ${inputs.length}`);
  }
  const out = convert(ctx, inputs);
  if (!out.producer) fail(`layer '${layer.name}' (${layer.className}) produced no op`);
  if (out.name === undefined) out.name = outName;
  return out;
}
