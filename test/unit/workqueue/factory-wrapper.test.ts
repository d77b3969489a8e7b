import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTemplate } from '../../../src/presets/load.js';
import { FACTORY_WRAPPER_TEMPLATE, renderFactoryWrapper } from '../../../src/workqueue/factory-wrapper.js';

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
  await writeFile(
    join(dir, 'bin', 'ssh'),
    `#!/bin/bash\necho "$@" > ${dir}/ssh.argv\necho 'debug1: Entering interactive session.' >&2\nexec sleep 30\n`,
  );
  await writeFile(join(dir, 'worker'), `#!/bin/bash\necho "$@" > ${dir}/worker.argv\n`);
  await chmod(join(dir, 'bin', 'ssh'), 0o755);
  await chmod(join(dir, 'worker'), 0o755);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runWrapper(wrapper: string, args: string[]) {
  return spawnSync('/bin/bash', ['-c', wrapper, 'wrapper.sh', ...args], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { PATH: `${dir}/bin:/usr/bin:/bin`, TMPDIR: join(dir, 'tmp') },
  });
}

describe('renderFactoryWrapper', () => {
  it("opens the forward to the head node and runs the worker through it, on the forward's port", async () => {
    const wrapper = renderFactoryWrapper(TEMPLATE, {
      name: 'wq',
      head: 'me@head:2222',
      headPort: 40001,
      sshConfig: '/c f',
    });
    const r = runWrapper(wrapper, [`${dir}/worker`, '-t', '300', 'localhost', '40001', '-C', '127.0.0.1:9097']);
    expect(r.status, r.stderr).toBe(0);
    const ssh = (await readFile(join(dir, 'ssh.argv'), 'utf8')).trim();
    const port = /-L 127\.0\.0\.1:(\d+):localhost:40001 -p 2222 me@head$/.exec(ssh)?.[1];
    expect(ssh).toContain('-F /c f');
    expect(port).toBeDefined();
    expect((await readFile(join(dir, 'worker.argv'), 'utf8')).trim()).toMatch(
      new RegExp(`^--workdir=${dir}/tmp/tnl-wqf\\.\\w+ -t 300 localhost ${port} -C 127\\.0\\.0\\.1:9097$`),
    );
    expect(r.stderr).toMatch(/the worker ended \(status 0\)/);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });
  it("a worker command without the manager's address is refused (exit 2), no ssh opened", async () => {
    const r = runWrapper(renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 40001 }), [
      `${dir}/worker`,
      'localhost',
      '9',
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/does not name localhost 40001/);
    await expect(readFile(join(dir, 'ssh.argv'), 'utf8')).rejects.toThrow();
  });
  it('renders valid bash with the give-up time filled in (default 600, as for the worker script)', () => {
    for (const [forwardGiveUp, expected] of [
      [undefined, 600],
      [0, 0],
      ['3600', 3600],
    ] as const) {
      const wrapper = renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 40001, forwardGiveUp });
      const r = spawnSync('bash', ['-n'], { input: wrapper, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(wrapper).toMatch(new RegExp(`^give_up=${expected}$`, 'm'));
      expect(wrapper).not.toMatch(/@@[A-Z_]+@@/);
    }
  });

  it('a dropped forward: the worker is paused, the SAME port reopened, the same worker resumed', async () => {
    // The first ssh drops its session after 0.5 s; the second stays up.
    await writeFile(
      join(dir, 'bin', 'ssh'),
      `#!/bin/bash
echo "$@" >> ${dir}/ssh.argv
echo 'debug1: Entering interactive session.' >&2
if [ -e ${dir}/dropped ]; then exec sleep 30; fi
touch ${dir}/dropped
sleep 0.5
`,
    );
    await writeFile(
      join(dir, 'worker'),
      `#!/bin/bash
echo $$ >> ${dir}/worker.pids
sleep 2
`,
    );
    const r = runWrapper(
      renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 40001, forwardGiveUp: 5 }),
      [`${dir}/worker`, 'localhost', '40001'],
    );
    expect(r.status, r.stderr).toBe(0);
    const ports = (await readFile(join(dir, 'ssh.argv'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => /-L 127\.0\.0\.1:(\d+):/.exec(l)?.[1]);
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
    expect(r.stderr).toMatch(
      new RegExp(
        `the ssh forward ended .*; worker paused, reopening 127\\.0\\.0\\.1:${ports[0]}\n.*forward 127\\.0\\.0\\.1:${ports[0]} is back after \\d+s; worker resumed\n`,
      ),
    );
    expect((await readFile(join(dir, 'worker.pids'), 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/the worker ended \(status 0\)/);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('a forward that stays down: after the give-up time the worker is stopped, exit 1, one line says so', async () => {
    await writeFile(
      join(dir, 'bin', 'ssh'),
      `#!/bin/bash
if [ -e ${dir}/dropped ]; then echo 'ssh: connect to host head port 22: Connection refused' >&2; exit 255; fi
echo 'debug1: Entering interactive session.' >&2
touch ${dir}/dropped
sleep 0.3
`,
    );
    await writeFile(
      join(dir, 'worker'),
      `#!/bin/bash
echo $$ > ${dir}/worker.pid
exec sleep 30
`,
    );
    const t0 = Date.now();
    const r = runWrapper(
      renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 40001, forwardGiveUp: 2 }),
      [`${dir}/worker`, 'localhost', '40001'],
    );
    expect(r.status, r.stderr).toBe(1);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(
      r.stderr
        .split('\n')
        .filter((l) =>
          /gave up after 2s without the forward, stopping the worker: ssh: connect to host head port 22: Connection refused/.test(
            l,
          ),
        ),
    ).toHaveLength(1);
    const worker = Number(await readFile(join(dir, 'worker.pid'), 'utf8'));
    expect(() => process.kill(worker, 0)).toThrow();
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('every exit goes through leave, so a second signal during the cleanup does not cut it short', () => {
    const wrapper = renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 40001 });
    expect(wrapper).toMatch(
      /^trap cleanup_slot EXIT\ntrap 'leave 143' TERM\ntrap 'leave 130' INT\ntrap 'leave 129' HUP$/m,
    );
    expect(wrapper.split('\n').filter((l) => /\bexit\b/.test(l) && !l.trimStart().startsWith('#'))).toEqual([
      'leave() { trap \'\' TERM INT HUP; exit "$1"; }',
    ]);
    // The cleanup, as the wrapper has it, with a TERM landing in it: it still finishes.
    const cleanup = /^cleanup_slot\(\) \{\n[\s\S]*?\n\}$/m
      .exec(wrapper)![0]
      .replace('stop_child "$nap_pid"', 'stop_child "$nap_pid"; sleep 0.4; echo cleaned');
    const body = `stop_child() { :; }\nstop_worker() { :; }\nleave() { trap '' TERM INT HUP; exit "$1"; }\n${cleanup}\ntrap cleanup_slot EXIT\ntrap 'leave 143' TERM\n(sleep 0.2; kill -TERM $$) &\nleave 0`;
    const r = spawnSync('bash', ['-c', body], { encoding: 'utf8', timeout: 5000 });
    expect({ status: r.status, out: r.stdout }).toEqual({ status: 0, out: 'cleaned\n' });
  });

  it.each([
    [{ forwardGiveUp: -1 }, /--forward-give-up '-1': expected a whole number from 0 to 604800/],
    [{ forwardGiveUp: '1;id' }, /--forward-give-up '1;id': expected a whole number/],
    [{ headPort: 'x' }, /--head-port 'x'/],
    [{ head: '-oProxyCommand=x' }, /may not start with '-'|--head/],
    [{ sshConfig: '-x' }, /--ssh-config '-x': expected a file path/],
    [{ name: 'a b' }, /NAME/],
  ])('refuses %j', (patch, message) => {
    expect(() => renderFactoryWrapper(TEMPLATE, { name: 'wq', head: 'head', headPort: 1, ...patch })).toThrow(message);
  });
});
