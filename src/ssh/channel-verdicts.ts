/**
 * What the tunnel's own ssh says about each forwarded connection (its -v output):
 * `channel N: open failed: ...` when the far end refused, then `channel N: free: ... connect
 * from HOST port P` once the server has closed the channel. A free line needs the server's
 * reply, so it is a real round trip: a silent (blackholed) link never produces one.
 */
export type ChannelVerdict = 'ok' | 'unreachable';

const OPEN_FAILED = /^channel (\d+): open failed: /;
const FREED =
  /^debug1: channel (\d+): free: direct-(?:tcpip|streamlocal@openssh\.com): .* connect from \S+ port (\d+) to /;
/** Verdicts kept for a waiter that registers late: ssh may answer before our connect callback runs. */
const KEEP_MS = 10_000;

export class ChannelVerdicts {
  private readonly failed = new Set<number>();
  private readonly waiting = new Map<number, (verdict: ChannelVerdict) => void>();
  private readonly recent = new Map<number, { verdict: ChannelVerdict; at: number }>();

  /** Feed every line of the tunnel ssh's output. */
  readLine(line: string): void {
    const failed = OPEN_FAILED.exec(line);
    if (failed !== null) {
      this.failed.add(Number(failed[1]));
      return;
    }
    const freed = FREED.exec(line);
    if (freed === null) return;
    const verdict: ChannelVerdict = this.failed.delete(Number(freed[1])) ? 'unreachable' : 'ok';
    const port = Number(freed[2]);
    const resolve = this.waiting.get(port);
    if (resolve === undefined) this.remember(port, verdict);
    this.waiting.delete(port);
    resolve?.(verdict);
  }

  /** The verdict on the connection from local port `port`, or undefined if ssh says nothing within `timeoutMs`. */
  waitFor(port: number, timeoutMs: number): Promise<ChannelVerdict | undefined> {
    const early = this.recent.get(port);
    this.recent.delete(port);
    if (early !== undefined && Date.now() - early.at < KEEP_MS) return Promise.resolve(early.verdict);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(port);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(port, (verdict) => {
        clearTimeout(timer);
        resolve(verdict);
      });
    });
  }

  private remember(port: number, verdict: ChannelVerdict): void {
    const now = Date.now();
    for (const [key, entry] of this.recent) if (now - entry.at >= KEEP_MS) this.recent.delete(key);
    this.recent.set(port, { verdict, at: now });
  }
}
