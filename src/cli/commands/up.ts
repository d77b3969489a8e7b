import type { Command } from 'commander';
import type { PreparedUp, Session } from '../../api/up.js';
import { addJobFlags, jobOptionsFromFlags, type JobFlags } from '../job-flags.js';
import { addPresetFlags, presetOptionsFromFlags, type PresetFlags } from '../preset-flags.js';
import { addRunFlags, runOptionsFromFlags, type RunFlags } from '../run-flags.js';
import type { SetExit } from '../set-exit.js';
import { addTunnelFlags, tunnelOptionsFromFlags, type TunnelFlags } from '../tunnel-flags.js';

type UpFlags = TunnelFlags & RunFlags & PresetFlags & JobFlags;

export function registerUp(program: Command, setExit: SetExit): void {
  const command = program
    .command('up')
    .argument(
      '[name]',
      'a saved tunnel (tunnel save) or an app preset (tunnel apps); flags given here override its settings',
    )
    .description('bring a tunnel up and keep it up until Ctrl-C (or in the background with -d)');
  addJobFlags(addPresetFlags(addRunFlags(addTunnelFlags(command)))).action(
    async (name: string | undefined, flags: UpFlags) => setExit(await runUp(name, flags)),
  );
}

// Everything below `up` needs (the supervisor, presets, the store) is imported on use: `tunnel ls` and --help never load it.
async function runUp(name: string | undefined, flags: UpFlags): Promise<number> {
  const { prepareUp } = await import('../../api/up.js');
  const prepared = await prepareUp({
    name,
    tunnel: tunnelOptionsFromFlags(flags),
    preset: presetOptionsFromFlags(flags),
    job: jobOptionsFromFlags(flags),
  });
  const json = flags.json === true;
  if (flags.dryRun) {
    process.stdout.write(await prepared.dryRun(json));
    return 0;
  }
  return flags.detach ? runDetached(prepared, flags, json) : runAttached(prepared, flags, json);
}

/** Foreground: up until Ctrl-C; a job's wait is shown while it lasts, a requeue is announced again. */
async function runAttached(prepared: PreparedUp, flags: UpFlags, json: boolean): Promise<number> {
  const [{ runForeground }, { jobReporter }, { readyOutput }] = await Promise.all([
    import('../foreground.js'),
    import('../job-report.js'),
    import('../up-output.js'),
  ]);
  const report = jobReporter(json);
  const announce = (session: Session, heading?: string) => process.stdout.write(readyOutput(session, json, heading));
  return runForeground({
    json,
    open: async (signal) => {
      const session = await prepared
        .open({
          ...runOptionsFromFlags(flags),
          signal,
          onEvent: (event) => report.event(event),
          onProgress: (line) => void (json || process.stderr.write(`${line}\n`)),
        })
        .finally(() => report.done());
      session.onMoved((moved) => {
        const job = moved.job()?.job();
        announce(moved, `job ${job?.id ?? '?'} was requeued and runs again on ${job?.node ?? '?'}:`);
      });
      return session;
    },
    announce: (session) => announce(session),
  });
}

/** `up -d`: the library's start(); a Ctrl-C while it starts (a job still queued) stops what it started. */
async function runDetached(prepared: PreparedUp, flags: UpFlags, json: boolean): Promise<number> {
  const [{ abortOnSignals }, { jobReporter }, { startedOutput }, { exitCodeForSignal }] = await Promise.all([
    import('../foreground.js'),
    import('../job-report.js'),
    import('../up-output.js'),
    import('../exit-codes.js'),
  ]);
  const report = jobReporter(json);
  const started = await abortOnSignals((signal) =>
    prepared
      .start({
        ...runOptionsFromFlags(flags),
        signal,
        onEvent: (event) => report.event(event),
        authenticateHere: canPrompt(),
      })
      .finally(() => report.done()),
  );
  if (started.value === undefined) return exitCodeForSignal(started.caught);
  const { stdout, stderr } = startedOutput(started.value, prepared.presetName, json);
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  return 0;
}

/** ssh can ask a person: on a terminal, or through SSH_ASKPASS when OpenSSH is told to use it regardless (SSH_ASKPASS_REQUIRE=force). */
function canPrompt(): boolean {
  return (
    process.stdin.isTTY === true ||
    (process.env.SSH_ASKPASS_REQUIRE === 'force' && (process.env.SSH_ASKPASS ?? '') !== '')
  );
}
