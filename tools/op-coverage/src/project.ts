import { join } from 'node:path';
import { Project, ts } from 'ts-morph';

/**
 * A ts-morph project over `<root>/packages/*\/src/**\/*.ts`, resolving `@octet/<name>` to
 * `packages/<name>/src/index.ts` by path mapping, so that a fixture without node_modules resolves
 * like the repository does. Only table types and identifiers are asked of the checker.
 */
export function createProject(root: string): Project {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    // The checker still follows imports; the project's own file list stays packages/*/src.
    skipFileDependencyResolution: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: [],
      // Table types need only the basic utility types (Record, Partial): parsing the full ES2022 lib would double the time.
      lib: ['lib.es5.d.ts'],
      baseUrl: root,
      paths: { '@octet/*': ['packages/*/src/index.ts'] },
    },
  });
  project.addSourceFilesAtPaths(join(root, 'packages/*/src/**/*.ts'));
  return project;
}
