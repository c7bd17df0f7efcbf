/** The coverage tool cannot read the project (no registry, a table it cannot parse): exit 2. */
export class CoverageError extends Error {
  override name = 'CoverageError';
}
