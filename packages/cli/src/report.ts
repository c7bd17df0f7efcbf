/**
 * How the command reports a failure: a user's problem (an OctetError, or the one-line errors of
 * `@octet/data` and `@octet/litert`, which import nothing of ours and so extend plain Error) prints
 * as `octet: <message>` (one line per problem, never a stack trace) and exits 1; anything else is a
 * bug in Octet and prints its stack, exiting 2.
 */
export async function reportError(e: unknown, write: (text: string) => void): Promise<number> {
  // Loaded here, not at startup: `octet --version` should not pay for these packages.
  const [{ OctetError }, { DataError }, { LiteRtError }] = await Promise.all([import('@octet/ir'), import('@octet/data'), import('@octet/litert')]);
  if (e instanceof OctetError || e instanceof DataError || e instanceof LiteRtError) {
    for (const line of e.message.split('\n')) write(`octet: ${line}\n`);
    return 1;
  }
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  write(`octet: internal error (a bug in Octet; please report it with what follows)\n${detail}\n`);
  return 2;
}
