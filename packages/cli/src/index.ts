export { createProgram, main } from './main.ts';
export type { OctetCommand } from './commands/command.ts';
