import { chmod, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { TunnelError } from '../../errors.js';
import { findPreset, readTemplate } from '../../presets/load.js';
import { renderWorkerScript } from '../../presets/worker-script.js';
import type { SetExit } from './index.js';

interface WorkerFlags {
  head?: string;
  headPort?: string;
  scheduler?: string;
  count?: string;
  sshConfig?: string;
  workerArg?: string[];
  forwardTimeout?: string;
  output?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerWorker(program: Command, setExit: SetExit): void {
  program
    .command('worker')
    .argument('<preset>', 'a preset with a worker script (see `tunnel apps`), e.g. workqueue')
    .argument('<name>', 'the job name (SBATCH --job-name, log prefix)')
    .description('print (or -o write) a job script that starts workers which reach the manager through the head node')
    .option('--head <host>', 'the head node as compute nodes reach it ([user@]host[:port] or an ssh_config alias)')
    .option('--head-port <port>', 'the port `tunnel up` reported on the head node')
    .option('--scheduler <name>', 'slurm (job array of --count) or none (--count workers side by side)', 'none')
    .option('--count <n>', 'how many workers', '1')
    .option('-F, --ssh-config <file>', "ssh_config for the workers' ssh (default: the node's ~/.ssh/config)")
    .option('--worker-arg <arg>', 'extra argument for the worker program (repeatable)', collect)
    .option('--forward-timeout <seconds>', 'how long each worker waits for its ssh forward (default 30)')
    .option('-o, --output <file>', 'write the script here (mode 0700) instead of printing it')
    .action(async (preset: string, name: string, flags: WorkerFlags) => setExit(await runWorker(preset, name, flags)));
}

async function runWorker(presetName: string, name: string, flags: WorkerFlags): Promise<number> {
  if (flags.head === undefined) throw new TunnelError('BAD_OPTION', 'worker: pass --head HOST, the head node as the compute nodes reach it', { field: '--head' });
  if (flags.headPort === undefined) throw new TunnelError('BAD_OPTION', "worker: pass --head-port PORT, the port 'tunnel up' reported on the head node", { field: '--head-port' });
  const preset = await findPreset(presetName);
  if (preset.kind !== 'reverse' || preset.reverse.worker === undefined) {
    throw new TunnelError('BAD_OPTION', `worker: the '${presetName}' preset has no worker script (see 'tunnel apps')`, { field: 'preset' });
  }
  const script = renderWorkerScript(preset, await readTemplate(preset.reverse.worker.template), {
    name,
    head: flags.head,
    headPort: flags.headPort,
    scheduler: flags.scheduler,
    count: flags.count,
    sshConfig: flags.sshConfig,
    workerArgs: flags.workerArg,
    forwardTimeout: flags.forwardTimeout,
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
