/**
 * What the tunnel's own ssh says about each forwarded connection (its -v output):
 * `channel N: open failed: ...` when the far end refused, then `channel N: free: ... connect
 * from HOST port P` once the server has closed the channel. A free line needs the server's
 * reply, so it is a real round trip: a silent (blackholed) link never produces one.
 */
export type ChannelVerdict = 'ok' | 'unreachable';

const OPEN_FAILED = /^channel (\d+): open failed: /;
const FREED = /^debug1: channel (\d+): free: direct-(?:tcpip|streamlocal@openssh\.com): .* connect from \S+ port (\d+) to /;

export class ChannelVerdicts {
  private readonly failed = new Set<number>();
  private readonly waiting = new Map<number, (verdict: ChannelVerdict) => void>();

  /** Feed every line of the tunnel ssh's output. */
  readLine(line: string): void {
    const failed = OPEN_FAILED.exec(line);
    if (failed !== null) {
      this.failed.add(Number(failed[1]));
      return;
    }
    const freed = FREED.exec(line);
    if (freed === null) return;
    const channel = Number(freed[1]);
    const verdict: ChannelVerdict = this.failed.delete(channel) ? 'unreachable' : 'ok';
    const resolve = this.waiting.get(Number(freed[2]));
    this.waiting.delete(Number(freed[2]));
    resolve?.(verdict);
  }

  /** The verdict on the connection from local port `port`, or undefined if ssh says nothing within `timeoutMs`. */
  waitFor(port: number, timeoutMs: number): Promise<ChannelVerdict | undefined> {
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
}
