import { shQuote } from '../plan/quote.js';

export interface UnitInput {
  name: string;
  /** The node binary and the CLI script, absolute. */
  node: string;
  cli: string;
  /** Environment the tunnel needs to find its saved settings and state. */
  environment: Record<string, string>;
}

/** systemd quoting for one word of ExecStart / one Environment assignment. */
function systemdQuote(word: string): string {
  return /^[A-Za-z0-9_/.,:=@%+-]+$/.test(word) ? word : `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Fills the unit template: runs the saved tunnel in the foreground, unattended (--batch). */
export function renderUnit(template: string, input: UnitInput): string {
  const exec = [input.node, input.cli, 'up', input.name, '--batch'].map(systemdQuote).join(' ');
  const environment = Object.entries(input.environment).map(([key, value]) => systemdQuote(`${key}=${value}`)).join(' ');
  const values: Record<string, string> = { name: input.name, exec, environment };
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

/** The unit's file name: tunnel-NAME.service (names are already restricted to [A-Za-z0-9._-]). */
export function unitName(name: string): string {
  return `tunnel-${name}.service`;
}

/** What to run after installing, printed for the user (the tool never starts services itself). */
export function enableHint(name: string): string {
  return `systemctl --user daemon-reload && systemctl --user enable --now ${shQuote(unitName(name))}`;
}
