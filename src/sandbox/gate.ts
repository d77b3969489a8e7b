import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * Sits between a TCP socket and the ssh2 server so the sandbox can blackhole a
 * connection the way a dead network path does: nothing is read (the kernel
 * buffers, TCP flow control applies, no RST) and nothing is sent, until
 * `open()`. Writes made while closed are held and flushed on `open()`, so a
 * connection that survives the stall carries on intact.
 */
export class GatedSocket extends Duplex {
  private blocked: boolean;
  private held: Buffer[] = [];
  private endPending = false;

  constructor(
    private readonly sock: Socket,
    blocked: boolean,
  ) {
    super();
    this.blocked = blocked;
    sock.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) sock.pause();
    });
    sock.on('end', () => this.push(null));
    // Errors surface as 'close'; without a listener they would crash the process.
    sock.on('error', () => {});
    sock.on('close', () => this.destroy());
    if (blocked) sock.pause();
  }

  close(): void {
    this.blocked = true;
    this.sock.pause();
  }

  open(): void {
    if (!this.blocked) return;
    this.blocked = false;
    for (const chunk of this.held.splice(0)) this.sock.write(chunk);
    if (this.endPending) this.sock.end();
    this.sock.resume();
  }

  /** Abrupt kill, as when sshd's process dies. */
  kill(): void {
    this.sock.destroy();
    this.destroy();
  }

  override _read(): void {
    if (!this.blocked) this.sock.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.blocked) {
      this.held.push(chunk);
      cb();
      return;
    }
    this.sock.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.blocked) this.endPending = true;
    else this.sock.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.sock.destroy();
    cb(err);
  }
}
