import { TunnelError } from '../errors.js';
import { formatHop } from '../model/hop.js';
import { parsePort } from '../model/tokens.js';
import type { Hop } from '../model/types.js';
import type { TargetSettings } from '../sshconfig/target.js';
import {
  APPS,
  defaultName,
  defaultNodePattern,
  parseApps,
  parseLogin,
  parseNode,
  parseNodePattern,
  parseProfileName,
  type InitAnswers,
} from './answers.js';
import type { InitFlags } from './from-flags.js';
import type { InitChecks, InitIO, NodeCheck } from './io.js';
import { validateWith, type Prompter } from './prompter.js';
import { verifyNode } from './verify.js';

export interface AskedAnswers {
  answers: InitAnswers;
  login: TargetSettings;
  node: NodeCheck;
}

interface Ask {
  flags: InitFlags;
  prompter: Prompter;
  io: InitIO;
  checks: InitChecks;
}

/** The wizard: asks what the flags left open, checking the login node live before going on. */
export async function askAnswers(ask: Ask): Promise<AskedAnswers> {
  const { flags, prompter } = ask;
  const sshConfig = flags.sshConfig;
  const { hop: login, settings } = await askLogin(ask);
  const name =
    flags.name !== undefined
      ? parseProfileName(flags.name)
      : parseProfileName(
          await prompter.input({
            message: 'A short name for this cluster (becomes `ssh NAME`)',
            default: defaultName(login.host),
            validate: validateWith(parseProfileName),
          }),
        );
  const isolated =
    flags.isolated ??
    (flags.node !== undefined
      ? true
      : await prompter.confirm({
          message: 'Are the compute nodes reachable only through the login node (isolated)?',
          default: true,
        }));
  let node: string | undefined;
  let nodePattern: string | undefined;
  if (isolated) {
    node =
      flags.node !== undefined
        ? parseNode(flags.node)
        : parseNode(
            await prompter.input({
              message: 'An example compute node name, as the login node knows it (e.g. node042)',
              validate: validateWith(parseNode),
            }),
          );
    const loginNames = { name, host: login.host };
    nodePattern =
      flags.nodePattern !== undefined
        ? parseNodePattern(flags.nodePattern, loginNames)
        : parseNodePattern(
            await prompter.input({
              message: 'Which names are compute nodes? (ssh_config Host pattern)',
              default: defaultNodePattern(node),
              validate: validateWith((v) => parseNodePattern(v, loginNames)),
            }),
            loginNames,
          );
  }
  const nodeCheck = await verifyNode({ login, isolated, node, sshConfig }, settings, ask.checks, ask.io, true);
  const apps =
    flags.apps !== undefined
      ? parseApps(flags.apps)
      : await prompter.checkbox({
          message: 'Which apps do you use on the cluster?',
          choices: APPS.map((value) => ({ value })),
        });
  return { answers: { login, name, isolated, node, nodePattern, apps, sshConfig }, login: settings, node: nodeCheck };
}

/** Host (ssh -G), then user and port with OpenSSH's answers as defaults, then a real login; on failure, choose what next. */
async function askLogin({ flags, prompter, io, checks }: Ask): Promise<{ hop: Hop; settings: TargetSettings }> {
  let given: Hop | undefined = flags.login === undefined ? undefined : parseLogin(flags.login);
  let previous: Hop | undefined;
  for (;;) {
    const typed =
      given ??
      parseLogin(
        await prompter.input({
          message: 'Login node (host name or ssh alias; user@host:port also works)',
          default: previous === undefined ? undefined : formatHop(previous),
          validate: validateWith(parseLogin),
        }),
      );
    given = undefined;
    const resolved = await resolveOrSay(typed, flags.sshConfig, checks, io);
    if (resolved === undefined) continue;
    const hop = await askUserAndPort(typed, resolved, prompter);
    const settings = { ...resolved, user: hop.user ?? resolved.user, port: hop.port ?? resolved.port };
    io.say(
      'info',
      `Logging in to ${settings.user}@${settings.hostName} port ${settings.port} with your own ssh (answer any password or code prompts)…`,
    );
    try {
      await checks.testConnection(hop, { sshConfig: flags.sshConfig, interactive: true });
      io.say('ok', `Logged in to ${formatHop(hop)}`);
      return { hop, settings };
    } catch (error) {
      if (!(error instanceof TunnelError)) throw error;
      io.say('warn', error.message);
      const next = await prompter.select({
        message: 'The test login failed. What now?',
        choices: [
          { value: 'edit', name: 'change the answers' },
          { value: 'retry', name: 'try again' },
          { value: 'continue', name: 'continue anyway' },
          { value: 'quit', name: 'quit' },
        ],
      });
      if (next === 'quit') throw error;
      if (next === 'continue') return { hop, settings };
      if (next === 'retry') given = hop;
      previous = hop;
    }
  }
}

async function resolveOrSay(
  hop: Hop,
  sshConfig: string | undefined,
  checks: InitChecks,
  io: InitIO,
): Promise<TargetSettings | undefined> {
  try {
    const settings = await checks.resolveLogin(hop, sshConfig);
    io.say('ok', `ssh -G ${hop.host}: HostName ${settings.hostName}, User ${settings.user}, Port ${settings.port}`);
    return settings;
  } catch (error) {
    if (!(error instanceof TunnelError)) throw error;
    io.say('warn', error.message);
    return undefined;
  }
}

/** Asks only for what the user did not type; an answer equal to OpenSSH's own stays unset, so ssh_config keeps deciding it. */
async function askUserAndPort(typed: Hop, resolved: TargetSettings, prompter: Prompter): Promise<Hop> {
  const userAnswer =
    typed.user ??
    (await prompter.input({
      message: `User name on ${typed.host}`,
      default: resolved.user,
      validate: validateWith((v) => parseLogin(`${v}@${typed.host}`)),
    }));
  const portAnswer =
    typed.port ??
    Number(
      await prompter.input({
        message: `SSH port of ${typed.host}`,
        default: String(resolved.port),
        validate: validateWith((v) => parsePort(v, 'port')),
      }),
    );
  return {
    host: typed.host,
    user: typed.user ?? (userAnswer === resolved.user ? undefined : userAnswer),
    port: typed.port ?? (portAnswer === resolved.port ? undefined : portAnswer),
  };
}
