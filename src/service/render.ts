import { TunnelError } from '../errors.js';
import { shQuote } from '../plan/quote.js';

export interface UnitInput {
  name: string;
  /** The node binary and the CLI script, absolute. */
  node: string;
  cli: string;
  /** Environment the tunnel needs to find its saved settings and state. */
  environment: Record<string, string>;
}

/**
 * One word of ExecStart or one Environment assignment, per systemd.syntax(7): `%` is a specifier
 * (doubled), `$` expands variables in ExecStart (doubled), quotes and backslashes are escaped, and
 * a control character is refused (a newline would start a directive of its own).
 */
function systemdQuote(word: string, field: string): string {
  if (/[\u0000-\u001f\u007f]/.test(word)) {
    throw new TunnelError(
      'BAD_OPTION',
      `${field} contains a control character, which a systemd unit cannot hold; use a path without one`,
      { field },
    );
  }
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /^[A-Za-z0-9_/.,:=@%$+-]+$/.test(escaped)
    ? escaped
    : `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Fills the unit template: runs the saved tunnel in the foreground, unattended (--batch). */
export function renderUnit(template: string, input: UnitInput): string {
  const exec = [input.node, input.cli, 'up', input.name, '--batch']
    .map((word) => systemdQuote(word, 'the node or CLI path'))
    .join(' ');
  const environment = Object.entries(input.environment)
    .map(([key, value]) => systemdQuote(`${key}=${value}`, key))
    .join(' ');
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
