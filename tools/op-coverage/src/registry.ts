import { join } from 'node:path';
import { Node, type Project } from 'ts-morph';
import { CoverageError } from './errors.ts';
import { unwrap } from './expressions.ts';

export const REGISTRY_FILE = 'packages/ir/src/ops.ts';
export const REGISTRY_NAME = 'OPS';

/** The op kinds: the keys of the `OPS` object literal in packages/ir/src/ops.ts, in declaration order. */
export function readOpKinds(project: Project, root: string): string[] {
  const file = project.getSourceFile(join(root, REGISTRY_FILE));
  if (!file) throw new CoverageError(`no op registry: ${REGISTRY_FILE} is missing under ${root}`);
  const init = file.getVariableDeclaration(REGISTRY_NAME)?.getInitializer();
  const literal = init && unwrap(init);
  if (!literal || !Node.isObjectLiteralExpression(literal)) {
    throw new CoverageError(`${REGISTRY_FILE}: expected 'const ${REGISTRY_NAME} = { ... }', an object literal keyed by op kind`);
  }
  return literal.getProperties().map((p) => {
    if (Node.isPropertyAssignment(p) || Node.isShorthandPropertyAssignment(p)) return propertyName(p.getNameNode());
    throw new CoverageError(`${REGISTRY_FILE}:${p.getStartLineNumber()}: every entry of ${REGISTRY_NAME} must be 'kind: defineOp(...)', got ${p.getKindName()}`);
  });
}

/** `conv_2d`, `'conv_2d'` and `"conv_2d"` all name the key conv_2d. */
export function propertyName(name: Node): string {
  if (Node.isStringLiteral(name) || Node.isNoSubstitutionTemplateLiteral(name)) return name.getLiteralText();
  return name.getText();
}
