import { destinationArgs } from '../plan/destination.js';
import { shJoin, shQuote } from '../plan/quote.js';
import { DEFAULTS } from '../model/defaults.js';
import { parseHop } from '../model/hop.js';
import { parseName } from '../model/name.js';
import { parseInteger } from '../model/tunnel.js';
import { badOption } from '../presets/options.js';
import { renderTemplate } from '../presets/template.js';
import { parseForwardGiveUp } from './worker-script.js';

/** The template work_queue_factory's --wrapper is rendered from (templates/). */
export const FACTORY_WRAPPER_TEMPLATE = 'workqueue-factory-wrapper.sh';

export interface FactoryWrapperInput {
  /** The manager's tunnel, for log lines. */
  name: string;
  /** The head node as compute nodes reach it: `[user@]host[:port]` or an ssh_config alias. */
  head: string;
  /** The manager's port on the head node (the factory and the worker command name it). */
  headPort: number | string;
  /** -F for the workers' ssh (default: the compute node's ~/.ssh/config). */
  sshConfig?: string | undefined;
  /** Seconds a worker waits for its forward. */
  forwardTimeout?: number | string | undefined;
  /** Seconds a worker keeps reopening a dropped forward before it ends (0: one retry). */
  forwardGiveUp?: number | string | undefined;
}

/** Renders the wrapper that gives each factory worker its own ssh -L to the head node, reopened when it drops. Pure. */
export function renderFactoryWrapper(template: string, input: FactoryWrapperInput): string {
  const name = parseName(input.name, 'NAME');
  if (input.sshConfig !== undefined && (input.sshConfig === '' || input.sshConfig.startsWith('-'))) {
    throw badOption('--ssh-config', `--ssh-config '${input.sshConfig}': expected a file path`);
  }
  return renderTemplate(
    template,
    {
      NAME: name,
      NAME_QUOTED: shQuote(name),
      HEAD_ARGS: shJoin(destinationArgs(parseHop(input.head, '--head'))),
      HEAD_PORT: String(parseInteger(input.headPort, '--head-port', 0, 1, 65535)),
      KEEPALIVE: String(DEFAULTS.keepaliveInterval),
      KEEPALIVE_COUNT: String(DEFAULTS.keepaliveCount),
      CONNECT_TIMEOUT: String(DEFAULTS.connectTimeout),
      SSH_EXTRA: input.sshConfig === undefined ? '' : shJoin(['-F', input.sshConfig]),
      FORWARD_TIMEOUT: String(parseInteger(input.forwardTimeout, '--forward-timeout', 30, 1, 600)),
      FORWARD_GIVE_UP: String(parseForwardGiveUp(input.forwardGiveUp)),
    },
    FACTORY_WRAPPER_TEMPLATE,
  );
}
