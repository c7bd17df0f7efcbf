import { relative } from 'node:path';
import { Node, SyntaxKind, type ArrowFunction, type Expression, type FunctionDeclaration, type FunctionExpression, type ObjectLiteralExpression, type Project, type SourceFile, type Type } from 'ts-morph';
import { CoverageError } from './errors.ts';
import { unwrap } from './expressions.ts';
import { propertyName } from './registry.ts';

/** What a table says about one op kind. A hole is an op with no entry (or `undefined`) and no `unsupported(reason)`. */
export type Cell = { readonly status: 'supported' } | { readonly status: 'unsupported'; readonly reason: string } | { readonly status: 'hole' };

/** An exhaustive per-op table found in the sources: the kernels, emitter rules, reader rules, ... */
export interface ConsumerTable {
  /** `<package>/<variable>`, e.g. `interpreter/floatKernels`. */
  readonly title: string;
  /** Relative to the project root. */
  readonly file: string;
  readonly line: number;
  readonly cells: ReadonlyMap<string, Cell>;
  /** Keys that are not op kinds (a removed or misspelt op). */
  readonly unknownKeys: readonly string[];
}

const SUPPORTED: Cell = { status: 'supported' };
const HOLE: Cell = { status: 'hole' };
/** How far `const LATER = unsupported('...')` chains are followed. */
const MAX_ALIAS_DEPTH = 8;

/**
 * Finds every object literal in packages/*\/src whose checked type is a table over exactly the op
 * kinds, each required: `{...} satisfies OpTable<X>`, `satisfies { [K in OpKind]: ... }` (or an alias
 * of either), or `const t: OpTable<X> = {...}`. `Partial<Record<OpKind, X>>` is not a table.
 */
export function discoverTables(project: Project, root: string, opKinds: readonly string[]): ConsumerTable[] {
  const tables: ConsumerTable[] = [];
  for (const file of project.getSourceFiles()) {
    for (const { literal, type } of typedLiterals(file)) {
      if (isOpTableType(type, opKinds)) tables.push(readTable(literal, root, opKinds));
    }
  }
  return tables.sort((a, b) => a.title.localeCompare(b.title));
}

function* typedLiterals(file: SourceFile): Generator<{ literal: ObjectLiteralExpression; type: Type }> {
  for (const sat of file.getDescendantsOfKind(SyntaxKind.SatisfiesExpression)) {
    const literal = unwrap(sat.getExpression());
    if (Node.isObjectLiteralExpression(literal)) yield { literal, type: sat.getTypeNodeOrThrow().getType() };
  }
  for (const decl of file.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const typeNode = decl.getTypeNode();
    const init = decl.getInitializer();
    const literal = init && unwrap(init);
    // A literal that is also `satisfies`-checked was yielded above.
    if (typeNode && literal && Node.isObjectLiteralExpression(literal) && !Node.isSatisfiesExpression(init)) yield { literal, type: typeNode.getType() };
  }
}

function isOpTableType(type: Type, opKinds: readonly string[]): boolean {
  const props = type.getProperties();
  if (props.length !== opKinds.length || props.some((p) => p.isOptional())) return false;
  const names = new Set(props.map((p) => p.getName()));
  return opKinds.every((k) => names.has(k));
}

function readTable(literal: ObjectLiteralExpression, root: string, opKinds: readonly string[]): ConsumerTable {
  const file = relative(root, literal.getSourceFile().getFilePath());
  const pkg = /^packages\/([^/]+)\//.exec(file)?.[1] ?? file;
  const decl = literal.getFirstAncestorByKind(SyntaxKind.VariableDeclaration);
  const line = literal.getStartLineNumber();
  const entries = new Map<string, Cell>();
  readEntries(literal, entries, `${file}:${line}`);
  const cells = new Map<string, Cell>(opKinds.map((k) => [k, entries.get(k) ?? HOLE]));
  return {
    title: `${pkg}/${decl?.getName() ?? `line${line}`}`,
    file,
    line,
    cells,
    unknownKeys: [...entries.keys()].filter((k) => !opKinds.includes(k)),
  };
}

/** Reads entries in source order (a later key overrides an earlier one, as in JavaScript). */
function readEntries(literal: ObjectLiteralExpression, into: Map<string, Cell>, where: string): void {
  for (const p of literal.getProperties()) {
    if (Node.isPropertyAssignment(p)) {
      const name = p.getNameNode();
      if (Node.isComputedPropertyName(name)) throw new CoverageError(`${where}: computed key ${name.getText()} in an op table: write the op kind as a plain key`);
      into.set(propertyName(name), classify(p.getInitializerOrThrow(), 0));
    } else if (Node.isShorthandPropertyAssignment(p)) {
      const decl = p.getValueSymbol()?.getDeclarations()[0];
      into.set(p.getName(), decl ? classifyDeclaration(decl, 0) : SUPPORTED);
    } else if (Node.isSpreadAssignment(p)) {
      const spread = resolveLiteral(p.getExpression());
      if (!spread) throw new CoverageError(`${where}: cannot read the spread '...${p.getExpression().getText()}': spread an object literal held in a const`);
      readEntries(spread, into, where);
    } else {
      // A method or accessor: an entry with code.
      into.set(propertyName(p.getNameNode()), SUPPORTED);
    }
  }
}

function resolveLiteral(expr: Expression): ObjectLiteralExpression | undefined {
  const e = unwrap(expr);
  if (Node.isObjectLiteralExpression(e)) return e;
  if (!Node.isIdentifier(e)) return undefined;
  const decl = declarationOf(e);
  const init = decl && Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
  const literal = init && unwrap(init);
  return literal && Node.isObjectLiteralExpression(literal) ? literal : undefined;
}

/** Parameter bindings of a helper being looked through: name → its argument's string value. */
type Env = ReadonlyMap<string, string | undefined>;
const NO_ENV: Env = new Map();

/**
 * `unsupported('why')` (directly, through consts, or returned by a one-line helper such as
 * `const irOnly = (pass) => unsupported(\`... ${pass} ...\`)`), `undefined`, or anything else (an entry).
 */
function classify(expr: Node, depth: number, env: Env = NO_ENV): Cell {
  const e = unwrap(expr);
  if (Node.isCallExpression(e)) {
    const args = e.getArguments();
    if (calleeName(e.getExpression()) === 'unsupported') return { status: 'unsupported', reason: reasonOf(args[0], env) };
    const fn = functionOf(e.getExpression());
    const body = fn && depth < MAX_ALIAS_DEPTH ? returnedExpression(fn) : undefined;
    if (!fn || !body) return SUPPORTED;
    const bindings = new Map(fn.getParameters().map((p, i) => [p.getName(), args[i] && evalString(args[i], env, depth)]));
    return classify(body, depth + 1, bindings);
  }
  if (Node.isObjectLiteralExpression(e)) {
    const u = e.getProperty('unsupported');
    return u && Node.isPropertyAssignment(u) ? { status: 'unsupported', reason: reasonOf(u.getInitializer(), env) } : SUPPORTED;
  }
  if (e.getKind() === SyntaxKind.UndefinedKeyword || e.getKind() === SyntaxKind.NullKeyword || (Node.isIdentifier(e) && e.getText() === 'undefined')) return HOLE;
  if (Node.isIdentifier(e)) {
    const decl = declarationOf(e);
    return decl ? classifyDeclaration(decl, depth) : SUPPORTED;
  }
  return SUPPORTED;
}

/** The called function's declared name, through import renames (`import { unsupported as no }`). */
function calleeName(callee: Node): string {
  const e = unwrap(callee);
  const decl = Node.isIdentifier(e) || Node.isPropertyAccessExpression(e) ? declarationOf(e) : undefined;
  if (decl && (Node.isFunctionDeclaration(decl) || Node.isVariableDeclaration(decl))) return decl.getName() ?? '';
  return Node.isIdentifier(e) ? e.getText() : Node.isPropertyAccessExpression(e) ? e.getName() : '';
}

function classifyDeclaration(decl: Node, depth: number): Cell {
  const init = Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
  return init && depth < MAX_ALIAS_DEPTH ? classify(init, depth + 1) : SUPPORTED;
}

/** The function a callee names: `function f() {}`, `const f = () => ...` or `const f = function () {}`. */
function functionOf(callee: Node): FunctionDeclaration | ArrowFunction | FunctionExpression | undefined {
  const e = unwrap(callee);
  const decl = Node.isIdentifier(e) ? declarationOf(e) : undefined;
  if (decl && Node.isFunctionDeclaration(decl)) return decl;
  const init = decl && Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
  const fn = init && unwrap(init);
  return fn && (Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) ? fn : undefined;
}

/** What a function returns when its body is one expression or one `return`. */
function returnedExpression(fn: FunctionDeclaration | ArrowFunction | FunctionExpression): Node | undefined {
  const body = fn.getBody();
  if (!body) return undefined;
  if (!Node.isBlock(body)) return body;
  const statements = body.getStatements();
  return statements.length === 1 && Node.isReturnStatement(statements[0]) ? statements[0].getExpression() : undefined;
}

function reasonOf(arg: Node | undefined, env: Env): string {
  if (!arg) return '(no reason given)';
  return evalString(arg, env, 0) ?? unwrap(arg).getText();
}

/** The value of a string-valued expression made of literals, templates, `+`, consts and bound parameters. */
function evalString(node: Node, env: Env, depth: number): string | undefined {
  const e = unwrap(node);
  if (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e) || Node.isNumericLiteral(e)) return e.getLiteralText();
  if (Node.isTemplateExpression(e)) {
    let out = e.getHead().getLiteralText();
    for (const span of e.getTemplateSpans()) {
      const v = evalString(span.getExpression(), env, depth);
      if (v === undefined) return undefined;
      out += v + span.getLiteral().getLiteralText();
    }
    return out;
  }
  if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
    const [l, r] = [evalString(e.getLeft(), env, depth), evalString(e.getRight(), env, depth)];
    return l === undefined || r === undefined ? undefined : l + r;
  }
  if (Node.isIdentifier(e)) {
    if (env.has(e.getText())) return env.get(e.getText());
    const decl = declarationOf(e);
    const init = decl && Node.isVariableDeclaration(decl) ? decl.getInitializer() : undefined;
    return init && depth < MAX_ALIAS_DEPTH ? evalString(init, NO_ENV, depth + 1) : undefined;
  }
  return undefined;
}

function declarationOf(id: Node): Node | undefined {
  let symbol = id.getSymbol();
  if (symbol?.isAlias()) symbol = symbol.getAliasedSymbol();
  return symbol?.getDeclarations()[0];
}
