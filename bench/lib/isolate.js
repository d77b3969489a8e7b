import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';

/**
 * As root, the whole run moves into a private network + mount namespace: loopback only,
 * nftables rules that cannot touch the host, and a tmpfs over $HOME so the relay's inner
 * ssh can read a ~/.ssh/config without the real one being read or written.
 */
export function canIsolate() {
  if (process.env.BENCH_ISOLATE === '0' || process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  if (process.cwd().startsWith(os.homedir())) return false;
  return spawnSync('unshare', ['--net', '--mount', 'true'], { timeout: 5000 }).status === 0;
}

/** Re-runs this script inside the namespaces; resolves with its exit code. */
export function runIsolated(script) {
  const child = spawn(
    'unshare',
    ['--net', '--mount', '--propagation', 'private', '--fork', '--kill-child=SIGTERM', '--', process.execPath, script],
    { stdio: 'inherit', env: { ...process.env, BENCH_INSIDE: '1' } },
  );
  // The inner run cleans up on SIGTERM; unshare passes it on when it dies (--kill-child).
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill('SIGTERM'));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** Inside the namespaces: bring loopback up and hide the real home. */
export function setUpInside() {
  if (process.env.BENCH_INSIDE !== '1') return { netns: false, privateHome: false };
  const run = (file, args) => {
    const r = spawnSync(file, args, { encoding: 'utf8', timeout: 5000 });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')}: ${r.stderr}`);
  };
  run('ip', ['link', 'set', 'lo', 'up']);
  run('mount', ['-t', 'tmpfs', '-o', 'mode=700,size=16m', 'tmpfs', os.homedir()]);
  return { netns: true, privateHome: true };
}
