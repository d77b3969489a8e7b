import { badSpec } from '../errors.js';
import {
  defaultName,
  defaultNodePattern,
  missingAnswers,
  parseApps,
  parseLogin,
  parseNode,
  parseNodePattern,
  parseProfileName,
  type InitAnswers,
} from './answers.js';

/** The flags of `tunnel init`: one per question, so it can run without a terminal. */
export interface InitFlags {
  login?: string;
  name?: string;
  isolated?: boolean;
  node?: string;
  nodePattern?: string;
  apps?: string;
  writeConfig?: boolean;
  yes?: boolean;
  sshConfig?: string;
  sshDir?: string;
  json?: boolean;
}

export interface DecidedAnswers {
  answers: InitAnswers;
  writeConfig: boolean;
}

/**
 * Every answer from its flag or, with --yes, its default; never asks. Throws one BAD_OPTION
 * naming every missing flag. --yes never edits ssh_config by itself: that takes --write-config.
 */
export function answersFromFlags(flags: InitFlags, why: string): DecidedAnswers {
  const yes = flags.yes === true;
  if (flags.isolated === false && flags.node !== undefined)
    throw badSpec(
      '--node',
      '--node names a compute node behind the login node; it contradicts --no-isolated, drop one',
    );
  const isolated = flags.isolated ?? (flags.node !== undefined ? true : yes ? false : undefined);
  const missing = [
    flags.login === undefined ? '--login' : undefined,
    isolated === undefined ? '--isolated or --no-isolated' : undefined,
    isolated === true && flags.node === undefined ? '--node' : undefined,
    flags.apps === undefined && !yes ? '--apps' : undefined,
    flags.writeConfig === undefined && !yes ? '--write-config or --no-write-config' : undefined,
  ].filter((flag): flag is string => flag !== undefined);
  if (missing.length > 0 || flags.login === undefined || isolated === undefined) throw missingAnswers(missing, why);
  const login = parseLogin(flags.login);
  const name = flags.name === undefined ? defaultName(login.host) : parseProfileName(flags.name);
  const node = isolated && flags.node !== undefined ? parseNode(flags.node) : undefined;
  const nodePattern =
    node === undefined
      ? undefined
      : parseNodePattern(flags.nodePattern ?? defaultNodePattern(node), { name, host: login.host });
  return {
    answers: {
      login,
      name,
      isolated,
      node,
      nodePattern,
      apps: flags.apps === undefined ? [] : parseApps(flags.apps),
      sshConfig: flags.sshConfig,
    },
    writeConfig: flags.writeConfig ?? false,
  };
}

/** Why init will not ask: the one-line reason appended to a missing-flag error. */
export function whyNotAsking(flags: InitFlags, terminal: boolean): string {
  if (flags.yes === true) return 'no default exists, even with --yes';
  if (flags.json === true) return '--json never asks';
  return terminal ? 'stdout is not a terminal, so init cannot ask' : 'stdin is not a terminal, so init cannot ask';
}
