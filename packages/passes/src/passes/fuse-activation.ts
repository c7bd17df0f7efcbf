import { cloneType, type Activation, type OpKind } from '@octet/ir';
import { fusedActivation } from '../match.ts';
import { definePass } from '../pass.ts';
import { applyPatterns, type Pattern } from '../rewriter.ts';

// Activation ops and the fused_activation value that replaces them.
const FUSABLE = { relu: 'relu', relu6: 'relu6' } as const satisfies Partial<Record<OpKind, Activation>>;

function isFusable(kind: OpKind): kind is keyof typeof FUSABLE {
  return Object.hasOwn(FUSABLE, kind);
}

// act(p(...){fused_activation = none}) -> p(...){fused_activation = act}, when act is p's only reader
const fuseIntoProducer: Pattern = (op, rw) => {
  if (!isFusable(op.kind)) return undefined;
  const [v] = op.inputs;
  const p = v.producer;
  // useCount counts graph outputs too: an output (or a second reader) needs the value before the activation.
  if (!p || fusedActivation(p) !== 'none' || rw.useCount(v) !== 1) return undefined;
  // The fused op produces the activation's result: same shape, and its type (quantization included).
  const fused = rw.insertCopy(p, { attrs: { fused_activation: FUSABLE[op.kind] }, types: op.outputs.map((o) => cloneType(o.type)) });
  return fused.outputs[0];
};

export const fuseActivation = definePass({
  name: 'fuse-activation',
  summary: 'Fuse relu / relu6 into the fused_activation of the op that produces their input',
  description: `%c = conv_2d(%x, %w, %b); %y = relu(%c)  ==>  %y = conv_2d(%x, %w, %b) {fused_activation = "relu"}
Applies to every op kind whose registry entry has a fused_activation attribute (conv_2d,
depthwise_conv_2d, fully_connected, pools, add, sub, mul, concatenation), when that attribute is
"none" and the activation is the only reader of the result (which is not a graph output).`,
  run(graph, ctx) {
    applyPatterns(graph, [fuseIntoProducer], ctx);
  },
});
