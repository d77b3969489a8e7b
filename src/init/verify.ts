import { TunnelError } from '../errors.js';
import { formatHop } from '../model/hop.js';
import type { TargetSettings } from '../sshconfig/target.js';
import type { InitAnswers } from './answers.js';
import type { InitChecks, InitIO, NodeCheck } from './io.js';

/**
 * Without questions: ssh -G, then a test login; any failure ends init with OpenSSH's reason.
 * ssh may still ask for a password or code when there is a terminal (`terminal`); otherwise BatchMode.
 */
export async function verifyLogin(
  answers: InitAnswers,
  checks: InitChecks,
  io: InitIO,
  terminal: boolean,
): Promise<TargetSettings> {
  const settings = await checks.resolveLogin(answers.login, answers.sshConfig);
  io.say(
    'ok',
    `ssh -G ${answers.login.host}: HostName ${settings.hostName}, User ${settings.user}, Port ${settings.port}`,
  );
  await checks.testConnection(answers.login, { sshConfig: answers.sshConfig, interactive: terminal });
  io.say('ok', `Logged in to ${formatHop(answers.login)}`);
  return settings;
}

/**
 * ssh -G for the example node (a name ssh refuses is an error), then a login through the
 * login node, as the login node's user (what the ssh_config entry says). That login failing is only a warning: many clusters let you onto a node only
 * while a job of yours runs there.
 */
export async function verifyNode(
  answers: Pick<InitAnswers, 'login' | 'isolated' | 'node' | 'sshConfig'>,
  login: TargetSettings,
  checks: InitChecks,
  io: InitIO,
  interactive: boolean,
): Promise<NodeCheck> {
  const node = answers.node;
  if (!answers.isolated || node === undefined) return { checked: false };
  await checks.resolveNode(node, answers.sshConfig);
  if (interactive) io.say('info', `Logging in to ${node} through ${formatHop(answers.login)} (answer any prompts)…`);
  try {
    await checks.testConnection(
      { user: login.user, host: node, port: undefined },
      { sshConfig: answers.sshConfig, interactive, jump: answers.login },
    );
    io.say('ok', `Logged in to ${node} through ${formatHop(answers.login)}`);
    return { checked: true, connected: true };
  } catch (error) {
    if (!(error instanceof TunnelError)) throw error;
    io.say(
      'warn',
      `${error.message} (fine if the cluster only lets you onto nodes running your jobs; tunnels will use the node of each job)`,
    );
    return { checked: true, connected: false, reason: error.message };
  }
}
