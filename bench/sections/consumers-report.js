import { CONNECT_TIMEOUT, KEEPALIVE, LOOP_SLEEP_S, REVERSE_BUILDERS } from '../lib/reverse-builders.js';
import { fmt, ratio, summarize } from '../lib/stats.js';

const METRICS = [
  ['forward', 'forward answers'],
  ['workqueue', 'Work Queue task'],
  ['ssh', 'ssh via entry'],
];
const BASELINES = ['sshLoop', 'autossh'];

const faultTitle = (env, cfg, fault) =>
  fault.key === 'blackhole' ? `${cfg.blackholeMs / 1000} s blackhole (${env.blackholeKind})` : fault.title;

/** "0.41 (0.31–0.44)", with how many runs never got back; "not back within T s (0/3)" when none did. */
function cell(s, runs, within) {
  if (runs === 0) return 'n/a';
  if (s.n === 0) return `not back within ${within} s (0/${runs})`;
  const missed = s.failed ? `; ${s.failed}/${runs} not back within ${within} s` : '';
  return `${fmt(s.median, 2)} (${fmt(s.min, 2)}–${fmt(s.max, 2)})${missed}`;
}

/** Median (min–max) per metric over the runs that reached the fault. */
function summarizeRuns(runs) {
  const ok = runs.filter((r) => !r.error);
  return Object.fromEntries(METRICS.map(([m]) => [m, summarize(ok.map((r) => r[m] ?? Number.NaN))]));
}

/** tunnel ÷ baseline for one metric, or why there is no ratio. */
function ratioCell(ours, theirs) {
  if (theirs.n + theirs.failed === 0 || ours.n + ours.failed === 0) return 'n/a (no run reached the fault)';
  if (theirs.n === 0) return 'baseline never back';
  if (ours.n === 0) return 'tunnel never back';
  return fmt(ratio(ours.median, theirs.median), 2);
}

/** The 3b section: one row per fault and supervisor. faults and afterFaultMs as consumers.js ran them. */
export function consumersReport(env, cfg, { faults, afterFaultMs, raw, wqMissing }) {
  const rows = [];
  const summaries = {};
  for (const fault of faults) {
    const title = faultTitle(env, cfg, fault);
    const within = ((fault.lastsMs?.(cfg) ?? 0) + afterFaultMs) / 1000;
    const s = Object.fromEntries(
      Object.entries(raw[fault.key]).map(([builder, runs]) => [builder, summarizeRuns(runs)]),
    );
    for (const [builder, runs] of Object.entries(raw[fault.key])) {
      const ok = runs.filter((r) => !r.error);
      const kept = ok.filter((r) => r.before.every((p, i) => p === r.after[i])).length;
      const errors = runs.length - ok.length;
      const ratios =
        builder === 'tunnel'
          ? BASELINES.map((b) => METRICS.map(([m]) => ratioCell(s.tunnel[m], s[b][m])).join(' / '))
          : ['—', '—'];
      rows.push([
        title,
        REVERSE_BUILDERS[builder].label,
        ...METRICS.map(([m]) =>
          m === 'workqueue' && wqMissing ? 'not measured' : cell(s[builder][m], ok.length, within),
        ),
        `${kept}/${ok.length}${errors ? ` (${errors} run(s) failed before the fault)` : ''}`,
        ...ratios,
      ]);
    }
    summaries[fault.key] = s;
  }
  return {
    key: 'consumers',
    title: '3b. Recovery as consumers see it (-R 0)',
    method: [
      `One ssh session to "login" carries three -R 0 forwards: to the bench echo server, to the "node" sshd (standing in for the laptop's own sshd that the expose preset publishes), and to a Work Queue manager (python3-workqueue, on this side). keepalive ${KEEPALIVE.interval} s x ${KEEPALIVE.count}, ConnectTimeout ${CONNECT_TIMEOUT}, ExitOnForwardFailure, BatchMode for all three supervisors.`,
      `Supervisors: tunnel (library up(); it pins the ports first allocated and asks for them again on reconnect); \`while :; do ssh -N -R 0:… login; sleep ${LOOP_SLEEP_S}; done\` (a shell loop); \`AUTOSSH_GATETIME=0 autossh -M 0\`. The loop and autossh re-run ssh -R 0, so the server picks new ports; their consumers keep the old ones, as real consumers do unless someone re-points them.`,
      "Before each fault every consumer works: an echo answers; `ssh -F <config> bench-exposed true` succeeds, where the config is the entry the expose preset renders (renderSshConfigEntry: HostName localhost, the first allocated Port, HostKeyAlias, ProxyJump login) plus the user's identity and the exposed sshd's key under the alias; one `work_queue_worker 127.0.0.1 <first port>` (default backoff: 1 s doubling to 60 s) has returned a task.",
      `At the fault: "forward answers" = seconds until an echo comes back through the port the supervisor reports now (probes 25 ms apart); "Work Queue task" = a task \`echo TAG\` is submitted to the manager right after the fault is injected, seconds until its result arrives (the worker keeps running across the fault, connected to the first port); "ssh via entry" = seconds until a real \`ssh … bench-exposed true\` round trip through the entry succeeds (tries 100 ms apart, 8 s each at most).`,
      `"not back within T s" = no success within T s of the fault (${afterFaultMs / 1000} s after the fault ends; the blackhole lasts ${cfg.blackholeMs / 1000} s). Blackhole: ${env.blackholeKind}. "same ports after" counts runs whose supervisor reported the same three ports at the end.`,
      `${cfg.consumerReps} run(s) per supervisor and fault, the order rotated each repetition. Cells: median (min–max) s over the runs that got back. Ratios: tunnel ÷ baseline medians for forward / Work Queue / ssh (lower is better); "baseline never back" = the baseline's consumers never worked again, so there is no ratio.`,
      ...(wqMissing ? [`Work Queue not measured in this run: ${wqMissing}.`] : []),
    ],
    tables: [
      {
        head: [
          'fault',
          'supervisor',
          's until the forward answers',
          's until a Work Queue task returns',
          's until ssh via the expose entry works',
          'same ports after',
          'ratio to ssh loop (forward / WQ / ssh)',
          'ratio to autossh (forward / WQ / ssh)',
        ],
        rows,
      },
    ],
    verdicts: [],
    raw: { runs: raw, summaries },
  };
}
