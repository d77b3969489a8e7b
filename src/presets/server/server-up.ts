import { plan as planTunnel } from '../../supervise/up.js';
import { newRunId } from '../../plan/index.js';
import { shJoin } from '../../plan/quote.js';
import { parseInteger } from '../../model/tunnel.js';
import { freeLocalPort } from './local-port.js';
import type { PresetInput } from '../options.js';
import { planServer, tunnelOptionsFor, type ServerPlan } from './server.js';
import { startServerSession } from './server-session.js';
import type { PresetUp } from '../session.js';
import type { ServerPreset } from '../types.js';

/** `tunnel up <server preset>`: resolves ids, then hands the plan to the session runner. */
export async function resolveServerUp(preset: ServerPreset, input: PresetInput): Promise<PresetUp> {
  const localPort =
    input.localPort === undefined ? await freeLocalPort() : parseInteger(input.localPort, '--local-port', 0, 1, 65535);
  const plan = planServer(preset, input, { runId: newRunId(), localPort });
  const options = plan.match === undefined ? undefined : tunnelOptionsFor(plan, plan.match);
  return {
    preset,
    options,
    dryRun: () => serverDryRun(plan),
    prepare: (context = {}) => startServerSession(plan, context),
  };
}

function serverDryRun(plan: ServerPlan): string[] {
  const lines: string[] = [];
  if (plan.launch !== undefined)
    lines.push(`# start ${plan.preset.server.label} on the target, detached:`, shJoin(plan.launch));
  lines.push('# wait until it is listed (prints its token: keep this output private):');
  lines.push(
    plan.wait === undefined
      ? `#   ${plan.preset.server.list.join(' ')} on the target until it lists the port printed by the launch`
      : shJoin(plan.wait),
  );
  lines.push(
    plan.match === undefined ? '# then the tunnel, with PORT printed by the launch:' : '# then the tunnel:',
    shJoin(tunnelArgv(plan)),
  );
  if (plan.stop !== undefined) lines.push('# on the way down, stop it and remove its directory:', shJoin(plan.stop));
  return lines;
}

/** The tunnel's ssh argv; in port mode the target port is only known after the launch, so it reads PORT. */
function tunnelArgv(plan: ServerPlan): string[] {
  const unknown = 65535;
  const argv = planTunnel(tunnelOptionsFor(plan, plan.match ?? { port: unknown })).tunnel.argv;
  return plan.match === undefined
    ? argv.map((arg) => arg.replace(new RegExp(`:127\\.0\\.0\\.1:${unknown}$`), ':127.0.0.1:PORT'))
    : argv;
}
