import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/plan/index.js';
import { planMux } from '../../../src/plan/mux.js';
import { planRemoteCommand } from '../../../src/presets/remote.js';
import { parseTunnelSpec } from '../../../src/model/tunnel.js';
import type { TunnelOptions } from '../../../src/model/types.js';

// Secure defaults that are visible in what the planner produces, before anything runs.

const WEAK_HOST_KEYS =
  /StrictHostKeyChecking\s*[= ]\s*"?(no|off|accept-new)\b|UserKnownHostsFile\s*[= ]\s*"?\/dev\/null/i;

const SPECS: Array<[string, TunnelOptions]> = [
  ['one hop, port', { to: 'login', local: ['8888:localhost:8888'] }],
  ['two hops, socket', { via: 'login', to: 'node', local: ['8899:/home/me/.jupyter.sock'] }],
  ['three hops, -R socket', { via: ['a', 'b'], to: 'c', remote: ['/tmp/r.sock:localhost:80'] }],
  ['relay', { via: 'login', to: 'node', local: ['8899:/run/app.sock', '/tmp/me/l.sock:db:5432'], strategy: 'relay' }],
  ['batch', { to: 'login', local: ['8888:localhost:8888'], batchMode: true }],
  ['ipv6', { via: '[::1]:2222', to: 'me@[fd00::2]', local: ['[::1]:8080:[::1]:80'] }],
];

/** Every file under dir with one of the extensions. */
function filesUnder(dir: string, extensions: string[]): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, extensions);
    return extensions.some((ext) => name.endsWith(ext)) ? [path] : [];
  });
}

describe('host keys are never accepted automatically', () => {
  it.each(SPECS)('%s: no plan argv weakens host-key checking', (_, options) => {
    const spec = parseTunnelSpec(options);
    const strategies = spec.strategy === 'relay' ? (['relay'] as const) : (['jump'] as const);
    for (const strategy of strategies) {
      const planned = plan(spec, { strategy });
      for (const argv of [planned.tunnel.argv, ...planned.remoteCleanup.map((c) => c.argv)]) {
        expect(argv.join('\n')).not.toMatch(WEAK_HOST_KEYS);
      }
    }
    const mux = planMux(spec, '/tmp/cm');
    for (const argv of [mux.master, mux.check, mux.forward, mux.cancel, mux.exit])
      expect(argv.join('\n')).not.toMatch(WEAK_HOST_KEYS);
  });

  it('no source file or preset template weakens host-key checking (the embedded sandbox pins its own keys)', () => {
    const root = join(import.meta.dirname, '../../..');
    const files = [...filesUnder(join(root, 'src'), ['.ts']), ...filesUnder(join(root, 'templates'), ['.json'])];
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((file) => WEAK_HOST_KEYS.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('unattended ssh never prompts', () => {
  it('remote cleanup, the relay inner ssh and preset commands run with BatchMode=yes', () => {
    const spec = parseTunnelSpec({ via: 'login', to: 'node', remote: ['/tmp/r.sock:localhost:80'] });
    expect(plan(spec).remoteCleanup[0]!.argv).toContain('BatchMode=yes');
    const relay = plan(parseTunnelSpec({ via: 'login', to: 'node', local: ['8899:/run/app.sock'] }), {
      strategy: 'relay',
    });
    expect(relay.tunnel.argv.at(-1)).toMatch(/ssh -N -T -v .*-o BatchMode=yes/);
    expect(planRemoteCommand({ via: [], to: spec.to, sshConfig: undefined, connectTimeout: 5 }, 'true')).toContain(
      'BatchMode=yes',
    );
  });

  it('an interactive tunnel leaves BatchMode to the user; --batch sets it', () => {
    expect(plan(parseTunnelSpec({ to: 'login', local: ['1:h:1'] })).tunnel.argv).not.toContain('BatchMode=yes');
    expect(plan(parseTunnelSpec({ to: 'login', local: ['1:h:1'], batchMode: true })).tunnel.argv).toContain(
      'BatchMode=yes',
    );
  });
});

describe('local listeners bind loopback unless asked', () => {
  it.each([
    ['8080:localhost:80', '127.0.0.1:8080:localhost:80'],
    ['8899:/run/app.sock', '127.0.0.1:8899:/run/app.sock'],
    ['0.0.0.0:8080:localhost:80', '0.0.0.0:8080:localhost:80'],
    ['[::1]:8080:localhost:80', '[::1]:8080:localhost:80'],
  ])('-L %s becomes -L %s', (given, passed) => {
    const argv = plan(parseTunnelSpec({ to: 'login', local: [given] })).tunnel.argv;
    expect(argv[argv.indexOf('-L') + 1]).toBe(passed);
  });

  it('relay: the outer listener binds loopback too', () => {
    const argv = plan(parseTunnelSpec({ via: 'login', to: 'node', local: ['8899:/run/app.sock'] }), {
      strategy: 'relay',
      runId: 'abcdef123456',
    }).tunnel.argv;
    expect(argv[argv.indexOf('-L') + 1]).toBe('127.0.0.1:8899:/tmp/tnl-abcdef123456/0.sock');
  });
});

describe('relay directories cannot be planted or guessed', () => {
  it('mkdir -m 700 (never -p) under umask 077, in a directory named by 12 random hex digits', () => {
    const spec = parseTunnelSpec({ via: 'login', to: 'node', local: ['8899:/run/app.sock'] });
    const first = plan(spec, { strategy: 'relay' });
    const second = plan(spec, { strategy: 'relay' });
    expect(first.runId).toMatch(/^[0-9a-f]{12}$/);
    expect(first.runId).not.toBe(second.runId);
    const script = first.tunnel.argv.at(-1)!;
    expect(script).toContain(`umask 077; mkdir -m 700 /tmp/tnl-${first.runId} ||`);
    expect(script).not.toMatch(/mkdir -p|mkdir -m 700 -p/);
  });
});
