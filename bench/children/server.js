// The far end of every benchmark: one TCP port and one Unix socket, two behaviours.
// A connection whose first line is "S <bytes>" gets that many bytes and an EOF (throughput);
// any other connection gets every byte echoed back (latency, readiness probes).
import net from 'node:net';

const [unixPath] = process.argv.slice(2);
const CHUNK = Buffer.alloc(1 << 20, 0x61);

function serve(socket) {
  socket.setNoDelay?.(true);
  socket.on('error', () => socket.destroy());
  let head = Buffer.alloc(0);
  const onFirst = (chunk) => {
    head = Buffer.concat([head, chunk]);
    if (head[0] !== 0x53) {
      socket.off('data', onFirst);
      socket.on('data', (more) => socket.write(more));
      socket.write(head);
      return;
    }
    const newline = head.indexOf(0x0a);
    if (newline < 0) return;
    socket.off('data', onFirst);
    sendBytes(socket, Number(head.subarray(2, newline).toString()));
  };
  socket.on('data', onFirst);
}

function sendBytes(socket, total) {
  let left = total;
  const pump = () => {
    while (left > 0) {
      const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= piece.length;
      if (!socket.write(piece)) return socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
}

const listen = (server, ...args) =>
  new Promise((resolve, reject) => server.once('error', reject).listen(...args, resolve));
const tcp = net.createServer(serve);
const unix = net.createServer(serve);
await listen(tcp, 0, '127.0.0.1');
await listen(unix, unixPath);
process.stdout.write(`${JSON.stringify({ port: tcp.address().port, path: unixPath })}\n`);
// Dies with the bench: the parent holds our stdin open.
process.stdin.on('end', () => process.exit(0)).resume();
