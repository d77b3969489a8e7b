import { DEFAULTS } from '../model/defaults.js';
import type { Entry } from '../sshconfig/entries-file.js';
import { escapePercent, quoteConfigValue } from '../sshconfig/quote.js';
import type { TargetSettings } from '../sshconfig/target.js';
import type { InitAnswers } from './answers.js';

type Directive = [key: string, value: string];

const line = ([key, value]: Directive): string => `  ${key} ${value}`;

/** Keepalives so a dead link is noticed (the same values tunnel up passes). */
const KEEPALIVE: Directive[] = [
  ['ServerAliveInterval', String(DEFAULTS.keepaliveInterval)],
  ['ServerAliveCountMax', String(DEFAULTS.keepaliveCount)],
];

/**
 * The ssh_config entries init offers: `Host NAME` for the login node (so `ssh NAME` works) and,
 * for isolated nodes, `Host PATTERN` with `ProxyJump NAME` (so `ssh node042` works). Pure:
 * `login` is OpenSSH's own resolution of the login node (pickTargetSettings).
 */
export function renderInitEntries(answers: InitAnswers, login: TargetSettings): Entry[] {
  const entries: Entry[] = [{ name: answers.name, text: renderLoginEntry(answers, login) }];
  if (answers.isolated && answers.nodePattern !== undefined) {
    entries.push({ name: `${answers.name}-nodes`, text: renderNodesEntry(answers, login) });
  }
  return entries;
}

function renderLoginEntry(answers: InitAnswers, login: TargetSettings): string {
  const directives: Directive[] = [
    ['HostName', quoteConfigValue(escapePercent(login.hostName), 'HostName')],
    ['User', quoteConfigValue(login.user, 'User')],
    ['Port', String(login.port)],
    ...identityDirectives(login),
  ];
  if (login.userKnownHostsFiles !== undefined) {
    directives.push([
      'UserKnownHostsFile',
      login.userKnownHostsFiles.map((f) => quoteConfigValue(escapePercent(f), 'UserKnownHostsFile')).join(' '),
    ]);
  }
  if (login.hostKeyAlias !== undefined)
    directives.push(['HostKeyAlias', quoteConfigValue(login.hostKeyAlias, 'HostKeyAlias')]);
  // Say how the login node itself is reached, so a wide node pattern can never hand it a ProxyJump.
  if (login.proxyJump !== undefined) directives.push(['ProxyJump', quoteConfigValue(login.proxyJump, 'ProxyJump')]);
  else if (login.proxyCommand !== undefined) directives.push(['ProxyCommand', login.proxyCommand]);
  else directives.push(['ProxyJump', 'none']);
  directives.push(...KEEPALIVE, ['ConnectTimeout', String(DEFAULTS.connectTimeout)]);
  return [
    `# tunnel init: the login node of ${answers.name}. \`ssh ${answers.name}\` logs in; tunnels to compute nodes go through it.`,
    `Host ${answers.name}`,
    ...directives.map(line),
    '',
  ].join('\n');
}

function renderNodesEntry(answers: InitAnswers, login: TargetSettings): string {
  const pattern = quoteConfigValue(answers.nodePattern ?? '', '--node-pattern');
  const directives: Directive[] = [
    ['ProxyJump', answers.name],
    ['User', quoteConfigValue(login.user, 'User')],
    ...identityDirectives(login),
    ...KEEPALIVE,
  ];
  return [
    `# tunnel init: compute nodes of ${answers.name} (e.g. ${answers.node ?? pattern}) are reachable only through ${answers.name}.`,
    `Host ${pattern}`,
    ...directives.map(line),
    '',
  ].join('\n');
}

/** Nodes share the home directory with the login node, so the same key opens both. */
function identityDirectives(login: TargetSettings): Directive[] {
  const directives: Directive[] = [];
  if (login.identityFile !== undefined)
    directives.push(['IdentityFile', quoteConfigValue(login.identityFile, 'IdentityFile')]);
  if (login.identitiesOnly !== undefined) directives.push(['IdentitiesOnly', login.identitiesOnly ? 'yes' : 'no']);
  return directives;
}
