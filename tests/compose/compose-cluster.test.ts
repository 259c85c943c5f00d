import { execFile } from 'node:child_process';
import path from 'node:path';
import { runNode } from '../support/processes';
import { usersThrough } from '../support/rolling-users';
import { eventually, instancesSeen, sleep, type ClusterUnderTest, type Frontend } from './kill-experiment';
import { killExperimentSuite } from './kill-experiment-suite';

/**
 * The kill experiment against `docker compose up --build`. Started by tests/compose/run.sh
 * (`npm run test:compose`), which brings the stack up from a clean copy and passes its project,
 * directory and ports here; in a plain `npm test` there is no stack, so this suite is skipped.
 */
const dir = process.env.AUTHSCALE_COMPOSE_DIR;
const project = process.env.COMPOSE_PROJECT_NAME;
const command = (process.env.AUTHSCALE_COMPOSE_CMD ?? 'docker compose').split(' ');

function compose(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // The balancers' profiles, so their services are addressable (run.sh starts them).
    execFile(command[0], [...command.slice(1), '-p', project ?? '', '--profile', 'haproxy', '--profile', 'nginx', ...args], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command.join(' ')} ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout.trim()));
  });
}

function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout.trim()));
  });
}

async function containerState(service: string): Promise<{ status: string; health: string }> {
  const id = await compose('ps', '-q', service);
  const [status, health] = (await docker('inspect', '-f', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', id)).split(' ');
  return { status, health: health ?? '' };
}

const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/** The published frontends of the proxy (prefix ''), HAProxy ('HAPROXY_') or nginx ('NGINX_'), defaults from docker-compose.yml. */
const frontendsOf = (prefix: '' | 'HAPROXY_' | 'NGINX_', first: number): Frontend[] => [
  { strategy: 'round-robin', url: `http://127.0.0.1:${port(`AUTHSCALE_PORT_${prefix}ROUND_ROBIN`, first)}` },
  { strategy: 'sticky-cookie', url: `http://127.0.0.1:${port(`AUTHSCALE_PORT_${prefix}STICKY`, first + 1)}` },
  { strategy: 'hash-ip', url: `http://127.0.0.1:${port(`AUTHSCALE_PORT_${prefix}HASH`, first + 2)}` },
];

const stack: ClusterUnderTest = {
  frontends: frontendsOf('', 8080),
  async kill(service) {
    await compose('kill', service);
    // restart: "no" — the killed container must stay down until started, or the experiment shows nothing.
    await sleep(2500);
    const state = await containerState(service);
    if (state.status !== 'exited') throw new Error(`${service} is ${state.status} after docker compose kill; expected it to stay exited`);
  },
  async start(service) {
    await compose('start', service);
    if (!(await eventually(async () => (await containerState(service)).health === 'healthy', 40_000, 500))) {
      throw new Error(`${service} did not turn healthy after docker compose start`);
    }
  },
};

(dir && project ? describe : describe.skip)('docker compose cluster (npm run test:compose)', () => {
  it('when the stack is up, then every service container is running and healthy, and redis is not published', async () => {
    for (const service of ['redis', 'app1', 'app2', 'app3', 'proxy', 'haproxy', 'nginx']) {
      expect({ service, ...(await containerState(service)) }).toEqual({ service, status: 'running', health: 'healthy' });
    }
    expect(await compose('port', 'redis', '6379').catch(() => '')).toBe('');
  });

  it('when the proxy status is read from the host, then it lists the three frontends and healthy replicas', async () => {
    const status = (await (await fetch(`${stack.frontends[0].url}/_proxy/status`)).json()) as {
      frontends: { strategy: string }[]; upstreams: { id: string; healthy: boolean }[];
    };
    expect(status.frontends.map((f) => f.strategy)).toEqual(['round-robin', 'sticky-cookie', 'hash-ip']);
    expect(status.upstreams.filter((u) => u.healthy).map((u) => u.id).sort()).toEqual(['app1', 'app2', 'app3']);
  });

  killExperimentSuite(() => stack);

  describe('through HAProxy (--profile haproxy)', () => {
    killExperimentSuite(() => ({ ...stack, frontends: frontendsOf('HAPROXY_', 8083) }), { redis: false });
  });

  describe('through nginx (--profile nginx)', () => {
    killExperimentSuite(() => ({ ...stack, frontends: frontendsOf('NGINX_', 8086) }), { redis: false });
  });

  it('when app4 joins from the scale profile, then HAProxy finds it by DNS and nginx after a SIGHUP reloads its servers', async () => {
    await compose('--profile', 'scale', 'up', '-d', '--no-deps', 'app4');
    expect(await eventually(async () => (await containerState('app4')).health === 'healthy', 120_000, 1000)).toBe(true);
    await compose('kill', '-s', 'SIGHUP', 'nginx');
    for (const [name, frontends] of [['haproxy', frontendsOf('HAPROXY_', 8083)], ['nginx', frontendsOf('NGINX_', 8086)]] as const) {
      expect({ name, app4: await eventually(async () => (await instancesSeen({ frontends }, 8)).has('app4'), 20_000, 500) }).toEqual({ name, app4: true });
    }
    await compose('--profile', 'scale', 'stop', 'app4');
  });

  it('when npm run rolling-restart -- --compose restarts every replica under use, then memory users lose their sessions and redis and jwt users are not logged out', async () => {
    const started = async (): Promise<string[]> => Promise.all(['app1', 'app2', 'app3'].map(async (s) => docker('inspect', '-f', '{{.State.StartedAt}}', await compose('ps', '-q', s))));
    const before = await started();
    let output = '';
    const seen = await usersThrough({ roundRobin: stack.frontends[0], sticky: stack.frontends[1] }, async () => {
      const run = await runNode([path.join(__dirname, '../../dist/cluster/rolling-restart-cli.js'), '--compose', '-p', project ?? ''], dir);
      output = run.output;
      if (run.code !== 0) throw new Error(`rolling-restart --compose exited ${run.code}: ${run.output}`);
    });
    expect(output).toMatch(/app1: admitted by the proxy[\s\S]*app2: admitted by the proxy[\s\S]*app3: admitted by the proxy/);
    const after = await started();
    after.forEach((at, i) => expect({ replica: i + 1, restarted: at !== before[i] }).toEqual({ replica: i + 1, restarted: true }));
    process.stdout.write(`compose rolling restart: ${JSON.stringify(seen)}\n`);
    expect(seen.memory.loggedOut).toBe(seen.memory.users);
    expect(seen.redis.loggedOut).toBe(0);
    expect(seen.jwt).toMatchObject({ loggedOut: 0, errors: [] });
    // Redis-backed answers may fail with 503 while a starting replica's production-cost hashing starves Redis of the shared cores; never anything else.
    expect(seen.redis.errors.filter((e) => !e.startsWith('503 '))).toEqual([]);
  }, 300_000);
});

