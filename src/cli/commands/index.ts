import type { Command } from 'commander';
import { registerUp } from './up.js';

/** Commands report their exit code here; only main() applies it. */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerUp(program, setExit);
}
