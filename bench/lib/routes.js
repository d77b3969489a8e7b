import { LOGIN, NODE } from './env.js';

/**
 * Each data-plane route twice: as `tunnel` options and as the ssh a person would type.
 * f = { port, targetPort, targetPath, mid } (mid: the relay's intermediate socket on login).
 */
export const ROUTES = [
  {
    key: 'one-hop-L',
    title: 'one hop -L',
    target: 'tcp',
    tunnelSsh: true,
    options: (f) => ({ to: LOGIN, local: [`${f.port}:127.0.0.1:${f.targetPort}`] }),
    raw: (f) => ['-N', '-L', `127.0.0.1:${f.port}:127.0.0.1:${f.targetPort}`, LOGIN],
  },
  {
    key: 'jump',
    title: 'two hops, jump (-J)',
    target: 'tcp',
    options: (f) => ({ via: LOGIN, to: NODE, strategy: 'jump', local: [`${f.port}:127.0.0.1:${f.targetPort}`] }),
    raw: (f) => ['-N', '-J', LOGIN, '-L', `127.0.0.1:${f.port}:127.0.0.1:${f.targetPort}`, NODE],
  },
  {
    key: 'relay',
    title: 'two hops, relay (inner ssh on login)',
    target: 'tcp',
    needsPrivateHome: true,
    options: (f) => ({ via: LOGIN, to: NODE, strategy: 'relay', local: [`${f.port}:127.0.0.1:${f.targetPort}`] }),
    // The hand-typed chain from FIELD-NOTES: no outer -N (the inner command must run), -tt so it dies with us.
    raw: (f) => [
      '-tt',
      '-L',
      `127.0.0.1:${f.port}:${f.mid}`,
      LOGIN,
      `ssh -N -T -o StreamLocalBindUnlink=yes -L ${f.mid}:127.0.0.1:${f.targetPort} ${NODE}`,
    ],
    rawStdinOpen: true,
  },
  {
    key: 'R',
    title: 'one hop -R',
    target: 'tcp',
    options: (f) => ({ to: LOGIN, remote: [`127.0.0.1:${f.port}:127.0.0.1:${f.targetPort}`] }),
    raw: (f) => ['-N', '-R', `127.0.0.1:${f.port}:127.0.0.1:${f.targetPort}`, LOGIN],
  },
  {
    key: 'port-socket',
    title: 'one hop, port -> Unix socket',
    target: 'unix',
    options: (f) => ({ to: LOGIN, local: [`${f.port}:${f.targetPath}`] }),
    raw: (f) => ['-N', '-L', `127.0.0.1:${f.port}:${f.targetPath}`, LOGIN],
  },
];
