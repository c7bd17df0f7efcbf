import { floatToHalf, isConst, type Value } from '@octet/ir';
import { definePass } from '../pass.ts';
import { createRewriter } from '../rewriter.ts';

export const quantizeFloat16 = definePass({
  name: 'quantize-float16',
  summary: 'Store float32 constants as float16, each read through one DEQUANTIZE to float32',
  description: `%y = conv_2d(%x, %w : f32[8,3,3,3], %b : f32[8])  ==>
  %w16 = const f16[8,3,3,3]; %wd = dequantize(%w16) : f32[8,3,3,3]; (same for %b); %y = conv_2d(%x, %wd, %bd)
What TensorFlow's converter does with supported_types=[float16]: every float32 constant halves in
size (rounded to nearest even; out-of-range values become ±Infinity as IEEE half does), and the ops
compute in float32 as before. A constant read by several ops gets one dequantize.`,
  run(graph) {
    const rw = createRewriter(graph);
    const made = new Map<Value, Value>();
    for (const op of [...graph.ops]) {
      if (!op.inputs.some((v) => isConst(v) && v.type.dtype === 'float32' && v.data instanceof Float32Array)) continue;
      rw.setInsertionPoint(op);
      op.inputs = op.inputs.map((v) => {
        if (!isConst(v) || v.type.dtype !== 'float32' || !(v.data instanceof Float32Array)) return v;
        let d = made.get(v);
        if (!d) {
          const half = rw.constant({ dtype: 'float16', shape: [...v.type.shape] }, Uint16Array.from(v.data, floatToHalf));
          if (v.name !== undefined) half.name = v.name;
          d = rw.insert('dequantize', [half], {}).outputs[0];
          made.set(v, d);
        }
        return d;
      });
    }
    // A float32 constant returned as a graph output is stored in half too.
    rw.setInsertionPoint(undefined);
    graph.outputs = graph.outputs.map((v) => {
      if (!isConst(v) || v.type.dtype !== 'float32' || !(v.data instanceof Float32Array)) return v;
      return made.get(v) ?? v;
    });
    for (const v of made.keys()) delete v.name;
  },
});
