import type { DefaultsInput, SaveInput } from '../saved/index.js';
import type { TunnelOptions } from '../model/types.js';
import { loginText, type InitAnswers } from './answers.js';

/** What init stores: defaults, and one saved tunnel per app (named NAME-app). */
export interface InitProfile {
  defaults: DefaultsInput;
  tunnels: Record<string, SaveInput>;
}

/**
 * Where a tunnel goes by default: to the example node through the login node when nodes are
 * isolated, else to the login node itself. Forwards are left to the app or the user.
 */
export function toTunnelDefaults(answers: InitAnswers): TunnelOptions {
  const login = loginText(answers);
  const base: TunnelOptions =
    answers.isolated && answers.node !== undefined ? { via: [login], to: answers.node } : { to: login };
  return answers.sshConfig === undefined ? base : { ...base, sshConfig: answers.sshConfig };
}

/**
 * The profile: with isolated nodes the login node becomes the default hop, so
 * `tunnel up --to node017 ...` goes through it; each app becomes a saved tunnel using its preset.
 */
export function toProfile(answers: InitAnswers): InitProfile {
  const defaults: DefaultsInput = answers.isolated ? { via: [loginText(answers)] } : {};
  const target = toTunnelDefaults(answers);
  const tunnels: Record<string, SaveInput> = {};
  for (const app of answers.apps) tunnels[`${answers.name}-${app}`] = { ...target, preset: app };
  return { defaults, tunnels };
}
