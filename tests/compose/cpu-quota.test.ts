import { execFile } from 'node:child_process';
import { containerCpuSource } from '../../loadtest/cpu-accounting';

/**
 * CPU quotas from the environment, on a real engine (started by tests/compose/run.sh): the stack
 * runs without one by default, and AUTHSCALE_REPLICA_CPUS gives a replica a quota its cgroup
 * shows. app4 (the scale profile) is created with a quota and removed again, so the running
 * stack is not touched.
 */
const dir = process.env.AUTHSCALE_COMPOSE_DIR;
const project = process.env.COMPOSE_PROJECT_NAME;
const command = (process.env.AUTHSCALE_COMPOSE_CMD ?? 'docker compose').split(' ');

function compose(env: Record<string, string>, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command[0], [...command.slice(1), '-p', project ?? '', ...args], { cwd: dir, timeout: 120_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command.join(' ')} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout.trim()));
  });
}

(dir && project ? describe : describe.skip)('CPU quotas in docker-compose.yml (npm run test:compose)', () => {
  it('when no quota variable is set, then a replica and the proxy run without a CPU quota', async () => {
    for (const service of ['app1', 'proxy', 'redis']) {
      const id = await compose({}, 'ps', '-q', service);
      const sample = await containerCpuSource(id).source();
      expect({ service, quota: sample.quotaCores }).toEqual({ service, quota: null });
      expect(sample.usageUsec).toBeGreaterThan(0);
    }
  });

  it('when AUTHSCALE_REPLICA_CPUS=0.3, then the replica created with it has a 0.3-core quota in its cgroup', async () => {
    try {
      await compose({ AUTHSCALE_REPLICA_CPUS: '0.3' }, '--profile', 'scale', 'up', '-d', '--no-deps', 'app4');
      const id = await compose({}, '--profile', 'scale', 'ps', '-q', 'app4');
      const { source } = containerCpuSource(id);
      expect((await source()).quotaCores).toBeCloseTo(0.3, 3);
    } finally {
      await compose({}, '--profile', 'scale', 'rm', '-s', '-f', 'app4').catch(() => undefined);
    }
  });
});
