import { readFileSync } from 'node:fs';
import net from 'node:net';

// Forward ports come from below the kernel's ephemeral range: 200 ssh clients opening connections
// at once would otherwise be handed, as source ports, the very ports their forwards are about to bind.
const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0]) || 32768;
const LOW = 10_000;
const HIGH = Math.min(ephemeralLow, 32_768) - 1;
let next = LOW + Math.floor(Math.random() * (HIGH - LOW));

const isFree = (port) =>
  new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** A port on 127.0.0.1 that is free now and outside the ephemeral range. */
export async function forwardPort() {
  for (let tries = 0; tries < 2000; tries += 1) {
    const port = next;
    next = next >= HIGH ? LOW : next + 1;
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port in ${LOW}-${HIGH}`);
}
