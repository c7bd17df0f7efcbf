import { definePass } from '../pass.ts';
import { applyPatterns, type Pattern } from '../rewriter.ts';

// identity(x) -> x   (the graph output keeps its name: x is renamed to it)
const forwardIdentity: Pattern = (op, rw) => {
  if (op.kind !== 'identity') return undefined;
  const [x] = op.inputs;
  const [y] = op.outputs;
  // One tensor cannot be a graph input (or output) under one name and an output under another.
  if (rw.isGraphOutput(y) && (rw.isGraphInput(x) || rw.isGraphOutput(x))) return undefined;
  return x;
};

export const removeIdentity = definePass({
  name: 'remove-identity',
  summary: 'Remove Identity and Dropout (identity ops), rewiring their uses',
  description: `%y = identity(%x); %z = relu(%y)  ==>  %z = relu(%x)
A graph output keeps its name. An identity that would give one tensor two names (a graph input or
output returned again under another name) is left in place.`,
  run(graph, ctx) {
    applyPatterns(graph, [forwardIdentity], ctx);
  },
});
