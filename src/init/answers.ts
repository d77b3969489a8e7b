import { badSpec, TunnelError } from '../errors.js';
import { formatHop, parseHop } from '../model/hop.js';
import { parseName } from '../model/name.js';
import { printable } from '../model/tokens.js';
import type { Hop } from '../model/types.js';

/** The apps init offers; each names a preset (templates/presets/<name>.json). */
export const APPS = ['jupyter', 'paraview', 'workqueue', 'expose'] as const;
export type AppName = (typeof APPS)[number];

/** Everything the wizard learns; the rest of init is a function of this. */
export interface InitAnswers {
  /** The login node as the user gave it; user and port stay unset unless given, so ssh_config keeps deciding them. */
  login: Hop;
  /** Profile prefix and ssh_config Host alias of the login node. */
  name: string;
  /** Compute nodes are reachable only through the login node. */
  isolated: boolean;
  /** An example compute node, as the login node knows it (isolated only). */
  node: string | undefined;
  /** ssh_config Host pattern for the compute nodes (isolated only). */
  nodePattern: string | undefined;
  apps: AppName[];
  /** `-F FILE`: the user's ssh_config, when not the default one. */
  sshConfig: string | undefined;
}

/** `--login [user@]host[:port]`. */
export function parseLogin(text: string): Hop {
  return parseHop(text.trim(), '--login');
}

/** `--apps a,b` (or `none`); unknown names are refused with the list of known ones. */
export function parseApps(text: string): AppName[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'none');
  const unknown = names.filter((n) => !(APPS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw badSpec(
      '--apps',
      `--apps: unknown app '${printable(unknown[0]!)}'; choose from ${APPS.join(', ')} (or none)`,
    );
  return [...new Set(names)] as AppName[];
}

/** `--node NAME`: one host name as the login node resolves it. */
export function parseNode(text: string): string {
  const hop = parseHop(text.trim(), '--node');
  if (hop.user !== undefined || hop.port !== undefined)
    throw badSpec(
      '--node',
      `--node '${printable(text)}': give just the node's name (user and port come from the login node's settings)`,
    );
  return hop.host;
}

const PATTERN = /^[A-Za-z0-9._*?-]+$/;

/** `--node-pattern`: one ssh_config Host pattern (`*` and `?` wildcards), never one that matches everything. */
export function parseNodePattern(text: string, login: { name: string; host: string }): string {
  const pattern = text.trim();
  if (!PATTERN.test(pattern))
    throw badSpec(
      '--node-pattern',
      `--node-pattern '${printable(text)}': use letters, digits, '.', '-', '_' and the wildcards * and ?`,
    );
  for (const name of [login.name, login.host]) {
    // The nodes' ProxyJump would then apply to the login node itself: a loop.
    if (matchesPattern(pattern, name))
      throw badSpec(
        '--node-pattern',
        `--node-pattern '${pattern}' also matches the login node '${name}'; make it narrower (e.g. node*)`,
      );
  }
  return pattern;
}

/** ssh_config's own matching for one pattern: `*` any run, `?` one character, case-insensitive. */
export function matchesPattern(pattern: string, name: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(name);
}

/** `node042` -> `node*`, `gpu-a01.hpc` -> `gpu-a*.hpc`: the digits vary from node to node. */
export function defaultNodePattern(node: string): string {
  const [first = node, ...rest] = node.split('.');
  const stem = first.replace(/\d+$/, '');
  return stem === first || stem === '' ? node : [`${stem}*`, ...rest].join('.');
}

/** `login.hpc.uni.edu` -> `hpc`, `cluster` -> `cluster`, an address -> `cluster`: a short name people recognise. */
export function defaultName(host: string): string {
  if (/^[\d.]+$/.test(host) || host.includes(':')) return 'cluster';
  const labels = host.split('.');
  const pick = /^login\d*$/i.test(labels[0] ?? '') && labels.length > 2 ? labels[1]! : labels[0]!;
  const name = pick
    .replace(/[^A-Za-z0-9._-]/g, '')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 40);
  return name === '' ? 'cluster' : name;
}

/** `--name`: it becomes a Host alias and a profile prefix (`NAME-jupyter`). */
export function parseProfileName(text: string): string {
  const name = parseName(text.trim(), '--name');
  if (name.includes('*') || name.length > 40)
    throw badSpec('--name', `--name '${name}': at most 40 characters (saved tunnels are named NAME-app)`);
  return name;
}

/** The hop as ssh takes it, for messages and for the profile. */
export function loginText(answers: Pick<InitAnswers, 'login'>): string {
  return formatHop(answers.login);
}

/** One line naming every answer that is missing; exit code 2 through BAD_OPTION. */
export function missingAnswers(flags: readonly string[], why: string): TunnelError {
  const list = flags.join(', ');
  return new TunnelError(
    'BAD_OPTION',
    `init: missing ${list} (${why}); pass ${flags.length > 1 ? 'them' : 'it'}, or run tunnel init in a terminal`,
    { field: flags[0] },
  );
}
