import type { Command } from 'commander';

/**
 * One `octet` subcommand, declared in one file under commands/ and listed in commands/index.ts.
 * `create` declares the arguments, options, help and action. Keep a command module's top-level
 * imports light (commander, node:*, `import type`) and load packages inside the action with
 * `await import()`: every command module is loaded at startup, and `octet --version` or another
 * command should not pay for this one's dependencies.
 */
export interface OctetCommand {
  readonly create: () => Command;
  /** Runs before the command parses its arguments, also for its --help: loads what the help lists. */
  readonly prepare?: (command: Command) => Promise<void>;
}
