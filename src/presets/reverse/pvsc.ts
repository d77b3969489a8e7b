import { parseHop, parseHopList } from '../../model/hop.js';
import { parseName } from '../../model/name.js';
import { parseInteger } from '../../model/tunnel.js';
import { badOption } from '../options.js';
import { renderTemplate } from '../template.js';

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
  /** Submit pvserver as a Slurm job: the Connect dialog asks for these, starting from these defaults. */
  slurm?: PvscSlurm | undefined;
}

/** The job the Connect dialog asks for (ParaView <Options>); the node comes from the job, so no --to. */
export interface PvscSlurm {
  partition: string;
  /** Minutes (default 60). */
  walltime?: number | string | undefined;
  /** Nodes (default 1). */
  nodes?: number | string | undefined;
}

/** The sbatch options `tunnel up paraview --slurm` gets: ParaView fills $NAME$ from its dialog; the partition stays one word. */
export const PVSC_SLURM_OPTIONS = "-t $WALLTIME$ -p '$PARTITION$' -N $NODES$";
const PARTITION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `tunnel up paraview ...` argv the .pvsc makes ParaView run. Validates every part. */
export function pvscArguments(input: PvscInput): string[] {
  const via = parseHopList(input.via);
  if (via.length === 0) throw badOption('--via', '--via: the .pvsc needs the login node to go through');
  if (input.to !== undefined) parseHop(input.to, '--to');
  if (input.slurm !== undefined && input.to !== undefined)
    throw badOption(
      '--to',
      '--to: with --slurm the node comes from the job; drop --to (the last --via is the login node)',
    );
  if (input.slurm !== undefined) checkSlurm(input.slurm);
  const port = parseInteger(input.port, '--port', 11111, 1, 65535);
  const launch = input.launch ?? 'pvserver';
  if (launch.trim() === '' || /[\n!]/.test(launch))
    throw badOption('--launch', "--launch: expected a one-line command without '!'");
  return [
    'up',
    'paraview',
    ...(input.sshConfig === undefined ? [] : ['--ssh-config', input.sshConfig]),
    ...(typeof input.via === 'string' ? [input.via] : input.via).flatMap((hop) => ['--via', hop]),
    ...(input.to === undefined ? [] : ['--to', input.to]),
    ...(input.slurm === undefined ? [] : ['--slurm', PVSC_SLURM_OPTIONS]),
    '--port',
    String(port),
    '--launch',
    launch,
  ];
}

/** Renders templates/paraview.pvsc for the given tunnel. Pure: the caller reads the template. */
export function renderPvsc(template: string, input: PvscInput, file = 'paraview.pvsc'): string {
  const name = parseName(input.name, '--name');
  const exec = input.exec ?? 'tunnel';
  const args = pvscArguments(input);
  return renderTemplate(
    template,
    {
      NAME: escapeXml(name),
      PORT: String(parseInteger(input.port, '--port', 11111, 1, 65535)),
      EXEC: escapeXml(exec),
      OPTIONS: input.slurm === undefined ? '' : renderSlurmOptions(input.slurm),
      ARGUMENTS: args.map((arg) => `          <Argument value="${escapeXml(arg)}"/>`).join('\n'),
    },
    file,
  );
}

/** Checks the dialog's defaults; returns them as numbers. */
function checkSlurm(slurm: PvscSlurm): { walltime: number; nodes: number } {
  if (!PARTITION.test(slurm.partition))
    throw badOption(
      '--partition',
      `--partition '${slurm.partition.slice(0, 40)}': expected a Slurm partition name (letters, digits, '.', '_', '-')`,
    );
  return {
    walltime: parseInteger(slurm.walltime, '--walltime', 60, 1, MAX_WALLTIME),
    nodes: parseInteger(slurm.nodes, '--nodes', 1, 1, MAX_NODES),
  };
}

const MAX_WALLTIME = 43_200; // 30 days, in minutes
const MAX_NODES = 4096;

/** ParaView's <Options>: the Connect dialog asks for walltime, partition and nodes before it runs the command. */
function renderSlurmOptions(slurm: PvscSlurm): string {
  const { walltime, nodes } = checkSlurm(slurm);
  return [
    '',
    '      <Options>',
    '        <Option name="WALLTIME" label="Walltime (minutes)">',
    `          <Range type="int" min="1" max="${MAX_WALLTIME}" step="1" default="${walltime}"/>`,
    '        </Option>',
    '        <Option name="PARTITION" label="Slurm partition">',
    `          <String default="${escapeXml(slurm.partition)}"/>`,
    '        </Option>',
    '        <Option name="NODES" label="Nodes">',
    `          <Range type="int" min="1" max="${MAX_NODES}" step="1" default="${nodes}"/>`,
    '        </Option>',
    '      </Options>',
  ].join('\n');
}

/** XML attribute/text escaping: the five predefined entities. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[ch]!,
  );
}
