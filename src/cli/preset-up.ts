import { newRunId } from '../plan/index.js';
import { startDetached } from '../daemon/detach.js';
import { takeSecretReport } from '../daemon/secrets.js';
import { resolvePresetUp, startPreset, type PresetInput, type StartedPreset } from '../presets/index.js';
import { runForeground } from './foreground.js';
import { describeTunnel, tunnelJson } from './render.js';
import { runOptionsFromFlags, upOptionsOf, type RunFlags } from './run-flags.js';

/** `tunnel up <preset>`: start the app, bring the tunnel up, say how to use it; down stops both. */
export async function runPresetUp(presetName: string, input: PresetInput, flags: RunFlags): Promise<number> {
  const presetUp = await resolvePresetUp(presetName, input);
  const run = runOptionsFromFlags(flags);
  if (flags.dryRun) {
    process.stdout.write(`${presetUp.dryRun().join('\n')}\n`);
    return 0;
  }
  if (flags.detach) return runPresetDetached(presetName, input, flags, run);
  let started: StartedPreset | undefined;
  return runForeground({
    json: flags.json === true,
    start: async (signal) => {
      started = await startPreset(presetUp, upOptionsOf(run, signal), { onLine: (line: string) => void (flags.json || process.stderr.write(`${line}\n`)) });
      return started.tunnel;
    },
    announce: (tunnel) => {
      const report = started!.report;
      process.stdout.write(flags.json
        ? `${JSON.stringify({ ...tunnelJson(tunnel), preset: presetName, ...report.json })}\n`
        : `${describeTunnel(tunnel.plan, tunnel.forwards())}\n${report.lines.join('\n')}\nPress Ctrl-C to stop.\n`);
    },
    after: async () => started?.session.cleanup(),
  });
}

async function runPresetDetached(presetName: string, input: PresetInput, flags: RunFlags, run: ReturnType<typeof runOptionsFromFlags>): Promise<number> {
  const name = input.name ?? `${presetName}-${newRunId().slice(0, 6)}`;
  const record = await startDetached(name, { spec: undefined, preset: { name: presetName, input: { ...input, name } }, ...run });
  const report = (await takeSecretReport(name)) ?? record.preset?.report ?? { lines: [], json: {} };
  process.stdout.write(flags.json
    ? `${JSON.stringify({ name, state: record.state, preset: presetName, forwards: record.forwards, commands: record.commands, supervisorPid: record.supervisorPid, ...report.json })}\n`
    : `${name}: ${presetName} up in the background\n${report.lines.join('\n')}\nstop it (and the app) with: tunnel down ${name}\n`);
  return 0;
}
