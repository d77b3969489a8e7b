// tunnel-ssh (npm) holding one -L forward, in its own process as ssh would be.
// Host key checked against the test sshd's key: no weakened verification.
import { readFile } from 'node:fs/promises';
import { createTunnel } from 'tunnel-ssh';

const spec = JSON.parse(process.argv[2]);
const expected = Buffer.from(spec.hostKey.split(' ')[1], 'base64');
const [server] = await createTunnel(
  { autoClose: false, reconnectOnError: false },
  { host: '127.0.0.1', port: spec.port },
  {
    host: spec.host,
    port: spec.sshPort,
    username: spec.username,
    privateKey: await readFile(spec.keyPath),
    hostVerifier: (key) => Buffer.compare(key, expected) === 0,
  },
  { dstAddr: '127.0.0.1', dstPort: spec.targetPort },
);
process.stdout.write('ready\n');
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
