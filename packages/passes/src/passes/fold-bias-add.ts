import { cloneType, numElements, type Value } from '@octet/ir';
import { floatConst, fusedActivation } from '../match.ts';
import { definePass } from '../pass.ts';
import { applyPatterns, type Pattern } from '../rewriter.ts';

/** The per-channel vector of a constant that only varies along the last axis of `channels`, or undefined. */
function channelVector(v: Value, channels: number): Float32Array | undefined {
  const data = floatConst(v);
  const shape = v.type.shape;
  if (!data || numElements(shape) !== channels || (shape.length > 0 && shape[shape.length - 1] !== channels)) return undefined;
  return data;
}

// add(conv(x, w, b), c) -> conv(x, w, b + c), c constant per output channel (tfjs's separate BiasAdd)
const foldIntoBias: Pattern = (op, rw) => {
  if (op.kind !== 'add' || op.outputs[0].type.dtype !== 'float32') return undefined;
  for (const [i, v] of op.inputs.entries()) {
    const p = v.producer;
    if (!p || (p.kind !== 'conv_2d' && p.kind !== 'depthwise_conv_2d' && p.kind !== 'fully_connected')) continue;
    if (fusedActivation(p) !== 'none' || rw.useCount(v) !== 1) continue;
    const channels = v.type.shape[v.type.shape.length - 1];
    // The sum must keep the conv's shape: the constant broadcasts into it, never the other way.
    if (op.outputs[0].type.shape.length !== v.type.shape.length) continue;
    const c = channelVector(op.inputs[1 - i], channels);
    if (!c) continue;
    const old = p.inputs[2] ? floatConst(p.inputs[2]) : new Float32Array(channels);
    if (!old) continue;
    const bias = rw.constant({ dtype: 'float32', shape: [channels] }, Float32Array.from(old, (b, k) => b + c[k]));
    const folded = rw.insertCopy(p, {
      inputs: [p.inputs[0], p.inputs[1], bias],
      attrs: { fused_activation: op.attrs.fused_activation },
      types: op.outputs.map((o) => cloneType(o.type)),
    });
    return folded.outputs[0];
  }
  return undefined;
};

export const foldBiasAdd = definePass({
  name: 'fold-bias-add',
  summary: 'Fold a per-channel constant add (tfjs BiasAdd) into the bias of the preceding conv / dense',
  description: `%c = conv_2d(%x, %w); %y = add(%c, %k)  ==>  %y = conv_2d(%x, %w, %k)
%k constant with one value per output channel (shape [C] or [1,...,1,C]); an existing bias b becomes
b + k (in float32); the add's fused activation moves to the conv. The conv must have no fused
activation and no other reader.`,
  run(graph, ctx) {
    applyPatterns(graph, [foldIntoBias], ctx);
  },
});
