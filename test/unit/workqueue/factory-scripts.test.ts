import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { remoteShell } from '../../../src/plan/remote-shell.js';
import { launchFactoryScript, stopFactoryScript } from '../../../src/workqueue/factory-scripts.js';

/*
 * The launch and stop scripts run for real under /bin/sh (as the login shell would run them),
 * with a stand-in work_queue_factory on the PATH that records its argv and, like the real one,
 * ends its work when SIGTERMed; squeue/scancel stand-ins record the stop's sweep.
 */
const FAKE_FACTORY = `#!/bin/sh
echo "$@" > "$HOME/argv"
pwd > "$HOME/cwd"
case "$*" in *--bad*) echo "work_queue_factory: unknown option" >&2; exit 1;; esac
trap 'echo term > "$HOME/terminated"; exit 0' TERM
while :; do sleep 0.1; done
`;

let home: string;
let bin: string;
beforeEach(async () => {
  home = await mkdtemp(join(os.tmpdir(), 'tnl-factory-sh-'));
  bin = join(home, 'bin');
  await mkdir(bin);
  const tools: Record<string, string> = {
    work_queue_factory: FAKE_FACTORY,
    squeue: `#!/bin/sh\necho "77|$HOME/.tunnel/wq-factory/wq-1/scratch"\necho "78|/elsewhere"\n`,
    scancel: '#!/bin/sh\necho "$@" >> "$HOME/scancelled"\n',
  };
  for (const [name, text] of Object.entries(tools)) {
    await writeFile(join(bin, name), text);
    await chmod(join(bin, name), 0o755);
  }
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function runShell(script: string, input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', remoteShell(script)], {
    input,
    encoding: 'utf8',
    timeout: 15_000,
    env: { HOME: home, PATH: `${bin}:/usr/bin:/bin` },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('launchFactoryScript + stopFactoryScript', () => {
  it('starts the factory detached in a private directory with the wrapper from stdin; stop TERMs it, sweeps its jobs, removes the directory', async () => {
    const launched = runShell(
      launchFactoryScript({ dirName: 'wq-1', args: ['-T', 'slurm', '-B', "-p 'a b'", 'localhost', '4000'] }),
      '#!/bin/bash\necho wrapper\n',
    );
    expect(launched.stderr).toBe('');
    expect(launched.status).toBe(0);
    const pid = Number(/^tunnel-launched pid=(\d+)$/m.exec(launched.stdout)![1]);
    const dir = join(home, '.tunnel', 'wq-factory', 'wq-1');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'wrapper.sh'))).mode & 0o777).toBe(0o700);
    expect(await readFile(join(dir, 'wrapper.sh'), 'utf8')).toBe('#!/bin/bash\necho wrapper\n');
    expect((await readFile(join(home, 'argv'), 'utf8')).trim()).toBe(
      `-S ${dir}/scratch --wrapper ${dir}/wrapper.sh -o ${dir}/debug.log -T slurm -B -p 'a b' localhost 4000`,
    );
    expect((await readFile(join(home, 'cwd'), 'utf8')).trim()).toBe(join(dir, 'scratch'));
    expect(() => process.kill(pid, 0)).not.toThrow();

    const stopped = runShell(stopFactoryScript('wq-1'));
    expect(stopped.stdout.trim()).toBe('tunnel-stopped');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await readFile(join(home, 'terminated'), 'utf8')).toBe('term\n');
    expect(await readFile(join(home, 'scancelled'), 'utf8')).toBe('77\n');
    expect(existsSync(dir)).toBe(false);
  });

  // 3 s rather than the default 1: a loaded test machine may take more than 1 s to start the stand-in.
  it('a factory that ends at once: its own words, exit 95, nothing left', async () => {
    const launched = runShell(
      launchFactoryScript({ dirName: 'wq-2', args: ['--bad', 'localhost', '4000'], settleSeconds: 3 }),
    );
    expect(launched.status).toBe(95);
    expect(launched.stderr.trim()).toBe('tunnel: work_queue_factory ended at once: work_queue_factory: unknown option');
    expect(await readdir(join(home, '.tunnel', 'wq-factory'))).toEqual([]);
  });

  it('stop never signals a pid whose start time changed (a recycled pid)', async () => {
    const dir = join(home, '.tunnel', 'wq-factory', 'wq-3');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pid'), `${process.pid}\n`);
    await writeFile(join(dir, 'pid.start'), '1\n');
    expect(runShell(stopFactoryScript('wq-3')).stdout.trim()).toBe('tunnel-stopped');
    expect(() => process.kill(process.pid, 0)).not.toThrow();
    expect(existsSync(dir)).toBe(false);
  });
});
