import net from 'node:net';
import { sleep } from '../out/harness/proc.js';

export const now = () => Number(process.hrtime.bigint()) / 1e6;
const MESSAGE = Buffer.alloc(64, 0x45);

/** target: { port } (on 127.0.0.1) or { path } (Unix socket). */
function connect(target, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(target.path ? { path: target.path } : { host: '127.0.0.1', port: target.port });
    const timer = setTimeout(() => fail(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
    const fail = (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/** Runs fn(socket, done) with a deadline; the socket is always destroyed afterwards. */
async function session(target, timeoutMs, what, fn) {
  const socket = await connect(target, timeoutMs);
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no answer after ${timeoutMs} ms`)), timeoutMs);
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`${what}: connection closed early`)));
      fn(socket, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  } finally {
    socket.destroy();
  }
}

/** Asks the server for `bytes` bytes; MiB/s from request to last byte. */
export function streamDownload(target, bytes, timeoutMs = 120_000) {
  return session(target, timeoutMs, 'stream', (socket, done) => {
    let received = 0;
    const start = now();
    socket.on('data', (chunk) => {
      received += chunk.length;
      if (received >= bytes) done(bytes / 1048576 / ((now() - start) / 1000));
    });
    socket.write(`S ${bytes}\n`);
  });
}

/** Sequential 64-byte echoes on one connection; per-round-trip ms (after `warmup` unrecorded ones). */
export function roundTrips(target, count, { warmup = 20, timeoutMs = 60_000 } = {}) {
  return session(target, timeoutMs, 'round trips', (socket, done) => {
    const samples = [];
    let pending = 0;
    let sentAt = 0;
    const send = () => {
      sentAt = now();
      socket.write(MESSAGE);
    };
    socket.on('data', (chunk) => {
      pending += chunk.length;
      while (pending >= MESSAGE.length) {
        pending -= MESSAGE.length;
        samples.push(now() - sentAt);
        if (samples.length === warmup + count) return done(samples.slice(warmup));
        send();
      }
    });
    send();
  });
}

/** One echo on a new connection; resolves with ms from connect to answer, rejects on failure. */
export async function connectAndEcho(target, timeoutMs = 1000) {
  const start = now();
  await session(target, timeoutMs, 'echo', (socket, done) => {
    let got = 0;
    socket.on('data', (chunk) => {
      got += chunk.length;
      if (got >= MESSAGE.length) done();
    });
    socket.write(MESSAGE);
  });
  return now() - start;
}

/** True if one echo comes back within timeoutMs. */
export const probe = (target, timeoutMs = 500) =>
  connectAndEcho(target, timeoutMs).then(
    () => true,
    () => false,
  );

/** Polls until an echo succeeds; resolves with the time of success (now() clock). Throws after timeoutMs. */
export async function waitServing(target, { timeoutMs = 15_000, intervalMs = 5, probeMs = 500 } = {}) {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (await probe(target, probeMs)) return now();
    if (now() > deadline) throw new Error(`nothing answered on ${target.path ?? target.port} within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
