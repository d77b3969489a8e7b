import type { Command } from 'commander';
import type { SetExit } from '../set-exit.js';
import { registerCompletion } from './completion.js';
import { registerService } from './service.js';
import { registerConfig } from './config.js';
import { registerDemo } from './demo.js';
import { registerDown } from './down.js';
import { registerInit } from './init.js';
import { registerLogs } from './logs.js';
import { registerLs } from './ls.js';
import { registerStatus } from './status.js';
import { registerSupervise } from './supervise.js';
import { registerUp } from './up.js';
import { registerSave } from './save.js';
import { registerRm } from './rm.js';
import { registerDoctor } from './doctor.js';
import { registerApps } from './apps.js';
import { registerWorker } from './worker.js';
import { registerAuth } from './auth.js';

/** Every command, in the order --help lists them. */
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
  registerDemo(program, setExit);
  registerInit(program, setExit);
  registerApps(program, setExit);
  registerWorker(program, setExit);
  registerAuth(program, setExit);
}
