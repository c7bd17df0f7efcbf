import { OctetError, parse, print, verify } from '@octet/ir';
import { describe, expect, it } from 'vitest';
import { applyPatterns, createRewriter, type Pattern } from '../src/index.ts';

const ctx = { pass: 'test' };

// relu(x) -> relu6(x) and relu6(x) -> relu(x): each undoes the other, so no fixed point exists.
const reluToRelu6: Pattern = (op, rw) => (op.kind === 'relu' ? rw.insert('relu6', [...op.inputs], {}).outputs[0] : undefined);
const relu6ToRelu: Pattern = (op, rw) => (op.kind === 'relu6' ? rw.insert('relu', [...op.inputs], {}).outputs[0] : undefined);
// tanh(x) -> logistic(x): fires once per tanh, then never again.
const tanhToLogistic: Pattern = (op, rw) => (op.kind === 'tanh' ? rw.insert('logistic', [...op.inputs], {}).outputs[0] : undefined);
// logistic(x) -> relu(x): only applies after tanhToLogistic has fired (a second sweep).
const logisticToRelu: Pattern = (op, rw) => (op.kind === 'logistic' ? rw.insert('relu', [...op.inputs], {}).outputs[0] : undefined);

const chain = () =>
  parse(`graph @g(%x: f32[4]) {
  %a = tanh(%x)
  %b = tanh(%a)
  %y = mul(%b, %a)
  return %y
}`);

describe('applyPatterns', () => {
  it('rewrites to a fixed point across sweeps and counts the rewrites', () => {
    const g = chain();
    const events: string[] = [];
    const n = applyPatterns(g, [tanhToLogistic, logisticToRelu], { pass: 'test', trace: (e) => events.push(e) });
    expect(n).toBe(4);
    expect(g.ops.map((op) => op.kind)).toEqual(['relu', 'relu', 'mul']);
    // Names follow the tensors they replace; the readers are rewired.
    expect(print(g)).toContain('%b = relu(%a)');
    expect(print(g)).toContain('%y = mul(%b, %a)');
    expect(events).toEqual([
      "test: tanhToLogistic rewrote 'tanh' op %a",
      "test: tanhToLogistic rewrote 'tanh' op %b",
      "test: logisticToRelu rewrote 'logistic' op %a",
      "test: logisticToRelu rewrote 'logistic' op %b",
    ]);
    verify(g);
  });

  it('leaves the graph untouched and returns 0 when no pattern applies', () => {
    const g = parse('graph @g(%x: f32[2]) {\n  %dead = relu(%x)\n  %y = tanh(%x)\n  return %y\n}');
    expect(applyPatterns(g, [logisticToRelu], ctx)).toBe(0);
    expect(g.ops).toHaveLength(2);
  });

  it('detects two patterns that undo each other and names them', () => {
    const g = parse('graph @g(%x: f32[2]) {\n  %y = relu(%x)\n  return %y\n}');
    expect(() => applyPatterns(g, [reluToRelu6, relu6ToRelu], ctx, { maxIterations: 4 })).toThrow(
      new OctetError('test: rewriting did not converge after 4 sweeps: patterns kept firing: reluToRelu6 (1×), relu6ToRelu (1×): two patterns probably undo each other'),
    );
    // The default cap, and a pattern that converges alongside is not blamed.
    const h = parse('graph @g(%x: f32[2]) {\n  %a = tanh(%x)\n  %y = relu(%a)\n  return %y\n}');
    expect(() => applyPatterns(h, [tanhToLogistic, reluToRelu6, relu6ToRelu], ctx)).toThrow(/after 16 sweeps: patterns kept firing: reluToRelu6 \(4×\), relu6ToRelu \(4×\): /);
  });

  it('refuses a pattern that edits and then declines', () => {
    const sloppy: Pattern = (op, rw) => {
      if (op.kind === 'relu') rw.insert('tanh', [...op.inputs], {});
      return undefined;
    };
    const g = parse('graph @g(%x: f32[2]) {\n  %y = relu(%x)\n  return %y\n}');
    expect(() => applyPatterns(g, [sloppy], ctx)).toThrow(/pattern sloppy inserted ops but returned no replacement/);
  });

  it('refuses anonymous or duplicate pattern names', () => {
    const g = chain();
    expect(() => applyPatterns(g, [tanhToLogistic, tanhToLogistic], ctx)).toThrow(/distinct names/);
    expect(() => applyPatterns(g, [(() => undefined) as Pattern], ctx)).toThrow(/named functions/);
  });

  it('refuses a pattern that replaces an op by its own result', () => {
    const g = chain();
    const self: Pattern = (op) => (op.kind === 'mul' ? op.outputs[0] : undefined);
    expect(() => applyPatterns(g, [self], ctx)).toThrow(/cannot replace itself/);
  });
});

describe('rewriter', () => {
  const graph = () =>
    parse(`graph @g(%x: f32[4]) {
  %a = relu(%x)
  %b = tanh(%a)
  %c = logistic(%b)
  %d = relu6(%a)
  %y = add(%c, %d)
  return %y
}`);

  it('erases an op and the producers that became dead, keeping those still read', () => {
    const g = graph();
    const rw = createRewriter(g);
    const [, , c, d, y] = g.ops;
    rw.replaceValue(y.outputs[0], d.outputs[0]);
    rw.eraseOp(y);
    // logistic and tanh are dead; relu still feeds relu6.
    expect(g.ops.map((op) => op.kind)).toEqual(['relu', 'relu6']);
    expect(rw.isErased(c)).toBe(true);
    expect(g.outputs[0].name).toBe('y');
    verify(g);
  });

  it('refuses to erase an op whose result is still read', () => {
    const g = graph();
    expect(() => createRewriter(g).eraseOp(g.ops[0])).toThrow(/while its results are in use/);
  });

  it('keeps a graph output name when its replacement already has a name', () => {
    const g = graph();
    const rw = createRewriter(g);
    const [a, , , , y] = g.ops;
    rw.replaceOp(y, [a.outputs[0]]);
    expect(print(g)).toBe('graph @g(%x: f32[4]) {\n  %y = relu(%x) : f32[4]\n  return %y\n}\n');
  });

  it('refuses to give a graph input the name of an output', () => {
    const g = graph();
    const rw = createRewriter(g);
    expect(() => rw.replaceValue(g.outputs[0], g.inputs[0])).toThrow(/graph output 'y' cannot be replaced by graph input 'x'/);
  });

  it('inserts before the insertion point, or at the end without one', () => {
    const g = graph();
    const rw = createRewriter(g);
    rw.setInsertionPoint(g.ops[1]);
    const t = rw.insert('tanh', [g.inputs[0]], {});
    expect(g.ops[1]).toBe(t);
    rw.setInsertionPoint(undefined);
    const copy = rw.insertCopy(g.ops[0], { attrs: {} });
    expect(g.ops.at(-1)).toBe(copy);
    expect(copy.kind).toBe('relu');
    expect(copy.inputs).toEqual(g.ops[0].inputs);
    expect(rw.inserted).toBe(2);
  });
});
