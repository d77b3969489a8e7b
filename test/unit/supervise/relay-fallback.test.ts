import { describe, expect, it } from 'vitest';
import { TunnelError, type ErrorCode } from '../../../src/errors.js';
import { relayCanFix } from '../../../src/supervise/relay-fallback.js';

describe('relayCanFix', () => {
  it.each<[string, ErrorCode, { authenticatedHops?: number; sshMessage?: string }, number, boolean]>([
    ['the target refused our key after both jumps let us in', 'AUTH_FAILED', { authenticatedHops: 2 }, 2, true],
    ['the target needs a login after the jump', 'NEEDS_AUTH', { authenticatedHops: 1 }, 1, true],
    ['a jump itself refused us (relay would not get further)', 'AUTH_FAILED', { authenticatedHops: 1 }, 2, false],
    ['no hop count known', 'AUTH_FAILED', {}, 1, false],
    [
      'the jump would not open the onward connection (stdio forwarding)',
      'CONNECT_FAILED',
      { authenticatedHops: 1, sshMessage: 'stdio forwarding failed' },
      1,
      true,
    ],
    [
      'the jump refused the channel',
      'CONNECT_FAILED',
      { authenticatedHops: 1, sshMessage: 'channel 0: open failed: administratively prohibited' },
      1,
      true,
    ],
    [
      'a plain connection failure',
      'CONNECT_FAILED',
      { authenticatedHops: 1, sshMessage: 'Connection refused' },
      1,
      false,
    ],
    [
      'an unknown host key: relay would hand the check to the login node',
      'HOST_KEY_UNKNOWN',
      { authenticatedHops: 1 },
      1,
      false,
    ],
    ['a changed host key', 'HOST_KEY_MISMATCH', { authenticatedHops: 1 }, 1, false],
  ])('%s: %s', (_what, code, facts, viaHops, fixable) => {
    expect(relayCanFix(new TunnelError(code, 'x', facts), viaHops)).toBe(fixable);
  });
});
