import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readTemplate } from '../../../../src/presets/load.js';
import { escapeXml, pvscArguments, renderPvsc } from '../../../../src/presets/reverse/pvsc.js';
import { splitSbatchOptions } from '../../../../src/scheduler/slurm/options.js';

describe('pvscArguments', () => {
  it.each([
    [{ name: 'c', via: 'login' }, ['up', 'paraview', '--via', 'login', '--port', '11111', '--launch', 'pvserver']],
    [
      {
        name: 'c',
        via: ['gw', 'login'],
        to: 'node7',
        port: 22222,
        launch: 'mpiexec -n 4 pvserver',
        sshConfig: '/home/me/.ssh/cluster',
      },
      [
        'up',
        'paraview',
        '--ssh-config',
        '/home/me/.ssh/cluster',
        '--via',
        'gw',
        '--via',
        'login',
        '--to',
        'node7',
        '--port',
        '22222',
        '--launch',
        'mpiexec -n 4 pvserver',
      ],
    ],
  ])('%j', (input, argv) => {
    expect(pvscArguments(input)).toEqual(argv);
  });

  it.each([
    [{ name: 'c', via: [] }, /--via: the .pvsc needs the login node/],
    [{ name: 'c', via: 'login', to: '-x' }, /--to '-x': a host may not start with '-'/],
    [{ name: 'c', via: 'login', launch: 'a\nb' }, /--launch: expected a one-line command/],
  ])('rejects %j', (input, message) => {
    expect(() => pvscArguments(input)).toThrow(message);
  });
});

describe('renderPvsc', () => {
  it('renders a reverse-connection server whose startup command runs tunnel', async () => {
    const text = renderPvsc(await readTemplate('paraview.pvsc'), {
      name: 'cluster-rc',
      via: 'login',
      to: 'node',
      launch: `pvserver --x="a<b>&'c'"`,
      exec: '/opt/tunnel/bin/tunnel',
    });
    expect(text).toContain('<Server name="cluster-rc" resource="csrc://localhost:11111" timeout="-1">');
    expect(text).toContain('<Command exec="/opt/tunnel/bin/tunnel" timeout="0" delay="0">');
    expect(text).toContain('<Argument value="pvserver --x=&quot;a&lt;b&gt;&amp;&apos;c&apos;&quot;"/>');
    expect(text).not.toMatch(/@@/);
    // The XML must parse, and give back exactly the argv (python3's stdlib parser as the referee).
    const parsed = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys, json, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(json.dumps([a.get("value") for a in r.iter("Argument")]))',
      ],
      { input: text, encoding: 'utf8' },
    );
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(JSON.parse(parsed.stdout)).toEqual([
      'up',
      'paraview',
      '--via',
      'login',
      '--to',
      'node',
      '--port',
      '11111',
      '--launch',
      `pvserver --x="a<b>&'c'"`,
    ]);
  });

  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });

  it('a name with "--" stays well-formed XML (it is never written into a comment)', async () => {
    const text = renderPvsc(await readTemplate('paraview.pvsc'), { name: 'a--b--', via: 'login', to: 'node' });
    const parsed = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(r.find("Server").get("name"))',
      ],
      { input: text, encoding: 'utf8' },
    );
    expect(parsed.status, parsed.stderr).toBe(0);
    expect(parsed.stdout.trim()).toBe('a--b--');
  });
});

/** The .pvsc as python3's stdlib XML parser reads it (a well-formedness referee): options and argv. */
function parsePvsc(text: string): { options: Array<Record<string, string>>; argv: string[]; startup: string[] } {
  const code = [
    'import sys, json, xml.etree.ElementTree as E',
    'r = E.fromstring(sys.stdin.read())',
    's = r.find("Server/CommandStartup")',
    'opts = [dict(name=o.get("name"), label=o.get("label"), kind=o[0].tag, **{k: v for k, v in o[0].attrib.items()}) for o in s.iter("Option")]',
    'print(json.dumps(dict(options=opts, argv=[a.get("value") for a in s.iter("Argument")], startup=[c.tag for c in s])))',
  ].join('\n');
  const parsed = spawnSync('/usr/bin/python3', ['-c', code], { input: text, encoding: 'utf8' });
  if (parsed.status !== 0) throw new Error(parsed.stderr);
  return JSON.parse(parsed.stdout) as { options: Array<Record<string, string>>; argv: string[]; startup: string[] };
}

describe('renderPvsc --slurm', () => {
  const slurm = { partition: 'gpu-a100', walltime: 90, nodes: 2 };

  it("asks for walltime, partition and nodes in ParaView's Connect dialog, before the command", async () => {
    const { options, startup } = parsePvsc(
      renderPvsc(await readTemplate('paraview.pvsc'), { name: 'c', via: 'login', slurm }),
    );
    expect(startup).toEqual(['Options', 'Command']);
    expect(options).toEqual([
      {
        name: 'WALLTIME',
        label: 'Walltime (minutes)',
        kind: 'Range',
        type: 'int',
        min: '1',
        max: '43200',
        step: '1',
        default: '90',
      },
      { name: 'PARTITION', label: 'Slurm partition', kind: 'String', default: 'gpu-a100' },
      { name: 'NODES', label: 'Nodes', kind: 'Range', type: 'int', min: '1', max: '4096', step: '1', default: '2' },
    ]);
  });

  it('runs tunnel up paraview --slurm with the dialog values; once ParaView fills them they split into the sbatch words', async () => {
    const { argv } = parsePvsc(
      renderPvsc(await readTemplate('paraview.pvsc'), {
        name: 'c',
        via: ['gw', 'login'],
        slurm: { partition: 'normal' },
        launch: 'srun pvserver',
      }),
    );
    expect(argv).toEqual([
      'up',
      'paraview',
      '--via',
      'gw',
      '--via',
      'login',
      '--slurm',
      "-t $WALLTIME$ -p '$PARTITION$' -N $NODES$",
      '--port',
      '11111',
      '--launch',
      'srun pvserver',
    ]);
    // ParaView substitutes $NAME$ in each <Argument>; a partition typed with a space stays one quoted word.
    const filled = argv[7]!.replace('$WALLTIME$', '30').replace('$PARTITION$', 'big mem').replace('$NODES$', '4');
    expect(splitSbatchOptions(filled)).toEqual(['-t', '30', '-p', 'big mem', '-N', '4']);
  });

  it('defaults: 60 minutes, 1 node; the partition default is XML-safe by validation', async () => {
    const { options } = parsePvsc(
      renderPvsc(await readTemplate('paraview.pvsc'), { name: 'c', via: 'login', slurm: { partition: 'p.1_x' } }),
    );
    expect(options.map((o) => o.default)).toEqual(['60', 'p.1_x', '1']);
  });

  it('without --slurm there are no Options (the file stays as before)', async () => {
    const text = renderPvsc(await readTemplate('paraview.pvsc'), { name: 'c', via: 'login', to: 'node' });
    expect(parsePvsc(text).startup).toEqual(['Command']);
    expect(text).toContain('<CommandStartup>\n      <Command ');
  });

  it.each([
    [{ partition: 'a"b' }, undefined, /--partition 'a"b': expected a Slurm partition name/],
    [{ partition: '' }, undefined, /--partition '': expected a Slurm partition name/],
    [{ partition: 'p', walltime: 0 }, undefined, /--walltime/],
    [{ partition: 'p', nodes: 'many' }, undefined, /--nodes/],
    [{ partition: 'p' }, 'node7', /with --slurm the node comes from the job; drop --to/],
  ])('refuses %j (--to %s)', (bad, to, message) => {
    expect(() => pvscArguments({ name: 'c', via: 'login', to, slurm: bad })).toThrow(message);
  });
});
