import { spawnSync } from 'node:child_process';
import os from 'node:os';

const firstLine = (file, args) => {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 5000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n')[0].trim() || 'n/a';
};

/** What the figures were measured on, read from the machine at run time. */
export function describeMachine(isolation) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'n/a',
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    ssh: firstLine('ssh', ['-V']),
    autossh: firstLine('autossh', ['-V']),
    loadAverageAtStart: os.loadavg().map((x) => Number(x.toFixed(2))),
    isolation: isolation.netns
      ? 'private network + mount namespace (unshare): loopback only, tmpfs over $HOME'
      : 'none (not root, or BENCH_ISOLATE=0): host loopback',
  };
}
