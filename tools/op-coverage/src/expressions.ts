import { Node } from 'ts-morph';

/** Strips what does not change a value: `( )`, `as const`, `satisfies T`, `!`. */
export function unwrap(node: Node): Node {
  let n = node;
  for (;;) {
    if (Node.isParenthesizedExpression(n) || Node.isAsExpression(n) || Node.isSatisfiesExpression(n) || Node.isNonNullExpression(n)) {
      n = n.getExpression();
    } else return n;
  }
}
