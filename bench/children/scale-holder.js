// One node process holding N Tunnel handles, as a long-running supervisor would.
// stdin "down\n" takes them all down; every step is reported as one JSON line.
import { createInterface } from 'node:readline';
import { up } from '../../dist/index.js';

const { forwards, sshConfig, to, extra } = JSON.parse(process.argv[2]);
const say = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const started = performance.now();
const settled = await Promise.allSettled(
  forwards.map((forward) =>
    up({ to, local: [forward], sshConfig, batchMode: true, ...extra }, { readyTimeoutMs: 120_000 }),
  ),
);
const tunnels = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
const errors = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason?.message ?? s.reason)] : []));
say({
  event: 'up',
  ms: performance.now() - started,
  ok: tunnels.length,
  errors: errors.slice(0, 3),
  pids: tunnels.flatMap((t) => t.pids()),
});

const takeDown = async () => {
  const begun = performance.now();
  await Promise.all(tunnels.map((t) => t.down()));
  say({ event: 'down', ms: performance.now() - begun });
  process.exit(0);
};
createInterface({ input: process.stdin }).on('line', (line) => line === 'down' && void takeDown());
process.stdin.on('end', () => void takeDown());
