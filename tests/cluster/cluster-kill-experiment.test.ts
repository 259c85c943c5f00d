import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type RunningCluster } from '../../cluster/launcher';
import { killExperimentSuite } from '../compose/kill-experiment-suite';
import { alive } from '../support/processes';
import { TEST_APP_ENV, TEST_PROXY_ENV } from '../support/cluster-fixtures';
import { freePortBase } from '../../common/ports';
import { waitFor } from '../../common/poll';

/**
 * The local cluster for real: processes from dist/, a real redis-server, real HTTP through the
 * proxy. The same kill experiment as the Docker test, then the control API and a clean close.
 */
jest.setTimeout(60_000);

let cluster: RunningCluster;
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-cluster-'));

beforeAll(async () => {
  cluster = await startCluster({
    portBase: await freePortBase(),
    logs: 'silent',
    runDir,
    // Cheap password hashing and quick health checks keep the test in seconds; behaviour is unchanged.
    env: TEST_APP_ENV,
    proxyEnv: TEST_PROXY_ENV,
  });
});

afterAll(async () => {
  await cluster?.close();
  fs.rmSync(runDir, { recursive: true, force: true });
});

describe('local cluster: the kill experiment', () => {
  killExperimentSuite(() => ({
    frontends: cluster.frontends,
    kill: (service) => cluster.act(service, 'kill'),
    start: (service) => cluster.act(service, 'start'),
  }));
});

describe('local cluster: control API', () => {
  const call = (method: string, route: string, token: string | null = cluster.adminToken) =>
    fetch(`${cluster.controlUrl}${route}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('when asked without the admin token, then it answers 401 JSON', async () => {
    const response = await call('GET', '/services', null);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'admin_token_required' });
  });

  it('when asked for services, then each has its state, pid and port', async () => {
    const response = await call('GET', '/services');
    const body = (await response.json()) as { services: { name: string; state: string; pid: number | null; port: number }[] };
    expect(body.services.map((s) => s.name)).toEqual(['redis', 'app1', 'app2', 'app3', 'app4', 'proxy']);
    for (const s of body.services.filter((x) => x.name !== 'app4')) {
      expect(s).toMatchObject({ state: 'running', pid: expect.any(Number), port: expect.any(Number) });
    }
    expect(body.services.find((s) => s.name === 'app4')?.state).toBe('created');
  });

  it('when the dashboard asks the proxy for the services, then the launcher answers through it (CLUSTER_CONTROL_URL)', async () => {
    const response = await fetch(`${cluster.frontends[1].url}/_proxy/cluster/services`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { services: { name: string }[] };
    expect(body.services.map((s) => s.name)).toContain('app2');
  });

  it('when app3 is paused, then it is reported paused and unpause brings it back', async () => {
    const paused = await call('POST', '/services/app3/pause');
    expect(await paused.json()).toMatchObject({ service: { name: 'app3', state: 'paused' } });
    const resumed = await call('POST', '/services/app3/unpause');
    expect(await resumed.json()).toMatchObject({ service: { name: 'app3', state: 'running' } });
  });

  it('when app1 is killed with ?signal=SIGTERM, then it exits gracefully and stays exited', async () => {
    const response = await call('POST', '/services/app1/kill?signal=SIGTERM');
    expect(await response.json()).toMatchObject({ service: { name: 'app1', state: 'exited', pid: null } });
    const restarted = await call('POST', '/services/app1/start');
    expect(await restarted.json()).toMatchObject({ service: { name: 'app1', state: 'running' } });
  });

  it('when app3 is stopped, then it exits gracefully (code 0); when app1 is restarted, then it runs as a new process', async () => {
    const stopped = await call('POST', '/services/app3/stop');
    expect(await stopped.json()).toMatchObject({ service: { name: 'app3', state: 'exited', exitCode: 0, signal: null } });
    const before = (await cluster.services()).find((s) => s.name === 'app1')?.pid;
    const restarted = await call('POST', '/services/app1/restart');
    const body = (await restarted.json()) as { service: { state: string; pid: number } };
    expect(body.service.state).toBe('running');
    expect(body.service.pid).not.toBe(before);
    await cluster.act('app3', 'start');
  });

  it('when app4 is started later (scale-out), then the proxy admits it and round-robin reaches it', async () => {
    const response = await call('POST', '/services/app4/start');
    expect(await response.json()).toMatchObject({ service: { name: 'app4', state: 'running' } });
    await waitFor(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) seen.add((await fetch(`${cluster.frontends[0].url}/health`)).headers.get('x-instance') ?? '');
      return seen.has('app4');
    }, 10_000, 200);
  });

  it('when the service, verb or signal is unknown, then it answers a clear JSON error', async () => {
    expect((await call('POST', '/services/app9/kill')).status).toBe(404);
    expect(await (await call('POST', '/services/app1/explode')).json()).toMatchObject({ error: 'bad_request' });
    expect(await (await call('POST', '/services/app1/kill?signal=SIGNOPE')).json()).toMatchObject({ error: 'bad_request' });
  });

  it('when the cluster is closed, then no service process is left', async () => {
    const pids = (await cluster.services()).map((s) => s.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBe(6);
    await cluster.close();
    await waitFor(() => pids.every((pid) => !alive(pid)), 5000);
    expect(pids.filter(alive)).toEqual([]);
    await expect(fetch(cluster.frontends[0].url)).rejects.toThrow();
  });
});
