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
  if (flags.detach) return runPresetDetached(presetName, input, flags);
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

/** `up PRESET -d`: the library's start(); the report (a Jupyter token, say) is printed once and kept nowhere. */
async function runPresetDetached(presetName: string, input: PresetInput, flags: RunFlags): Promise<number> {
  const { start } = await import('../api/start.js');
  const { name, tunnel, report } = await start({ preset: { name: presetName, input }, ...upOptionsOf(runOptionsFromFlags(flags)) });
  const { lines, json } = report ?? { lines: [], json: {} };
  process.stdout.write(flags.json
    ? `${JSON.stringify({ name, state: tunnel.state, preset: presetName, forwards: tunnel.forwards, commands: tunnel.commands, supervisorPid: tunnel.supervisorPid, ...json })}\n`
    : `${name}: ${presetName} up in the background\n${lines.join('\n')}\nstop it (and the app) with: tunnel down ${name}\n`);
  return 0;
}
