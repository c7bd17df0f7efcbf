/**
 * A failure reported by LiteRT (or by our checks before handing it a model): one line, with the
 * runtime's own `ERROR:` messages when it logged any. `@octet/litert` imports nothing of ours, so
 * this is not an OctetError subclass; callers treat both alike.
 */
export class LiteRtError extends Error {
  override name = 'LiteRtError';
  constructor(
    message: string,
    /** The `ERROR:` lines the runtime logged for this failure, if any. */
    readonly runtimeErrors: readonly string[] = [],
  ) {
    super(message);
  }
}
