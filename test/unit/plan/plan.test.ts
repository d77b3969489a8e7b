import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/plan/index.js';
import { shJoin } from '../../../src/plan/quote.js';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';
import type { TunnelOptions } from '../../../src/model/types.js';

const BASE = [
  '-o',
  'ExitOnForwardFailure=yes',
  '-o',
  'ServerAliveInterval=10',
  '-o',
  'ServerAliveCountMax=3',
  '-o',
  'ConnectTimeout=10',
  '-o',
  'StreamLocalBindUnlink=yes',
  '-o',
  'ControlMaster=no',
  '-o',
  'ControlPath=none',
];

const planOf = (options: TunnelOptions, strategy?: 'jump' | 'relay') =>
  plan(parseTunnelSpec(options), { runId: 'abc123def456', ...(strategy ? { strategy } : {}) });

describe('jump strategy: one ssh, forwards on the target', () => {
  it.each([
    [
      'socket on an isolated node through the login node',
      { via: ['login'], to: 'isolated-node', local: ['8899:/home/me/.jupyter.sock'] },
      ['ssh', '-N', '-T', '-v', ...BASE, '-J', 'login', '-L', '127.0.0.1:8899:/home/me/.jupyter.sock', 'isolated-node'],
    ],
    [
      'two hops, several forwards',
      { via: ['gw1,gw2'], to: 'node7', local: ['5678:127.0.0.1:5678', '/tmp/me/db.sock:/run/db.sock'] },
      [
        'ssh',
        '-N',
        '-T',
        '-v',
        ...BASE,
        '-J',
        'gw1,gw2',
        '-L',
        '127.0.0.1:5678:127.0.0.1:5678',
        '-L',
        '/tmp/me/db.sock:/run/db.sock',
        'node7',
      ],
    ],
    [
      'remote forward, user and port on the target, -F passed through',
      { to: 'me@headnode:2222', remote: ['10001:localhost:9123'], sshConfig: '/etc/tunnel/ssh_config' },
      [
        'ssh',
        '-N',
        '-T',
        '-v',
        '-F',
        '/etc/tunnel/ssh_config',
        ...BASE,
        '-R',
        '10001:localhost:9123',
        '-p',
        '2222',
        'me@headnode',
      ],
    ],
    [
      'unattended: BatchMode and custom keepalive',
      { to: 'h', local: ['1:h:2'], batchMode: true, keepalive: 1, keepaliveCount: 2 },
      [
        'ssh',
        '-N',
        '-T',
        '-v',
        '-o',
        'ExitOnForwardFailure=yes',
        '-o',
        'ServerAliveInterval=1',
        '-o',
        'ServerAliveCountMax=2',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'StreamLocalBindUnlink=yes',
        '-o',
        'ControlMaster=no',
        '-o',
        'ControlPath=none',
        '-o',
        'BatchMode=yes',
        '-L',
        '127.0.0.1:1:h:2',
        'h',
      ],
    ],
  ])('%s', (_, options, argv) => {
    const planned = planOf(options);
    expect(planned.strategy).toBe('jump');
    expect(planned.tunnel.argv).toEqual(argv);
  });

  it('never weakens host-key checking', () => {
    const argv = planOf({ via: ['a'], to: 'b', local: ['1:h:2'], remote: ['0:h:3'] }).tunnel.argv.join(' ');
    expect(argv).not.toMatch(/StrictHostKeyChecking|UserKnownHostsFile|GlobalKnownHostsFile/);
  });

  it('waits for remote replies only when there are -R forwards', () => {
    expect(planOf({ to: 'h', local: ['1:h:2'] }).tunnel.ready).toEqual(['session']);
    expect(planOf({ to: 'h', remote: ['1:h:2'] }).tunnel.ready).toEqual(['session', 'remote-forwards']);
  });

  it('plans removal of the -R sockets it binds (the server never unlinks them), owned ones only', () => {
    const planned = planOf({ via: ['login'], to: 'node', remote: ['/tmp/pv.sock:localhost:11111'] });
    expect(planned.remoteCleanup).toHaveLength(1);
    const argv = planned.remoteCleanup[0]!.argv;
    expect(argv.slice(-3, -1)).toEqual(['login', 'node']);
    expect(argv[argv.length - 1]).toBe(
      `exec /bin/sh -c 'for p in /tmp/pv.sock; do if [ -S "$p" ] && [ -O "$p" ]; then rm -f -- "$p"; fi; done'`,
    );
  });

  it('lists local sockets for teardown', () => {
    expect(planOf({ to: 'h', local: ['/tmp/a.sock:/b.sock', '1:h:2'] }).localSockets).toEqual(['/tmp/a.sock']);
  });
});

describe('relay strategy: the login node runs the inner ssh', () => {
  const planned = planOf(
    { via: ['gw', 'login'], to: 'isolated-node', local: ['8899:/home/me/.jupyter.sock', '8080:localhost:80'] },
    'relay',
  );
  const argv = planned.tunnel.argv;

  it('outer: -tt (not -N: the inner command must run), jumps to the relay hop, forwards to private intermediate sockets', () => {
    expect(argv.slice(0, 4)).toEqual(['ssh', '-tt', '-e', 'none']);
    expect(argv).not.toContain('-N');
    expect(argv).toContain('-J');
    expect(argv[argv.indexOf('-J') + 1]).toBe('gw');
    expect(argv.filter((_, i) => argv[i - 1] === '-L')).toEqual([
      '127.0.0.1:8899:/tmp/tnl-abc123def456/0.sock',
      '127.0.0.1:8080:/tmp/tnl-abc123def456/1.sock',
    ]);
    expect(argv[argv.length - 2]).toBe('login');
  });

  it('inner: keepalives, BatchMode, binds the intermediate sockets, reaches the target', () => {
    const script = argv[argv.length - 1]!;
    expect(script).toMatch(/^exec \/bin\/sh -c '/);
    expect(script).toContain('mkdir -m 700 /tmp/tnl-abc123def456 ||');
    expect(script).toContain('-o ServerAliveInterval=10 -o ServerAliveCountMax=3');
    expect(script).toContain('-o BatchMode=yes');
    expect(script).toContain(
      '-L /tmp/tnl-abc123def456/0.sock:/home/me/.jupyter.sock -L /tmp/tnl-abc123def456/1.sock:localhost:80 isolated-node',
    );
    expect(script).toContain('kill $p');
    expect(script).not.toContain('\n');
  });

  it('waits for the inner session as well as the outer one', () => {
    expect(planned.tunnel.ready).toEqual(['session', 'relay-inner']);
  });

  it.each([
    [{ to: 'n', local: ['1:h:2'] }, /needs a relay hop/],
    [{ via: ['l'], to: 'n', remote: ['1:h:2'] }, /-L forwards only/],
  ])('refuses %j', (options, message) => {
    expect(() => planOf(options, 'relay')).toThrow(message);
  });
});

describe('shJoin quotes everything that reaches a shell', () => {
  it.each([
    [['echo', 'a b'], "echo 'a b'"],
    [['echo', "it's"], "echo 'it'\\''s'"],
    [['echo', '$(id)', '`id`', ';', ''], "echo '$(id)' '`id`' ';' ''"],
    [['ssh', '-L', '127.0.0.1:1:/a.sock'], 'ssh -L 127.0.0.1:1:/a.sock'],
  ])('%j', (argv, line) => {
    expect(shJoin(argv)).toBe(line);
  });
});

describe('one Plan, multiplexed or not: commands are what runs', () => {
  const options = (extra: Partial<TunnelOptions> = {}): TunnelOptions => ({
    via: 'login',
    to: 'node',
    local: ['8888:/tmp/j.sock'],
    ...extra,
  });

  it.each([
    {
      name: 'a plain tunnel runs its one ssh',
      multiplex: false,
      expected: (p: ReturnType<typeof plan>) => [p.tunnel.argv],
    },
    {
      name: 'a multiplexed tunnel starts the master, then adds its forwards with -O forward',
      multiplex: true,
      expected: (p: ReturnType<typeof plan>) => [p.mux!.master, p.mux!.forward],
    },
  ])('$name', ({ multiplex, expected }) => {
    const planned = plan(parseTunnelSpec(options({ multiplex })), { controlDir: '/run/cm' });
    expect(planned.mux === undefined).toBe(!multiplex);
    expect(planned.commands).toEqual(expected(planned));
  });

  it('the mux plan names its control socket and log under the control dir, keyed by the route', () => {
    const a = plan(parseTunnelSpec(options({ multiplex: true })), { controlDir: '/run/cm' });
    const b = plan(parseTunnelSpec(options({ multiplex: true, local: ['9999:/tmp/other.sock'] })), {
      controlDir: '/run/cm',
    });
    expect(a.mux!.controlPath).toMatch(/^\/run\/cm\/[0-9a-f]{12}$/);
    expect(a.mux!.logFile).toBe(`${a.mux!.controlPath}.log`);
    expect(b.mux!.controlPath).toBe(a.mux!.controlPath);
    expect(a.mux!.forward.join(' ')).toMatch(/-L \S*8888:\/tmp\/j\.sock/);
  });

  it('keeps the spec it was planned from, so a re-plan needs nothing else', () => {
    const spec = parseTunnelSpec(options());
    expect(plan(spec).spec).toBe(spec);
  });

  it('refuses to plan a multiplexed tunnel without a control dir (a programming error, not user input)', () => {
    expect(() => plan(parseTunnelSpec(options({ multiplex: true })))).toThrow(/controlDir/);
  });
});
