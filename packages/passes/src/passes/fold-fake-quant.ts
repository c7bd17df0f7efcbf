import { DiagnosticError, OctetError, printQuant, quantEqual, type Diagnostic } from '@octet/ir';
import { definePass } from '../pass.ts';
import { fakeQuantParams } from '../quant/params.ts';
import { createRewriter, describeOp } from '../rewriter.ts';

export const foldFakeQuant = definePass({
  name: 'fold-fake-quant',
  summary: 'Turn each fake_quant into the quantization parameters of the tensor it guards',
  description: `%y = fake_quant(%x) {min = -1, max = 1}; %z = relu(%y)  ==>  %x : f32 q(0.0078431377, -1); %z = relu(%x)
The range is nudged as TensorFlow's FakeQuant kernel nudges it (float32, so that real 0 is exactly a
level): levels [0, 2^num_bits − 1] ([1, …] with narrow_range), stored as int8 with the zero point
shifted by 2^(num_bits − 1); dequantizing gives exactly the values the fake_quant op outputs. The
parameters sit on the float tensor's type until quantize-weights / quantize-activations use them,
and calibration never overrides them. num_bits above 8 has no int8 form and is an error.`,
  run(graph, ctx) {
    const rw = createRewriter(graph);
    const problems: Diagnostic[] = [];
    for (const op of [...graph.ops]) {
      if (op.kind !== 'fake_quant') continue;
      const a = op.attrs;
      const [x] = op.inputs;
      const where = describeOp(op);
      if (a.num_bits > 8) {
        problems.push({ op, message: `${where} has num_bits = ${a.num_bits}: int8 holds at most 8 bits; retrain with num_bits ≤ 8` });
        continue;
      }
      if (!(Math.fround(a.min) < Math.fround(a.max)) && !(a.min === 0 && a.max === 0)) {
        problems.push({ op, message: `${where} has an empty range [${a.min}, ${a.max}]: give min < max` });
        continue;
      }
      if (x.type.dtype !== 'float32') {
        problems.push({ op, message: `${where} guards a ${x.type.dtype} tensor: fold fake_quant ops before quantizing` });
        continue;
      }
      const q = fakeQuantParams(a.min, a.max, a.num_bits, a.narrow_range);
      if (x.type.quant && !quantEqual(x.type.quant, q)) {
        problems.push({ op, message: `${where} gives ${printQuant(q)} to a tensor another fake_quant fixed to ${printQuant(x.type.quant)}: give both the same range` });
        continue;
      }
      x.type = { ...x.type, quant: q };
      try {
        rw.replaceOp(op, [x]);
      } catch (e) {
        if (!(e instanceof OctetError)) throw e;
        problems.push({ op, message: `${where} cannot be folded: ${e.message}` });
      }
      ctx.trace?.(`${ctx.pass}: folded ${where} into ${printQuant(q)}`);
    }
    if (problems.length) throw new DiagnosticError(problems);
  },
});
