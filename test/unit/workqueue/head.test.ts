import { describe, expect, it } from 'vitest';
import { describeNames, knownHead } from '../../../src/workqueue/head.js';
import type { ListedTunnel } from '../../../src/background/list.js';
import type { NamedTunnel } from '../../../src/saved/index.js';

/** A background workqueue tunnel's record as `ls` lists it. */
type RecordOver = Omit<Partial<ListedTunnel>, 'preset'> & {
  listen?: string;
  allocatedPort?: number;
  reported?: number;
  preset?: string | null;
};
function running(over: RecordOver = {}): ListedTunnel {
  const { listen = 'localhost:0 on login', allocatedPort, reported, preset = 'workqueue', ...rest } = over;
  return {
    name: 'wq',
    supervisorPid: 1,
    state: 'up',
    strategy: 'jump',
    route: ['localhost', 'login'],
    forwards: [
      { direction: 'R', listen, target: 'localhost:9123', ...(allocatedPort === undefined ? {} : { allocatedPort }) },
    ],
    sshPids: [],
    localSockets: [],
    remoteCleanup: [],
    commands: [],
    startedAt: '',
    upSince: undefined,
    updatedAt: '',
    restarts: 0,
    lastError: undefined,
    uptimeSeconds: null,
    ...(preset === null
      ? {}
      : {
          preset: {
            name: preset,
            state: { preset, via: [], to: 'login' },
            report: { lines: [], json: reported === undefined ? {} : { remotePort: reported } },
          },
        }),
    ...rest,
  };
}

const saved = (over: Partial<NamedTunnel> = {}): NamedTunnel => ({
  name: 'wq',
  via: ['gw', 'login'],
  preset: 'workqueue',
  presetOptions: { port: 9123, remotePort: 41000 },
  ...over,
});

describe('knownHead', () => {
  it.each([
    [
      '-R 0, allocated port in the record',
      running({ listen: 'localhost:42001 on login', allocatedPort: 42001, reported: 40000 }),
      undefined,
      { head: 'login', port: 42001 },
    ],
    [
      'explicit -R port (no allocation)',
      running({ listen: 'localhost:41000 on login' }),
      undefined,
      { head: 'login', port: 41000 },
    ],
    ['only the preset report knows the port', running({ reported: 40000 }), undefined, { head: 'login', port: 40000 }],
    [
      'reconnecting still counts as running',
      running({ state: 'reconnecting', allocatedPort: 42001 }),
      undefined,
      { head: 'login', port: 42001 },
    ],
    [
      'a dead supervisor falls back to the saved tunnel',
      running({ state: 'dead', allocatedPort: 42001 }),
      saved(),
      { head: 'login', port: 41000 },
    ],
    ['saved with --to: the target', undefined, saved({ to: 'node7' }), { head: 'node7', port: 41000 }],
    [
      'saved with -R 0: no port',
      undefined,
      saved({ presetOptions: { port: 9123 } }),
      { head: 'login', port: undefined },
    ],
    ['neither', undefined, undefined, undefined],
  ])('%s', (_, record, store, expected) => {
    const known = knownHead('workqueue', 'wq', record, store);
    expect(known === undefined ? undefined : { head: known.head, port: known.port }).toEqual(expected);
  });

  it.each([
    [
      'a running tunnel of another preset',
      running({ preset: 'expose' }),
      undefined,
      /^worker: tunnel 'wq' runs the expose preset, not workqueue; pass --head and --head-port$/,
    ],
    ['a running plain tunnel', running({ preset: null }), undefined, /tunnel 'wq' is a plain tunnel, not workqueue/],
    [
      'a failed one with nothing saved',
      running({ state: 'failed' }),
      undefined,
      /^worker: tunnel 'wq' is failed; start it again \('tunnel up workqueue \.\.\. -d --name wq'\) or pass --head and --head-port$/,
    ],
    [
      'a saved plain tunnel',
      undefined,
      saved({ preset: undefined }),
      /saved tunnel 'wq' is a plain tunnel, not workqueue/,
    ],
  ])('refuses %s in one line', (_, record, store, message) => {
    expect(() => knownHead('workqueue', 'wq', record, store)).toThrow(message);
  });
});

describe('describeNames', () => {
  it('names every tunnel with its preset and state, or says there are none', () => {
    expect(describeNames([], [])).toBe('no tunnels are running or saved');
    expect(
      describeNames([running(), running({ name: 'x', preset: null, state: 'dead' })], [saved({ name: 'lab' })]),
    ).toBe('tunnels: wq (workqueue, up), x (plain, dead), lab (workqueue, saved)');
  });
});
