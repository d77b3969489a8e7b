import { parseHop, parseHopList } from '../spec/hop.js';
import { parseName } from '../spec/name.js';
import { parseInteger } from '../spec/tunnel.js';
import { badOption } from './options.js';
import { renderTemplate } from './template.js';

export interface PvscInput {
  /** Server name shown in ParaView's Connect dialog. */
  name: string;
  via: string | readonly string[];
  to?: string | undefined;
  /** The port ParaView listens on for the reverse connection (local side of -R). */
  port?: number | string | undefined;
  /** How pvserver is started on the cluster (default: pvserver). */
  launch?: string | undefined;
  sshConfig?: string | undefined;
  /** The tunnel executable ParaView runs (default: tunnel, from PATH). */
  exec?: string | undefined;
}

/** The `tunnel up paraview ...` argv the .pvsc makes ParaView run. Validates every part. */
export function pvscArguments(input: PvscInput): string[] {
  const via = parseHopList(input.via);
  if (via.length === 0) throw badOption('--via', '--via: the .pvsc needs the login node to go through');
  if (input.to !== undefined) parseHop(input.to, '--to');
  const port = parseInteger(input.port, '--port', 11111, 1, 65535);
  const launch = input.launch ?? 'pvserver';
  if (launch.trim() === '' || /[\n!]/.test(launch)) throw badOption('--launch', "--launch: expected a one-line command without '!'");
  return [
    'up', 'paraview',
    ...(input.sshConfig === undefined ? [] : ['--ssh-config', input.sshConfig]),
    ...(Array.isArray(input.via) ? input.via : [input.via]).flatMap((hop) => ['--via', hop]),
    ...(input.to === undefined ? [] : ['--to', input.to]),
    '--port', String(port),
    '--launch', launch,
  ];
}

/** Renders templates/paraview.pvsc for the given tunnel. Pure: the caller reads the template. */
export function renderPvsc(template: string, input: PvscInput, file = 'paraview.pvsc'): string {
  const name = parseName(input.name, '--name');
  const exec = input.exec ?? 'tunnel';
  const args = pvscArguments(input);
  return renderTemplate(template, {
    NAME: escapeXml(name),
    PORT: String(parseInteger(input.port, '--port', 11111, 1, 65535)),
    EXEC: escapeXml(exec),
    ARGUMENTS: args.map((arg) => `          <Argument value="${escapeXml(arg)}"/>`).join('\n'),
  }, file);
}

/** XML attribute/text escaping: the five predefined entities. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!);
}
