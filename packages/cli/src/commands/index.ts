import type { OctetCommand } from './command.ts';
import { convert } from './convert.ts';
import { debug } from './debug.ts';
import { evaluate } from './eval.ts';
import { inspect } from './inspect.ts';
import { opt } from './opt.ts';
import { run } from './run.ts';
import { verify } from './verify.ts';

/** Every subcommand, in the order `octet --help` lists them. */
export const COMMANDS: readonly OctetCommand[] = [convert, inspect, run, verify, evaluate, debug, opt];
