import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from './errors.ts';

/** Text a command read, with the name its diagnostics use (`<stdin>` for `-`). */
export interface Input {
  readonly name: string;
  readonly text: string;
}

export const STDIN = '-';

export async function readInput(file: string): Promise<Input> {
  if (file === STDIN) return { name: '<stdin>', text: await readStdin() };
  try {
    return { name: file, text: await readFile(file, 'utf8') };
  } catch (e) {
    throw new CliError(`cannot read '${file}': ${describeFsError(e)}`);
  }
}

/** Writes to `file`, or to standard output when it is absent or `-`. */
export async function writeOutput(file: string | undefined, text: string): Promise<void> {
  if (file === undefined || file === STDIN) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(file, text);
  } catch (e) {
    throw new CliError(`cannot write '${file}': ${describeFsError(e)}`);
  }
}

/** A whole binary file (a .tflite), with a one-line error naming it. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new CliError(`cannot read '${file}': ${describeFsError(e)}`);
  }
}

/** The temporary file `writeAtomic` writes beside `file` before renaming it (hidden, named after the process). */
export function temporaryBeside(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
}

/**
 * Writes `file` whole or not at all: a temporary file in the same folder (same file system, so the
 * rename is atomic), then a rename over the target. On failure the temporary file is removed and
 * the target is left as it was.
 */
export async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = temporaryBeside(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined); // nothing to remove when the write itself failed
    throw new CliError(`cannot write '${file}': ${describeFsError(e)}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  ENOTDIR: 'a parent is not a directory',
};

export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && FS_ERRORS[code]) ?? (e instanceof Error ? e.message : String(e));
}
