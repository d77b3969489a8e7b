import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTemplate } from '../../../../src/presets/load.js';
import { FACTORY_WRAPPER_TEMPLATE, renderFactoryWrapper } from '../../../../src/presets/reverse/factory-wrapper.js';

// Read as the tool reads it: its shared helpers (# @include) inlined.
const TEMPLATE = await readTemplate(FACTORY_WRAPPER_TEMPLATE);

/*
 * The wrapper runs for real under bash with a stand-in ssh (says its session is up, records its
 * argv, waits) and a stand-in worker (records its argv): the worker gets the forward's local port
 * in place of the head node's, and both are gone, with the wrapper's directory, when it returns.
 */
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(os.tmpdir(), 'tnl-wrapper-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'tmp'));
  await writeFile(join(dir, 'bin', 'ssh'), `#!/bin/bash\necho "$@" > ${dir}/ssh.argv\necho 'debug1: Entering interactive session.' >&2\nexec sleep 30\n`);
  await writeFile(join(dir, 'worker'), `#!/bin/bash\necho "$@" > ${dir}/worker.argv\n`);
  await chmod(join(dir, 'bin', 'ssh'), 0o755);
  await chmod(join(dir, 'worker'), 0o755);
});
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

function runWrapper(wrapper: string, args: string[]) {
  return spawnSync('/bin/bash', ['-c', wrapper, 'wrapper.sh', ...args], {
    encoding: 'utf8', timeout: 15_000, env: { PATH: `${dir}/bin:/usr/bin:/bin`, TMPDIR: join(dir, 'tmp') },
  });
}

describe('renderFactoryWrapper', () => {
  it('opens the forward to the head node and runs the worker through it, on the forward\'s port', async () => {
    const wrapper = renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'me@head:2222', headPort: 40001, sshConfig: '/c f' });
    const r = runWrapper(wrapper, [`${dir}/worker`, '-t', '300', 'localhost', '40001', '-C', '127.0.0.1:9097']);
    expect(r.status, r.stderr).toBe(0);
    const ssh = (await readFile(join(dir, 'ssh.argv'), 'utf8')).trim();
    const port = /-L 127\.0\.0\.1:(\d+):localhost:40001 -p 2222 me@head$/.exec(ssh)?.[1];
    expect(ssh).toContain('-F /c f');
    expect(port).toBeDefined();
    expect((await readFile(join(dir, 'worker.argv'), 'utf8')).trim()).toBe(`-t 300 localhost ${port} -C 127.0.0.1:9097`);
    expect(r.stderr).toMatch(/the worker ended \(status 0\)/);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });
  it('a worker command without the manager\'s address is refused (exit 2), no ssh opened', async () => {
    const r = runWrapper(renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 40001 }), [`${dir}/worker`, 'localhost', '9']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/does not name localhost 40001/);
    await expect(readFile(join(dir, 'ssh.argv'), 'utf8')).rejects.toThrow();
  });
  it.each([
    [{ headPort: 'x' }, /--head-port 'x'/],
    [{ head: '-oProxyCommand=x' }, /may not start with '-'|--head/],
    [{ sshConfig: '-x' }, /--ssh-config '-x': expected a file path/],
    [{ name: 'a b' }, /NAME/],
  ])('refuses %j', (patch, message) => {
    expect(() => renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 1, ...patch })).toThrow(message);
  });
});
