import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type RunningCluster } from '../../cluster/launcher';
import { runBench } from '../../loadtest/bench';
import { parseBenchArgs } from '../../loadtest/options';
import { repoRoot } from '../../common/repo-root';
import { writeResults } from '../../loadtest/write-results';
import { freePortBase } from '../../common/ports';

/**
 * login-storm end to end against a running cluster at the production hash cost: the storm's
 * outcomes are sorted into what a user sees (ok, refused, abandoned), the replicas count the
 * same refusals, the probes answer throughout, and the report carries the section. Latency and
 * CPU targets are benchmark figures (docs/login-admission.md), not asserted here.
 */
jest.setTimeout(180_000);

const root = repoRoot(__dirname);
let cluster: RunningCluster;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-storm-'));

beforeAll(async () => {
  cluster = await startCluster({
    portBase: await freePortBase(), logs: 'silent', runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-run-')),
    env: { PASSWORD_HASH_COST: '17', LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await cluster?.close();
  fs.rmSync(outDir, { recursive: true, force: true });
});

it('when 300 impatient clients storm /jwt/login at cost 17, then logins are refused or abandoned but never fail otherwise, and /health and /jwt/me keep answering', async () => {
  const parsed = parseBenchArgs(['--target', cluster.frontends[0].url, '--scenario', 'login-storm', '--quick'], { adminToken: cluster.adminToken, now: new Date() });
  if (parsed.help) throw new Error('unexpected help');
  const results = await runBench(parsed.config, { root });
  await writeResults(outDir, results);
  const storm = results.scenarios.loginStorm!;
  process.stdout.write(`login-storm: ${JSON.stringify({ logins: storm.logins, replicas: storm.replicaCounters, health: storm.probes.health, me: storm.probes.me })}\n`);
  expect(storm).toBeDefined();
  expect(storm.hashCost).toBe(17);
  expect(storm.loginCpuMs).toBeGreaterThan(0);
  // 300 clients for 6 s against three replicas hashing one login at a time: most are turned away.
  expect(storm.logins.errors).toBe(0);
  // Each client is its own address with the right password: admission refuses, the throttle never does.
  expect(storm.logins.throttled).toBe(0);
  expect(storm.logins.refused + storm.logins.abandoned).toBeGreaterThan(storm.logins.ok);
  // The replicas counted every 503 login_overloaded the clients saw, as refused at once or as
  // dropped after waiting too long; one answered after its client had given up shows on the
  // client's side as abandoned.
  const turnedAway = storm.replicaCounters!.refused + storm.replicaCounters!.abandonedQueueTimeout;
  expect(turnedAway).toBeGreaterThanOrEqual(storm.logins.refused);
  expect(turnedAway).toBeLessThanOrEqual(storm.logins.refused + storm.logins.abandoned);
  for (const probe of [storm.probes.health, storm.probes.me]) {
    expect(probe.count).toBeGreaterThan(10);
    expect(probe.failed).toBe(0);
  }
  const report = fs.readFileSync(path.join(outDir, 'report.md'), 'utf8');
  expect(report).toContain('## login-storm');
  expect(report).toMatch(/One login at hash cost 17 costs \d+ ms of replica CPU/);
});
