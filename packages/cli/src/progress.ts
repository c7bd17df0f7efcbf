import { createRequire } from 'node:module';

/** The part of cli-progress we use (the package ships no types). */
interface SingleBar {
  start(total: number, value: number, payload?: Record<string, string>): void;
  update(value: number, payload?: Record<string, string>): void;
  setTotal(total: number): void;
  stop(): void;
}
interface CliProgress {
  SingleBar: new (options: Record<string, unknown>, preset: unknown) => SingleBar;
  Presets: { shades_classic: unknown };
}

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const QUIET: Progress = { update() {}, stop() {} };

/**
 * A progress bar on standard error when it is a terminal; nothing otherwise (pipes, CI logs, the
 * tests), so that a command's output is the same wherever it runs. `total` may be unknown at first
 * (a JS-module dataset): the bar then counts without a fraction until `update` gives one.
 */
export function progressBar(label: string, total?: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true) return QUIET;
  const cli = createRequire(import.meta.url)('cli-progress') as CliProgress;
  const known = total !== undefined;
  const format = known ? `${label} {bar} {value}/{total} ({percentage}%) {eta_formatted}` : `${label} {value}`;
  const bar = new cli.SingleBar({ format, stream, hideCursor: true, clearOnComplete: true, fps: 10 }, cli.Presets.shades_classic);
  bar.start(total ?? 0, 0);
  return {
    update(done, newTotal) {
      if (newTotal !== undefined && newTotal !== total) {
        total = newTotal;
        bar.setTotal(newTotal);
      }
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}
