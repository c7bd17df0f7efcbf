import { createRequire } from 'node:module';

/** The part of cli-progress we use (the package ships no types). */
interface SingleBar {
  start(total: number, value: number, payload?: Record<string, string>): void;
  update(value: number, payload?: Record<string, string>): void;
  stop(): void;
}
interface CliProgress {
  SingleBar: new (options: Record<string, unknown>, preset: unknown) => SingleBar;
  Presets: { shades_classic: unknown };
}

export interface Bar {
  /** Moves the bar; on a terminal only. */
  update(value: number, payload?: Record<string, string>): void;
  /** Ends the bar; off a terminal, prints `line` instead (one plain line per bar). */
  stop(line: string): void;
}

export interface Output {
  /** A line of text (the table, summaries). */
  log(line: string): void;
  /** A progress bar with a cli-progress `format` ({bar}, {value}, {total} and payload keys). */
  bar(total: number, format: string, payload?: Record<string, string>): Bar;
}

/**
 * Progress bars on a terminal, plain lines elsewhere (CI logs, pipes, the smoke test): a bar's
 * final figures are printed once, as one line, when it stops.
 */
export function consoleOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  const tty = stream.isTTY === true;
  const cli = tty ? (createRequire(import.meta.url)('cli-progress') as CliProgress) : undefined;
  return {
    log: (line) => void stream.write(line + '\n'),
    bar(total, format, payload = {}) {
      if (!cli) return { update() {}, stop: (line) => void stream.write(line + '\n') };
      const bar = new cli.SingleBar({ format, stream, hideCursor: true, clearOnComplete: false, fps: 10 }, cli.Presets.shades_classic);
      bar.start(total, 0, payload);
      return { update: (v, p) => bar.update(v, p), stop: () => bar.stop() };
    },
  };
}

/** Collects lines only (tests, library use). */
export function silentOutput(lines: string[] = []): Output & { lines: string[] } {
  return { lines, log: (l) => void lines.push(l), bar: () => ({ update() {}, stop: (l) => void lines.push(l) }) };
}
