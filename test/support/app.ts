import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const SERVER = fileURLToPath(new URL('../fixtures/http-unix-server.mjs', import.meta.url));

/** The fixture HTTP server on a socket path or a TCP port (0 picks one); resolves once listening. */
export async function startApp(
  target: string,
  body: string,
): Promise<{ port: number | undefined; stop: () => Promise<void>; child: ResultPromise }> {
  const child = execa('node', [SERVER, target, body], { reject: false, stdin: 'ignore', buffer: false });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('app did not start in 5 s')), 5000);
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const port = /listening (\d+)/.exec(line)?.[1];
  return {
    port: port === undefined ? undefined : Number(port),
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
}
