import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster, type RunningCluster, type RunningFrontend } from '../../cluster/launcher';
import { planBalancers } from '../../cluster/local-services';
import { freePortBase } from '../../common/ports';
import type { ExternalBalancerName } from '../../common/vocabulary';
import { killExperimentSuite } from '../compose/kill-experiment-suite';
import { User, eventually, frontendOf, instancesSeen, usersAround } from '../compose/kill-experiment';
import { TEST_APP_ENV, TEST_PROXY_ENV, useTempDirs } from '../support/cluster-fixtures';

/**
 * HAProxy and nginx for real, in front of a local cluster's replicas beside the proxy (`--lb`):
 * their generated configs pass the binaries' own checks, the kill experiment holds through each,
 * and the routing physics where they differ from the proxy's are what docs/proxy.md says.
 * Needs Debian's haproxy and nginx (CI installs them). About 40 s on the 2-core machine.
 */
jest.setTimeout(90_000);

const tempDir = useTempDirs('balancers');
let cluster: RunningCluster;
let runDir: string;

beforeAll(async () => {
  const missing = planBalancers(['haproxy', 'nginx'], process.env).flatMap((p) => ('missing' in p ? [p.missing] : []));
  if (missing.length > 0) throw new Error(`this test needs both balancers: ${missing.join(' ')}`);
  runDir = tempDir();
  cluster = await startCluster({ portBase: await freePortBase(), logs: 'silent', runDir, env: TEST_APP_ENV, proxyEnv: TEST_PROXY_ENV, balancers: ['haproxy', 'nginx'] });
});

afterAll(async () => {
  await cluster?.close();
});

const frontendsOf = (name: ExternalBalancerName): RunningFrontend[] => cluster.balancers.find((b) => b.name === name)!.frontends;
const onReplica = async (user: User): Promise<string | null> => (await user.me()).instance;

describe('the generated configs', () => {
  it('when the launcher writes them, then haproxy -c and nginx -t accept them', () => {
    const dir = path.join(runDir, 'balancers');
    expect(() => execFileSync(planBin('haproxy'), ['-c', '-q', '-f', path.join(dir, 'haproxy', 'haproxy.cfg')], { stdio: 'pipe' })).not.toThrow();
    expect(() => execFileSync(planBin('nginx'), ['-e', 'stderr', '-t', '-q', '-p', path.join(dir, 'nginx'), '-c', path.join(dir, 'nginx', 'nginx.conf')], { stdio: 'pipe' })).not.toThrow();
    expect(fs.existsSync(path.join(dir, 'nginx', 'nginx.pid'))).toBe(true);
  });

  it('when the services are listed, then haproxy and nginx run on their own frontends (base+3..5, base+6..8)', async () => {
    const services = await cluster.services();
    expect(services.filter((s) => s.name === 'haproxy' || s.name === 'nginx').map((s) => [s.name, s.state])).toEqual([['haproxy', 'running'], ['nginx', 'running']]);
    const base = cluster.frontends[0].port;
    expect(frontendsOf('haproxy').map((f) => f.port - base)).toEqual([3, 4, 5]);
    expect(frontendsOf('nginx').map((f) => f.port - base)).toEqual([6, 7, 8]);
  });
});

function planBin(name: ExternalBalancerName): string {
  const [plan] = planBalancers([name], process.env);
  if (!('bin' in plan)) throw new Error(plan.missing);
  return plan.bin;
}

for (const name of ['haproxy', 'nginx'] as const) {
  describe(`${name}: the kill experiment`, () => {
    killExperimentSuite(() => ({
      frontends: frontendsOf(name),
      kill: (service) => cluster.act(service, 'kill'),
      start: (service) => cluster.act(service, 'start'),
    }), { redis: false });
  });
}

describe('routing physics where the balancers differ', () => {
  it('when HAProxy sets the lb cookie, then it is the Node proxy\'s value for the same replica, so the proxy routes it there too', async () => {
    const user = new User(frontendOf({ frontends: frontendsOf('haproxy') }, 'sticky-cookie'), 'jwt', 'alice', '198.51.100.150');
    const login = await user.login();
    expect(login.status).toBe(200);
    const cookie = user.cookie('lb');
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const viaProxy = await fetch(`${frontendOf(cluster, 'sticky-cookie').url}/health`, { headers: { cookie: `lb=${cookie}` } });
    expect(viaProxy.headers.get('x-instance')).toBe(login.instance);
  });

  it('when app2 dies and comes back, then nginx sends a client whose cookie hashed to app2 back to it, while HAProxy keeps its re-dispatched client where it went', async () => {
    // app2 was killed and started by the suites above: both balancers serve it again first.
    for (const name of ['haproxy', 'nginx'] as const) {
      expect({ name, app2: await eventually(async () => (await instancesSeen({ frontends: frontendsOf(name) }, 6)).has('app2'), 20_000, 500) }).toEqual({ name, app2: true });
    }
    // Each nginx upstream block keeps its own failure state: its sticky block tries app2 again on its own schedule.
    const pinnedTo = async (name: ExternalBalancerName): Promise<User | undefined> => {
      let found: User | undefined;
      await eventually(async () => {
        found = (await usersAround({ frontends: frontendsOf(name) }, 'sticky-cookie', 'jwt', 'app2', 12)).onTarget[0];
        return found !== undefined;
      }, 30_000, 1000);
      return found;
    };
    const nginxUser = (await pinnedTo('nginx'))!;
    const haproxyUser = (await pinnedTo('haproxy'))!;
    expect({ nginx: nginxUser !== undefined, haproxy: haproxyUser !== undefined }).toEqual({ nginx: true, haproxy: true });
    expect([await onReplica(nginxUser), await onReplica(haproxyUser)]).toEqual(['app2', 'app2']);

    await cluster.act('app2', 'kill');
    expect(await onReplica(haproxyUser)).not.toBe('app2');
    expect(await onReplica(nginxUser)).not.toBe('app2');

    await cluster.act('app2', 'start');
    // nginx retries a failed server after fail_timeout (2 s) with a live request; HAProxy re-admits after its checks.
    expect(await eventually(async () => (await onReplica(nginxUser)) === 'app2', 15_000, 500)).toBe(true);
    expect(await eventually(async () => (await instancesSeen({ frontends: frontendsOf('haproxy') }, 6)).has('app2'), 15_000)).toBe(true);
    // Its cookie now names the replica it was re-dispatched to (under load a check may move it once more, never back to app2).
    expect(await onReplica(haproxyUser)).not.toBe('app2');
  });

  it('when app4 is started, then both balancers reload their configs and route to it', async () => {
    await cluster.act('app4', 'start');
    for (const name of ['haproxy', 'nginx'] as const) {
      expect({ name, app4: await eventually(async () => (await instancesSeen({ frontends: frontendsOf(name) }, 8)).has('app4'), 10_000) }).toEqual({ name, app4: true });
    }
  });
});

