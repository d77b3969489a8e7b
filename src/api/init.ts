import type { InitResult, InitRun } from '../init/run.js';
import type { Prompter } from '../init/prompter.js';

export type { InitRun, InitResult } from '../init/run.js';
export type { Prompter } from '../init/prompter.js';

/** `tunnel init`: the first-time wizard's checks and files; `prompter` asks the questions (inquirer's, or a script's own). */
export async function init(run: InitRun): Promise<InitResult> {
  const { runInit } = await import('../init/run.js');
  return runInit(run);
}

/** The interactive prompter `tunnel init` uses at a terminal (inquirer, loaded only here). */
export async function loadInquirerPrompter(): Promise<Prompter> {
  const { loadInquirerPrompter: load } = await import('../init/prompter.js');
  return load();
}
