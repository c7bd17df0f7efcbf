/**
 * A malformed or unsuitable data file. One line: `<file>: <problem>: <what to do>`.
 * (`@octet/data` imports nothing of ours, so this is not an OctetError subclass; callers such
 * as the CLI treat both alike.)
 */
export class DataError extends Error {
  override name = 'DataError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}
