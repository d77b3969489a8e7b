import type { Command } from 'commander';
import { registerCompletion } from './completion.js';
import { registerService } from './service.js';
import { registerConfig } from './config.js';
import { registerDown } from './down.js';
import { registerLogs } from './logs.js';
import { registerLs } from './ls.js';
import { registerStatus } from './status.js';
import { registerSupervise } from './supervise.js';
import { registerUp } from './up.js';
import { registerSave } from './save.js';
import { registerRm } from './rm.js';
import { registerDoctor } from './doctor.js';

/** Commands report their exit code here; only main() applies it. */
export type SetExit = (code: number) => void;

export function registerCommands(program: Command, setExit: SetExit): void {
  registerUp(program, setExit);
  registerSave(program, setExit);
  registerRm(program, setExit);
  registerDoctor(program, setExit);
  registerConfig(program, setExit);
  registerLs(program, setExit);
  registerStatus(program, setExit);
  registerLogs(program, setExit);
  registerDown(program, setExit);
  registerCompletion(program, setExit);
  registerService(program, setExit);
  registerSupervise(program, setExit);
}
