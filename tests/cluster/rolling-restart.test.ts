import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type RunningCluster } from '../../cluster/launcher';
import { runBench } from '../../loadtest/bench';
import { parseBenchArgs } from '../../loadtest/options';
import { repoRoot } from '../../common/repo-root';
import { freePortBase } from '../../common/ports';
import { frontendOf } from '../compose/kill-experiment';
import { TEST_APP_ENV, TEST_PROXY_ENV } from '../support/cluster-fixtures';
import { runNode } from '../support/processes';
import { usersThrough } from '../support/rolling-users';

/**
 * The routine deploy on the local launcher: `npm run rolling-restart` (each replica stopped
 * gracefully, started, admitted by the proxy, in turn) under users of every mode, then the bench's
 * rolling-deploy scenario on its own cluster. Cheap hashing (cost 10) keeps restarts in seconds.
 */
jest.setTimeout(180_000);

const root = repoRoot();
let cluster: RunningCluster;
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-rolling-'));

beforeAll(async () => {
  cluster = await startCluster({ portBase: await freePortBase(), logs: 'silent', runDir, env: TEST_APP_ENV, proxyEnv: TEST_PROXY_ENV });
});

afterAll(async () => {
  await cluster?.close();
  fs.rmSync(runDir, { recursive: true, force: true });
});

it('when npm run rolling-restart restarts every replica under use, then memory users lose their sessions and redis and jwt users see no logout and no error', async () => {
  const pids = async (): Promise<Record<string, number | null>> =>
    Object.fromEntries((await cluster.services()).filter((s) => /^app[1-3]$/.test(s.name)).map((s) => [s.name, s.pid]));
  const before = await pids();
  let output = '';
  const seen = await usersThrough({ roundRobin: frontendOf(cluster, 'round-robin'), sticky: frontendOf(cluster, 'sticky-cookie') }, async () => {
    const run = await runNode([path.join(root, 'dist/cluster/rolling-restart-cli.js'), '--control-url', cluster.controlUrl]);
    output = run.output;
    if (run.code !== 0) throw new Error(`rolling-restart exited ${run.code}: ${run.output}`);
  });
  expect(output).toMatch(/app1: admitted by the proxy[\s\S]*app2: admitted by the proxy[\s\S]*app3: admitted by the proxy/);
  const after = await pids();
  for (const name of ['app1', 'app2', 'app3']) expect({ name, restarted: after[name] !== before[name] && after[name] !== null }).toEqual({ name, restarted: true });
  // Each replica restarted once: every memory user's home lost its sessions.
  expect(seen.memory.loggedOut).toBe(seen.memory.users);
  expect({ loggedOut: seen.redis.loggedOut, errors: seen.redis.errors }).toEqual({ loggedOut: 0, errors: [] });
  expect({ loggedOut: seen.jwt.loggedOut, errors: seen.jwt.errors }).toEqual({ loggedOut: 0, errors: [] });
});

it('when the bench runs rolling-deploy on its own cluster, then memory users behind affinity are logged out and the other modes see no logout and no error', async () => {
  const parsed = parseBenchArgs(['--scenario', 'rolling-deploy', '--quick', '--hash-cost', '10', '--port-base', String(await freePortBase())], { adminToken: 'unused-locally', now: new Date() });
  if (parsed.help) throw new Error('unexpected help');
  const results = await runBench(parsed.config, { root });
  const r = results.scenarios.rollingDeploy!;
  expect(r).toMatchObject({ targetKind: 'own cluster', replicasBefore: ['app1', 'app2', 'app3'], replicasAfter: ['app1', 'app2', 'app3'] });
  expect(r.operationSeconds).not.toBeNull();
  expect(r.events.filter((e) => e.kind === 'fault').map((e) => e.label)).toEqual(['stop app1', 'stop app2', 'stop app3']);
  for (const cell of r.cells) {
    const name = `${cell.mode} ${cell.strategy}`;
    if (cell.mode === 'memory' && cell.strategy !== 'round-robin') expect({ name, loggedOut: cell.usersLoggedOut }).toEqual({ name, loggedOut: cell.users });
    if (cell.mode !== 'memory') expect({ name, logouts: cell.counts.logouts }).toEqual({ name, logouts: 0 });
    expect({ name, errors: cell.errorKinds }).toEqual({ name, errors: {} });
  }
  expect(results.verdicts.every((v) => v.verdict === 'not measured')).toBe(true);
});
