import { readFile, writeFile } from 'node:fs/promises';
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

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return (code && FS_ERRORS[code]) ?? (e instanceof Error ? e.message : String(e));
}
