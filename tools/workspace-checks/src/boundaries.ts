import { posix } from 'node:path';
import { MAY_IMPORT, NO_TFJS, SCOPE, TEST_ONLY } from './rules.ts';

/** One workspace package under packages/, as the check sees it (read from disk, or built in a test). */
export interface PackageInfo {
  /** The directory name under packages/ (`ir`), which is also the name after `@octet/`. */
  readonly dir: string;
  /** The "name" of its package.json. */
  readonly name: string;
  readonly dependencies: readonly string[];
  readonly devDependencies: readonly string[];
  /** Module specifiers imported by each file, keyed by path relative to the package (`src/x.ts`). */
  readonly sources: ReadonlyMap<string, readonly string[]>;
  readonly tests: ReadonlyMap<string, readonly string[]>;
}

export interface Rules {
  readonly mayImport: Readonly<Record<string, readonly string[] | '*'>>;
  readonly testOnly: readonly string[];
  readonly noTfjs: readonly string[];
}

const DESIGN_RULES: Rules = { mayImport: MAY_IMPORT, testOnly: TEST_ONLY, noTfjs: NO_TFJS };

/** Every violation of the dependency rules, one line each, naming the file and what to do. */
export function checkBoundaries(packages: readonly PackageInfo[], rules: Rules = DESIGN_RULES): string[] {
  const known = new Set(packages.map((p) => p.dir));
  const problems: string[] = [];
  for (const p of packages) {
    const where = `packages/${p.dir}`;
    const allowed = rules.mayImport[p.dir];
    if (p.name !== `${SCOPE}${p.dir}`) problems.push(`${where}/package.json: name '${p.name}' should be '${SCOPE}${p.dir}' (the directory name)`);
    if (allowed === undefined) {
      problems.push(`${where}: not in the dependency table (DESIGN.md §2): add it to MAY_IMPORT in tools/workspace-checks/src/rules.ts`);
      continue;
    }
    const mayUse = (target: string) => target !== p.dir && (allowed === '*' || allowed.includes(target));
    const rule = allowed === '*' ? 'any package' : allowed.length ? `only ${allowed.join(', ')}` : 'no package of ours';

    for (const dep of ours(p.dependencies)) {
      if (rules.testOnly.includes(dep)) problems.push(`${where}/package.json: ${SCOPE}${dep} is test-only: move it to devDependencies`);
      else if (!mayUse(dep)) problems.push(`${where}/package.json: depends on ${SCOPE}${dep}, but ${p.dir} may import ${rule} (DESIGN.md §2)`);
    }

    for (const [file, specs] of p.sources) {
      const at = `${where}/${file}`;
      for (const spec of specs) {
        if (spec.startsWith('@tensorflow/') && rules.noTfjs.includes(p.dir)) {
          problems.push(`${at}: imports '${spec}': ${p.dir} never imports tfjs (an input format and a test oracle, DESIGN.md §2)`);
        }
        problems.push(...checkRelative(at, file, spec));
        const target = ourTarget(spec);
        if (target === undefined) continue;
        if (spec !== `${SCOPE}${target}`) problems.push(`${at}: imports '${spec}', inside another package: import '${SCOPE}${target}' (its index)`);
        if (!known.has(target)) problems.push(`${at}: imports '${spec}', which is not a package under packages/`);
        else if (target === p.dir) problems.push(`${at}: imports its own package by name: use a relative import`);
        else if (rules.testOnly.includes(target)) problems.push(`${at}: imports '${spec}', which is test-only: only test files may use it`);
        else if (!mayUse(target)) problems.push(`${at}: imports '${spec}', but ${p.dir} may import ${rule} (DESIGN.md §2)`);
        else if (!p.dependencies.includes(`${SCOPE}${target}`)) problems.push(`${at}: imports '${spec}', not declared in ${where}/package.json "dependencies"`);
      }
    }

    for (const [file, specs] of p.tests) {
      const at = `${where}/${file}`;
      for (const spec of specs) {
        problems.push(...checkRelative(at, file, spec));
        const target = ourTarget(spec);
        if (target === undefined || target === p.dir) continue;
        const name = `${SCOPE}${target}`;
        if (!p.dependencies.includes(name) && !p.devDependencies.includes(name)) {
          problems.push(`${at}: imports '${spec}', declared in neither "dependencies" nor "devDependencies" of ${where}/package.json`);
        }
      }
    }
  }
  return problems;
}

/** `@octet/ir` and `@octet/ir/src/x.ts` → `ir`; anything else → undefined. */
function ourTarget(spec: string): string | undefined {
  return spec.startsWith(SCOPE) ? spec.slice(SCOPE.length).split('/')[0] : undefined;
}

function ours(deps: readonly string[]): string[] {
  return deps.filter((d) => d.startsWith(SCOPE)).map((d) => d.slice(SCOPE.length));
}

/** A relative import must stay inside its package: another package is reached by its name. */
function checkRelative(at: string, file: string, spec: string): string[] {
  if (!spec.startsWith('.')) return [];
  const resolved = posix.normalize(posix.join(posix.dirname(file), spec));
  return resolved.startsWith('../') ? [`${at}: imports '${spec}', outside its package: import the other package by its name`] : [];
}
