import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunSlurm, startSlurm, type Slurm } from '../harness/slurm.js';
import { buildTopology, canBuildTopology, type Topology } from '../harness/topology.js';

/*
 * The Slurm harness itself: slurmctld on the login node, slurmd on the isolated node, and a job
 * submitted by the cluster user through ssh to the login node runs on the isolated node.
 */
const can = canBuildTopology();
const slurmOk = canRunSlurm();
const why = !can.ok ? can.why : !slurmOk.ok ? slurmOk.why : undefined;

if (why !== undefined) {
  console.warn(`\n${'!'.repeat(72)}\n!! SKIPPING e2e Slurm cluster: ${why}\n${'!'.repeat(72)}\n`);
  it.skip(`slurm cluster e2e (skipped: ${why})`, () => undefined);
} else {
  describe('real Slurm in the namespaces', { timeout: 120_000 }, () => {
    let t: Topology;
    let slurm: Slurm | undefined;

    beforeAll(async () => {
      t = await buildTopology();
      slurm = await startSlurm(t);
    }, 120_000);
    afterAll(async () => {
      await slurm?.stop();
      await t?.teardown();
    });

    it('sbatch --wrap hostname from the laptop through ssh to login runs on isolated-node', async () => {
      const ssh = (cmd: string) =>
        t.exec('laptop', ['ssh', '-F', t.sshConfigPath, 'login', cmd], { timeoutMs: 20_000 });
      const submit = await ssh('sbatch --parsable --output=slurm-harness-%j.out --wrap hostname');
      expect(submit.stderr).toBe('');
      const id = submit.stdout.trim();
      expect(id).toMatch(/^\d+$/);
      expect(await slurm!.waitForState(id, /^COMPLETED$/, 20_000)).toBe('COMPLETED');
      const out = await ssh(`cat slurm-harness-${id}.out; rm -f slurm-harness-${id}.out`);
      expect(out.stdout.trim()).toBe('isolated-node');
      // The node name is resolvable on the login node (ssh and -L through login use it).
      expect((await t.exec('login', ['getent', 'hosts', 'isolated-node'])).stdout).toContain(t.addr.node);
      // The login node's own hostname is not the node's: the job did not run there.
      expect((await t.exec('login', ['hostname'])).stdout.trim()).toBe('login');
    });
  });
}
