import { describe, expect, it } from 'vitest';
import { up } from '../../../src/supervise/up.js';
import { identifyProcess } from '../../../src/os/process-identity.js';
import { recordOf } from '../../../src/background/record-of.js';
import { readRecord, writeRecord } from '../../../src/background/record.js';
import type { ExitInfo, SpawnSsh } from '../../../src/ssh/process.js';
import { useTempStateHome } from '../../support/state-home.js';

const READY = [
  'Authenticated to login',
  'debug1: Local forwarding listening on 127.0.0.1 port 1.',
  'debug1: Entering interactive session.',
];

/** A scripted ssh that reports the tunnel ready, then lives until stopped. */
const readySsh: SpawnSsh = () => {
  let die: (info: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((resolve) => (die = resolve));
  const listeners: Array<(line: string, stream: 'stderr' | 'stdout') => void> = [];
  setTimeout(() => READY.forEach((line) => listeners.forEach((l) => l(line, 'stderr'))), 5);
  return {
    pid: 1001,
    onLine: (listener) => void listeners.push(listener),
    exited,
    stop: async () => {
      die({ exitCode: null, signal: 'SIGTERM' });
      return exited;
    },
  };
};

describe('recordOf a live Tunnel', () => {
  useTempStateHome('tnl-record-of-');

  it('publishes the supervisor by identity, the plan and the live state, and the record reads back valid', async () => {
    const tunnel = await up(
      { via: ['login'], to: 'node7', local: ['1:localhost:8888'] },
      { ssh: { spawn: readySsh }, readyTimeoutMs: 2000, healthIntervalMs: 0 },
    );
    try {
      const ssh = [{ pid: 1001, start: '123', boot: 'b' }];
      const record = recordOf(tunnel, 'nb', ssh);
      expect(record).toMatchObject({
        name: 'nb',
        supervisorPid: process.pid,
        supervisor: identifyProcess(),
        state: 'up',
        strategy: tunnel.plan.strategy,
        route: tunnel.plan.route,
        sshPids: [1001],
        sshProcesses: ssh,
        localSockets: tunnel.plan.localSockets,
        commands: tunnel.plan.commands,
        restarts: 0,
        lastError: undefined,
      });
      expect(record.forwards).toEqual([{ direction: 'L', listen: '127.0.0.1:1', target: 'localhost:8888 on node7' }]);
      expect(Date.parse(record.upSince!)).toBeGreaterThanOrEqual(Date.parse(record.startedAt));
      expect('muxLease' in record).toBe(false); // a -J tunnel holds no shared master
      expect(record.sshProcesses).not.toBe(ssh); // a copy: later spawns do not change a published record

      await writeRecord(record);
      expect(await readRecord('nb')).toEqual(JSON.parse(JSON.stringify(record)));
    } finally {
      await tunnel.down();
    }
    expect(recordOf(tunnel, 'nb', []).state).toBe('down');
  });
});
