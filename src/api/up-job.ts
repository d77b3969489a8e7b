import { prepareJob, startJob, upJob, type JobTunnelOptions } from './job.js';
import type { PreparedUp } from './up-types.js';

/** A tunnel to a scheduler job's node: the batch script is rendered and checked here, nothing submitted yet. */
export async function prepareJobUp(options: JobTunnelOptions): Promise<PreparedUp> {
  const prepared = await prepareJob(options);
  return {
    kind: 'job',
    presetName: prepared.preset?.name,
    dryRun: async (json) =>
      json ? `${JSON.stringify(prepared.dryRunJson())}\n` : `${(await prepared.dryRun()).join('\n')}\n`,
    open: (openOptions) => upJob(prepared, openOptions),
    start: (startOptions) => startJob(prepared, startOptions),
  };
}
