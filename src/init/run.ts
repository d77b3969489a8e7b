import { resolve } from 'node:path';
import {
  getDefaults,
  saveTunnel,
  savedTunnelsFile,
  setDefaults,
  type Defaults,
  type StoreOptions,
} from '../saved/index.js';
import { toSavedTunnel } from '../saved/validate.js';
import { formatHop } from '../model/hop.js';
import type { TunnelOptions } from '../model/types.js';
import type { Entry } from '../sshconfig/entries-file.js';
import { writeEntries, type InstallResult } from '../sshconfig/install.js';
import type { TargetSettings } from '../sshconfig/target.js';
import type { InitAnswers } from './answers.js';
import { askAnswers } from './ask.js';
import { resolveLogin, resolveNode, testConnection } from './check.js';
import { renderInitEntries } from './entries.js';
import { answersFromFlags, whyNotAsking, type InitFlags } from './from-flags.js';
import { verifyLogin, verifyNode } from './verify.js';
import type { InitChecks, InitIO, NodeCheck } from './io.js';
import { previewEntries } from './preview.js';
import { toProfile, toTunnelDefaults, type InitProfile } from './profile.js';
import type { Prompter } from './prompter.js';

export interface InitRun {
  flags: InitFlags;
  io: InitIO;
  /** Present only when init may ask (a terminal, no --yes, no --json). */
  prompter?: Prompter | undefined;
  /** Whether stdin is a terminal: ssh may then prompt (on /dev/tty) even when init itself asks nothing. */
  terminal: boolean;
  checks?: InitChecks;
  store?: StoreOptions;
}

/** The --json contract of `tunnel init` (fields may be added, never removed). */
export interface InitResult {
  name: string;
  login: { hop: string; hostName: string; user: string; port: number };
  isolated: boolean;
  node: ({ name: string; pattern: string } & NodeCheck) | null;
  apps: string[];
  tunnelOptions: TunnelOptions;
  profile: { file: string; defaults: Defaults; tunnels: string[] };
  sshConfig: {
    entries: Entry[];
    written: boolean;
    changed: boolean;
    files: Array<{ path: string; changed: boolean; backup: string | null }>;
    diff: string[];
  };
}

const TIMEOUTS = { interactiveMs: 180_000, batchMs: 30_000 } as const;

/** Real checks: ssh -G and a real login, each bounded. */
export function defaultChecks(): InitChecks {
  return {
    resolveLogin,
    resolveNode,
    testConnection: (target, options) =>
      testConnection(target, {
        ...options,
        timeoutMs: options.interactive ? TIMEOUTS.interactiveMs : TIMEOUTS.batchMs,
      }),
  };
}

/** Asks (or reads the flags), checks live, saves the profile, then offers the ssh_config entries. */
export async function runInit(run: InitRun): Promise<InitResult> {
  const { flags, io, prompter } = run;
  const checks = run.checks ?? defaultChecks();
  const sshConfig = flags.sshConfig === undefined ? undefined : resolve(flags.sshConfig);
  const withConfig = { ...flags, sshConfig };
  let answers: InitAnswers;
  let login: TargetSettings;
  let node: NodeCheck;
  let writeConfig = flags.writeConfig;
  if (prompter !== undefined) {
    ({ answers, login, node } = await askAnswers({ flags: withConfig, prompter, io, checks }));
  } else {
    // Decide everything before the first ssh runs: a missing flag fails at once.
    const decided = answersFromFlags(withConfig, whyNotAsking(flags, run.terminal));
    answers = decided.answers;
    writeConfig = decided.writeConfig;
    login = await verifyLogin(answers, checks, io, run.terminal);
    node = await verifyNode(answers, login, checks, io, run.terminal);
  }

  const profile = await saveProfile(toProfile(answers), run.store ?? {});
  io.say('ok', `Saved the profile in ${profile.file}${describeProfile(answers, profile.tunnels)}`);

  const entries = renderInitEntries(answers, login);
  const preview = await previewEntries(entries, flags.sshDir);
  let install: InstallResult | undefined;
  if (preview.diff.length === 0) {
    io.say('ok', `ssh_config already has these entries (${preview.tunnelConf})`);
  } else {
    io.say(
      'info',
      `ssh_config entries for ${answers.name} (the change to ${preview.tunnelConf}, included from ${preview.mainConfig}):`,
    );
    io.show(preview.diff);
    writeConfig ??= await prompter!.confirm({ message: `Write them? (the old files are backed up)`, default: true });
    if (writeConfig) {
      install = await writeEntries({ sshDir: flags.sshDir, entries });
      io.say('ok', `Wrote ${entries.map((e) => `Host ${e.name}`).join(' and ')} in ${install.tunnelConf.path}`);
    } else {
      io.say('info', 'Left ssh_config alone; write them later with: tunnel init --write-config');
    }
  }
  return {
    name: answers.name,
    login: { hop: formatHop(answers.login), hostName: login.hostName, user: login.user, port: login.port },
    isolated: answers.isolated,
    node:
      answers.node === undefined ? null : { name: answers.node, pattern: answers.nodePattern ?? answers.node, ...node },
    apps: answers.apps,
    tunnelOptions: toTunnelDefaults(answers),
    profile: { file: profile.file, defaults: profile.defaults, tunnels: profile.tunnels },
    sshConfig: {
      entries,
      written: install !== undefined,
      changed: install?.changed ?? false,
      files:
        install === undefined
          ? []
          : [install.tunnelConf, install.mainConfig].map((f) => ({
              path: f.path,
              changed: f.changed,
              backup: f.backup ?? null,
            })),
      diff: preview.diff,
    },
  };
}

/** Validates every tunnel first, so a bad one stores nothing; then defaults, then the tunnels. */
async function saveProfile(
  profile: InitProfile,
  store: StoreOptions,
): Promise<{ file: string; defaults: Defaults; tunnels: string[] }> {
  for (const input of Object.values(profile.tunnels)) toSavedTunnel(input);
  const defaults =
    Object.keys(profile.defaults).length > 0 ? await setDefaults(profile.defaults, store) : getDefaults(store);
  const tunnels: string[] = [];
  for (const [name, input] of Object.entries(profile.tunnels))
    tunnels.push((await saveTunnel(name, input, store)).name);
  return { file: savedTunnelsFile(store), defaults, tunnels };
}

function describeProfile(answers: InitAnswers, tunnels: readonly string[]): string {
  const parts = [answers.isolated ? `tunnels to a node go through ${formatHop(answers.login)} by default` : ''];
  if (tunnels.length > 0) parts.push(`saved ${tunnels.join(', ')}`);
  const text = parts.filter(Boolean).join('; ');
  return text === '' ? '' : ` (${text})`;
}
