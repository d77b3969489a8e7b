import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Spawned } from './node-exec.js';
import { killPids, tail, waitFor } from './proc.js';
import type { ClusterNode, Topology } from './topology.js';

/*
 * Real Slurm (Debian's slurm-wlm 22.05) in the e2e topology: munged on both nodes (same key),
 * slurmctld on the login node, slurmd on the isolated node. Everything lives in a private
 * directory of this run (never /tmp, which each node replaces, nor the checkout, which may be
 * under /tmp in CI); each node sees it at the standard paths through bind mounts inside its own
 * persistent mount namespace (/etc/slurm, /etc/hosts, /run/munge). Daemons are stopped by pid.
 */

export interface Slurm {
  /** The partition every job lands in unless told otherwise. */
  partition: string;
  /** The compute node's Slurm name (also its hostname, resolvable on the login node). */
  node: string;
  /** Runs a Slurm command as root on the login node (e.g. squeue, scancel, scontrol). */
  admin(argv: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** Polls `squeue -h -t all` until the job is in one of `states` (bounded). */
  waitForState(id: string, states: RegExp, timeoutMs?: number): Promise<string>;
  /** The job's state as squeue -t all reports it ('' once forgotten). */
  state(id: string): Promise<string>;
  /** Pids of slurmstepd (a job's steps) on the compute node. */
  stepPids(): Promise<number[]>;
  stop(): Promise<void>;
}

const TOOLS = ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo'];
const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function canRunSlurm(): { ok: true } | { ok: false; why: string } {
  const missing = TOOLS.filter(
    (tool) =>
      !BIN_DIRS.some((dir) => {
        try {
          accessSync(join(dir, tool), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
  return missing.length === 0
    ? { ok: true }
    : { ok: false, why: `missing ${missing.join(', ')} (apt-get install slurm-wlm munge)` };
}

async function idOf(name: string): Promise<{ uid: number; gid: number }> {
  const r = await execa('getent', ['passwd', name], { reject: false, stdin: 'ignore', timeout: 5000 });
  const f = r.stdout.trim().split(':');
  if (r.exitCode !== 0 || f.length < 7) throw new Error(`no '${name}' account (apt-get install munge)`);
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/*
 * Debian's Open MPI (pvserver is built with it) needs PMIx when started by srun: without it MPI_Init
 * aborts ("OMPI was not built with SLURM's PMI support"). Slurm's mpi/pmix plugin dlopens
 * PMIX_LIB/libpmix.so, which only libpmix-dev ships; the runtime package has libpmix.so.2 alone.
 */
const PMIX_LIB = '/usr/lib/x86_64-linux-gnu/pmix2/lib';
const hasPmixRuntime = (): boolean => existsSync(`${PMIX_LIB}/libpmix.so.2`);

export function slurmConf(dir: string, t: Pick<Topology, 'addr'>, node: string, mpi = 'none'): string {
  return [
    'ClusterName=tnl',
    `SlurmctldHost=login(${t.addr.loginFromNode})`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    'SlurmUser=root',
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none',
    'SelectType=select/cons_tres',
    'SelectTypeParameters=CR_Core',
    'SchedulerParameters=batch_sched_delay=0',
    // 2 real cores: without this, test jobs queue behind each other (Reason=Resources).
    'SlurmdParameters=config_overrides',
    'ReturnToService=2',
    // pmix when the harness could make it loadable (srun of an MPI program then works as on a real cluster).
    `MpiDefault=${mpi}`,
    'MailProg=/bin/true',
    // A cancelled job's processes get SIGKILL 2 s after SIGTERM (default 30 s).
    'KillWait=2',
    'MinJobAge=300',
    `StateSaveLocation=${dir}/state`,
    `SlurmdSpoolDir=${dir}/spool`,
    `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`,
    `SlurmctldLogFile=${dir}/slurmctld.log`,
    `SlurmdLogFile=${dir}/slurmd.log`,
    `NodeName=${node} NodeAddr=${t.addr.node} CPUs=8 RealMemory=2000 State=UNKNOWN`,
    `PartitionName=normal Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
    '',
  ].join('\n');
}

/** Starts Slurm inside an already built topology; teardown is stop() (call it before t.teardown()). */
export async function startSlurm(t: Topology): Promise<Slurm> {
  const can = canRunSlurm();
  if (!can.ok) throw new Error(`cannot run Slurm: ${can.why}`);
  const dir = join(t.dir, 'slurm');
  const node = 'isolated-node';
  const daemons: Array<{ what: string; proc: Spawned; log?: string }> = [];
  const stop = async (): Promise<void> => {
    // Jobs first (their steps are not children of slurmd), then daemons in reverse order, by pid.
    for (const pid of await stepPids()) await killPids([pid], 'SIGKILL').catch(() => undefined);
    for (const d of daemons.reverse()) await d.proc.kill('SIGTERM').catch(() => undefined);
  };
  const stepPids = () => t.pids('node', /^slurmstepd/);
  const rootIn = (where: ClusterNode, argv: string[], timeoutMs = 15_000) => t.exec(where, argv, { timeoutMs });
  const must = async (where: ClusterNode, argv: string[]) => {
    const r = await rootIn(where, argv);
    if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} on ${where} failed (${r.exitCode}): ${r.stderr}`);
  };
  try {
    const munge = await idOf('munge');
    await mkdir(join(dir, 'etc'), { recursive: true, mode: 0o755 });
    for (const sub of ['state', 'spool']) await mkdir(join(dir, sub), { mode: 0o755 });
    const pmix = hasPmixRuntime();
    await writeFile(join(dir, 'etc', 'slurm.conf'), slurmConf(dir, t, node, pmix ? 'pmix' : 'none'), { mode: 0o644 });
    if (pmix && !existsSync(`${PMIX_LIB}/libpmix.so`)) {
      await mkdir(join(dir, 'pmix-dev'), { mode: 0o755 });
      await symlink('libpmix.so.2', join(dir, 'pmix-dev', 'libpmix.so'));
    }
    // Each node's own /etc/hosts: the login node resolves the compute node's name (for ssh and slurmctld).
    await writeFile(
      join(dir, 'hosts'),
      `127.0.0.1 localhost\n${t.addr.loginFromNode} login\n${t.addr.node} ${node}\n`,
      { mode: 0o644 },
    );
    const key = join(dir, 'munge.key');
    await writeFile(key, randomBytes(1024), { mode: 0o400 });
    await chown(key, munge.uid, munge.gid);

    for (const where of ['login', 'node'] as const) {
      const run = join(dir, `munge-${where}`);
      // munged dies with "Socket is inaccessible" unless its socket directory is world-executable.
      await mkdir(run, { mode: 0o755 });
      await chmod(run, 0o755);
      await chown(run, munge.uid, munge.gid);
      await must(where, ['mkdir', '-p', '/run/munge', '/etc/slurm']);
      await must(where, ['mount', '--bind', run, '/run/munge']);
      await must(where, ['mount', '--bind', join(dir, 'etc'), '/etc/slurm']);
      await must(where, ['mount', '--bind', join(dir, 'hosts'), '/etc/hosts']);
      // The missing libpmix.so link, in this node's own view of the library directory (read-only overlay).
      if (existsSync(join(dir, 'pmix-dev')))
        await must(where, [
          'mount',
          '-t',
          'overlay',
          'overlay',
          '-o',
          `lowerdir=${join(dir, 'pmix-dev')}:${PMIX_LIB}`,
          PMIX_LIB,
        ]);
      const proc = await t.spawn(where, [
        'setpriv',
        `--reuid=${munge.uid}`,
        `--regid=${munge.gid}`,
        '--clear-groups',
        'munged',
        '-F',
        `--key-file=${key}`,
        '--socket=/run/munge/munge.socket.2',
        `--pid-file=${run}/munged.pid`,
        `--log-file=${run}/munged.log`,
        `--seed-file=${run}/munged.seed`,
      ]);
      daemons.push({ what: `munged on ${where}`, proc, log: `${run}/munged.log` });
      await waitFor(
        async () => (await rootIn(where, ['test', '-S', '/run/munge/munge.socket.2'])).exitCode === 0,
        10_000,
        `munged on ${where}`,
      ).catch(async (e: Error) => {
        throw new Error(`${e.message}\n${proc.output()}\n${await tail(`${run}/munged.log`)}`);
      });
    }

    const ctld = await t.spawn('login', ['slurmctld', '-D', '-i']);
    daemons.push({ what: 'slurmctld', proc: ctld, log: join(dir, 'slurmctld.log') });
    await waitFor(
      async () => (await rootIn('login', ['scontrol', 'ping'], 5000)).stdout.includes('UP'),
      15_000,
      'slurmctld to answer',
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${ctld.output()}\n${await tail(join(dir, 'slurmctld.log'))}`);
    });
    const slurmd = await t.spawn('node', ['slurmd', '-D']);
    daemons.push({ what: 'slurmd', proc: slurmd, log: join(dir, 'slurmd.log') });
    await waitFor(
      async () => /^idle/m.test((await rootIn('login', ['sinfo', '-h', '-N', '-o', '%T'], 5000)).stdout),
      20_000,
      `${node} to be idle`,
    ).catch(async (e: Error) => {
      throw new Error(
        `${e.message}\n${slurmd.output()}\n${await tail(join(dir, 'slurmd.log'))}\n${await tail(join(dir, 'slurmctld.log'))}`,
      );
    });
  } catch (error) {
    await stop();
    throw error;
  }

  const state = async (id: string) =>
    (await rootIn('login', ['squeue', '-h', '-t', 'all', '-j', id, '-o', '%T'], 10_000)).stdout.trim();
  return {
    partition: 'normal',
    node,
    admin: (argv, timeoutMs) => rootIn('login', argv, timeoutMs),
    state,
    async waitForState(id, states, timeoutMs = 20_000) {
      let last = '';
      // The message is built once the wait is over: it names the state last seen, not the first.
      await waitFor(
        async () => states.test((last = await state(id))),
        timeoutMs,
        `job ${id} to reach ${states}`,
        100,
      ).catch((error: Error) => {
        throw new Error(`${error.message} (last: ${last || 'none'})`);
      });
      return last;
    },
    stepPids,
    stop,
  };
}
