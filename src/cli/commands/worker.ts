import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TunnelError } from '../../errors.js';
import { findPreset, readTemplate } from '../../presets/load.js';
import { renderWorkerScript } from '../../presets/worker-script.js';
import { parseName } from '../../spec/name.js';
import { resolveWorkerHead } from '../worker-head.js';
import type { SetExit } from '../set-exit.js';

interface WorkerFlags {
  head?: string;
  headPort?: string;
  scheduler?: string;
  count?: string;
  sshConfig?: string;
  workerArg?: string[];
  forwardTimeout?: string;
  forwardGiveUp?: string;
  output?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerWorker(program: Command, setExit: SetExit): void {
  program
    .command('worker')
    .argument('<preset>', 'a preset with a worker script (see `tunnel apps`), e.g. workqueue')
    .argument('<name>', 'the running or saved tunnel that publishes the manager (head node and port come from it), and the job name')
    .description('print (or -o write) a job script that starts workers which reach the manager through the head node')
    .option('--head <host>', "the head node as compute nodes reach it ([user@]host[:port] or an ssh_config alias; default: tunnel NAME's target)")
    .option('--head-port <port>', 'the port the manager is published on there (default: the one tunnel NAME allocated)')
    .option('--scheduler <name>', 'slurm (job array of --count) or none (--count workers side by side)', 'none')
    .option('--count <n>', 'how many workers', '1')
    .option('-F, --ssh-config <file>', "ssh_config for the workers' ssh (default: the node's ~/.ssh/config)")
    .option('--worker-arg <arg>', 'extra argument for the worker program (repeatable)', collect)
    .option('--forward-timeout <seconds>', 'how long each worker waits for its ssh forward (default 30)')
    .option('--forward-give-up <seconds>', 'how long a worker keeps reopening a dropped forward before it ends (default 600)')
    .option('-o, --output <file>', 'write the script here (mode 0700) instead of printing it')
    .action(async (preset: string, name: string, flags: WorkerFlags) => setExit(await runWorker(preset, name, flags)));
}

async function runWorker(presetName: string, name: string, flags: WorkerFlags): Promise<number> {
  const preset = await findPreset(presetName);
  if (preset.kind !== 'reverse' || preset.reverse.worker === undefined) {
    throw new TunnelError('BAD_OPTION', `worker: the '${presetName}' preset has no worker script (see 'tunnel apps')`, { field: 'preset' });
  }
  const { head, headPort } = await resolveWorkerHead(preset.name, parseName(name, 'NAME'), { head: flags.head, headPort: flags.headPort });
  const script = renderWorkerScript(preset, await readTemplate(preset.reverse.worker.template), {
    name,
    head,
    headPort,
    scheduler: flags.scheduler,
    count: flags.count,
    sshConfig: flags.sshConfig,
    workerArgs: flags.workerArg,
    forwardTimeout: flags.forwardTimeout,
    forwardGiveUp: flags.forwardGiveUp,
  });
  if (flags.output === undefined) {
    process.stdout.write(script);
    return 0;
  }
  await writeFile(flags.output, script, { mode: 0o700 });
  await chmod(flags.output, 0o700);
  process.stderr.write(`wrote ${flags.output}\n`);
  return 0;
}
