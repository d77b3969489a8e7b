import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardStdio, lostOutput } from '../../../src/cli/safe-output.js';

/** A stream whose every write fails with `code`, as stdout does once its reader is gone. */
function failing(code: string): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error(code), { code }));
    },
  });
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('guardStdio', () => {
  it.each(['EPIPE', 'EIO'])('a write failing with %s is swallowed and not counted as lost output', async (code) => {
    const stream = failing(code);
    guardStdio([stream]);
    stream.write('down\n');
    stream.write('after the error too\n');
    await flush();
    expect(lostOutput()).toBeUndefined();
  });

  it('installs its handler once however often it is called', () => {
    const stream = failing('EPIPE');
    guardStdio([stream]);
    guardStdio([stream]);
    expect(stream.listenerCount('error')).toBe(1);
  });

  it('output lost for another reason (a full disk) is remembered for the exit code', async () => {
    const stream = failing('ENOSPC');
    guardStdio([stream]);
    stream.write('x\n');
    await flush();
    expect(lostOutput()?.code).toBe('ENOSPC');
  });
});
