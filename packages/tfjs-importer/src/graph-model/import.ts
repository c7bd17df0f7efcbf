import { Graph, type Value } from '@octet/ir';
import { fail } from '../errors.ts';
import type { ModelJson } from '../load.ts';
import { resolveInputShape, type ImportOptions } from '../shapes.ts';
import { constOf } from '../tensor.ts';
import type { Tensor } from '../weights.ts';
import { NodeAttrs, type GraphNode } from './attrs.ts';
import { NODE_CONVERTERS, SUPPORTED_NODES, type NodeCtx, type Operand } from './convert.ts';

interface Ref {
  node: string;
  output: number;
}

function parseRef(s: string): Ref | undefined {
  if (s.startsWith('^')) return undefined; // control dependency
  const m = /^(.*?)(?::(\d+))?$/.exec(s)!;
  return { node: m[1], output: m[2] === undefined ? 0 : Number(m[2]) };
}

interface SignatureJson {
  inputs?: Record<string, { name?: string }>;
  outputs?: Record<string, { name?: string }>;
}

const sigNames = (m: Record<string, { name?: string }> | undefined) => (m ? Object.entries(m).map(([k, v]) => v.name ?? k) : undefined);

/** Imports a graph-format model (GraphDef topology from tfjs-converter + decoded weights). */
export function importGraphDef(json: ModelJson, weights: Map<string, Tensor>, opts: ImportOptions = {}): Graph {
  const topo = json.modelTopology as { node?: GraphNode[] };
  if (!topo || !Array.isArray(topo.node)) return fail(`graph model topology has no node list`);
  const nodes = new Map<string, GraphNode>();
  for (const n of topo.node) nodes.set(n.name, n);
  const dataInputs = (n: GraphNode) => (n.input ?? []).map(parseRef).filter((r): r is Ref => r !== undefined);

  const signature = (json.signature ?? json.userDefinedMetadata?.signature) as SignatureJson | undefined;
  let outputRefs = sigNames(signature?.outputs)?.map((s) => parseRef(s)!);
  if (!outputRefs) {
    const used = new Set<string>();
    for (const n of topo.node) for (const r of dataInputs(n)) used.add(r.node);
    outputRefs = topo.node.filter((n) => !used.has(n.name) && n.op !== 'Const' && n.op !== 'Placeholder').map((n) => ({ node: n.name, output: 0 }));
  }
  if (!outputRefs.length) fail(`graph model has no outputs`);

  const graph = new Graph(opts.name ?? 'graph_model');
  const sigInputs = sigNames(signature?.inputs)?.map((s) => parseRef(s)!.node);
  const placeholders = topo.node.filter((n) => n.op === 'Placeholder');
  placeholders.sort((a, b) => (sigInputs ? sigInputs.indexOf(a.name) - sigInputs.indexOf(b.name) : 0));

  const results = new Map<string, Operand>();
  const usedNames = new Set<string>();
  const constCache = new Map<string, Value>();

  placeholders.forEach((n, i) => {
    const attrs = new NodeAttrs(n);
    const dt = attrs.type('dtype');
    if (dt !== undefined && dt !== 'DT_FLOAT') fail(`input '${n.name}' has dtype ${dt}, which is not supported: only DT_FLOAT inputs`);
    const declared = attrs.shape('shape');
    const shape = declared
      ? resolveInputShape(n.name, i, declared, opts)
      : (opts.inputShapes?.[n.name] ?? (i === 0 ? opts.inputShape : undefined) ?? fail(`input '${n.name}' has an unknown rank: give its static shape with the inputShape option`));
    results.set(n.name, { value: graph.addInput(n.name, { dtype: 'float32', shape }) });
    usedNames.add(n.name);
  });

  // Iterative post-order from the outputs: converts only what the outputs need.
  const order: GraphNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  for (const out of outputRefs) {
    const stack: { node: GraphNode; next: number }[] = [];
    const push = (name: string, from: string) => {
      const node = nodes.get(name) ?? fail(`node '${from}' reads '${name}', which is not a node of the graph`);
      const s = state.get(name);
      if (s === 'done') return;
      if (s === 'visiting') fail(`graph model has a cycle through node '${name}'`);
      state.set(name, 'visiting');
      stack.push({ node, next: 0 });
    };
    push(out.node, 'the model outputs');
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ins = dataInputs(top.node);
      if (top.next < ins.length) push(ins[top.next++].node, top.node.name);
      else {
        stack.pop();
        state.set(top.node.name, 'done');
        order.push(top.node);
      }
    }
  }

  for (const node of order) {
    if (node.op === 'Placeholder') continue;
    if (node.op === 'Const') {
      const t = weights.get(node.name) ?? fail(`Const node '${node.name}' has no value in the weights manifest`);
      results.set(node.name, { tensor: t, name: node.name });
      continue;
    }
    const convert = NODE_CONVERTERS[node.op];
    if (!convert) fail(`node '${node.name}' has op ${node.op}, which is not supported: supported ops are ${SUPPORTED_NODES.join(', ')}`);
    const inputs = dataInputs(node).map((r) => {
      if (r.output !== 0) fail(`node '${node.name}' reads output ${r.output} of '${r.node}': only single-output nodes are supported`);
      return results.get(r.node)!;
    });
    const uniqueName = (base: string) => {
      let name = base;
      for (let k = 1; usedNames.has(name); k++) name = `${base}_${k}`;
      usedNames.add(name);
      return name;
    };
    const asConst = (i: number, layout: { perm?: number[]; shape?: number[] }, tag: string): Value => {
      const op = inputs[i];
      if (!op) return fail(`node '${node.name}' (${node.op}) has no input ${i}`);
      if ('value' in op) return op.value;
      const key = `${op.name}\u0000${tag}`;
      let v = constCache.get(key);
      if (!v) {
        v = constOf(op.tensor, uniqueName(op.name), layout);
        constCache.set(key, v);
      }
      return v;
    };
    const ctx: NodeCtx = {
      graph,
      node,
      attrs: new NodeAttrs(node),
      inputs,
      value: (i) => asConst(i, {}, 'raw'),
      tensor(i, what) {
        const op = inputs[i] ?? fail(`node '${node.name}' (${node.op}) has no input ${i} (${what})`);
        if ('tensor' in op) return op.tensor;
        return fail(`node '${node.name}' (${node.op}): its ${what} (input ${i}) must be a Const node, got a computed value: freeze the model`);
      },
      constant(i, what, layout, tag) {
        this.tensor(i, what);
        return asConst(i, layout, tag);
      },
      add: (kind, ins, attrs) => graph.add(kind, ins, attrs, { loc: node.name }),
    };
    const y = convert(ctx);
    if (y.producer && y.name === undefined) y.name = uniqueName(node.name);
    results.set(node.name, { value: y });
  }

  graph.outputs = outputRefs.map((r) => {
    const res = results.get(r.node)!;
    if (r.output !== 0) fail(`model output '${r.node}:${r.output}': only single-output nodes are supported`);
    return 'value' in res ? res.value : constOf(res.tensor, res.name);
  });
  graph.removeDeadOps();
  return graph;
}
