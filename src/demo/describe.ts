import type { ChalkInstance } from 'chalk';
import type { DemoEvent, DemoStep } from './run.js';

/** What the spinner says while a step runs. */
export const STEP_TITLES: Record<DemoStep, string> = {
  sandbox: 'Starting a sandbox cluster (a login node and an isolated compute node)',
  tunnel: 'Building the tunnel with your own ssh',
  request: 'Sending an HTTP request through the tunnel',
  reconnect: 'Dropping every SSH connection and waiting for the tunnel to heal',
  keep: 'Keeping the tunnel up',
  teardown: 'Tearing everything down',
};

/** The opening lines: what is about to happen and why it matters. */
export function introLines(style: ChalkInstance): string[] {
  return [
    style.bold('tunnel demo') + ' — a real SSH tunnel to an isolated compute node, built by your own OpenSSH client.',
    style.dim('Everything runs on this machine (loopback only) and is removed at the end.'),
    '',
  ];
}

const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** The lines printed when a step finishes: the outcome first, then a short explanation. */
export function eventLines(event: DemoEvent, style: ChalkInstance): string[] {
  const ok = (text: string, ms?: number) =>
    `${style.green('✔')} ${text}${ms === undefined ? '' : style.dim(` (${seconds(ms)})`)}`;
  const note = (text: string) => `    ${style.dim(text)}`;
  switch (event.step) {
    case 'sandbox':
      return [
        ok('Sandbox cluster started', event.ms),
        `    ${style.cyan('you')}            this machine, with your own ssh client (${event.sshVersion})`,
        `    ${style.cyan('login')}          an SSH server on 127.0.0.1:${event.loginPort}: the one machine you can reach directly`,
        `    ${style.cyan('isolated-node')}  a compute node with no address of its own: reachable ${style.bold('only through login')}`,
        `    ${style.cyan('app')}            an HTTP server on a Unix socket on isolated-node: ${event.appSocketPath}`,
      ];
    case 'tunnel':
      return [
        ok(`Tunnel up: ${style.bold(`127.0.0.1:${event.localPort}`)} → ${event.target}`, event.ms),
        note(
          `route ${event.route.join(' → ')} (${event.strategy}): one ssh (pid ${event.pids.join(', ')}) hops through login with -J`,
        ),
        note('and carries the forward to the socket on the node; login never sees the traffic in clear.'),
      ];
    case 'request':
      return [
        ok(
          `GET http://127.0.0.1:${event.port}/ → ${event.answer.status} ${style.bold(JSON.stringify(event.answer.body.trimEnd()))}`,
          event.answer.ms,
        ),
        '',
        `  It is just OpenSSH. The same tunnel, typed by hand (-v only lets tunnel follow ssh's progress):`,
        `    ${style.yellow(event.command)}`,
        '',
      ];
    case 'reconnect':
      return [
        ok(
          `Dropped every SSH connection; the tunnel reconnected by itself (restart ${event.restarts}, new ssh pid ${event.pids.join(', ')})`,
          event.ms,
        ),
        note(`and the same request works again: ${event.answer.status} ${JSON.stringify(event.answer.body.trimEnd())}`),
      ];
    case 'keep':
      return [
        '',
        `  The tunnel stays up: try ${style.bold(`curl http://127.0.0.1:${event.localPort}/`)} in another terminal.`,
        `  Press ${style.bold('Ctrl-C')} to tear it down.`,
      ];
    case 'teardown': {
      const { alivePids, processesUsingConfig, dirExists } = event.leftovers;
      const pids = [...new Set([...alivePids, ...processesUsingConfig])];
      if (pids.length === 0 && !dirExists)
        return [ok('Torn down: no ssh process left, sandbox directory removed', event.ms)];
      return [
        `${style.red('✖')} Torn down, but ${[pids.length > 0 ? `ssh pid ${pids.join(', ')} still runs` : '', dirExists ? 'the sandbox directory is still there' : ''].filter(Boolean).join(' and ')}`,
      ];
    }
  }
}

/** The closing lines, with what to do next. */
export function outroLines(totalMs: number, style: ChalkInstance): string[] {
  return ['', `Done in ${seconds(totalMs)}. Next: ${style.bold('tunnel init')} sets up your own cluster.`];
}
