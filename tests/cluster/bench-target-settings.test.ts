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
 * The report states the settings the TARGET runs with, read from it at run time: a cluster the
 * bench did not start, at PASSWORD_HASH_COST=16 and SESSION_TOUCH=never, driven with --target.
 */
jest.setTimeout(120_000);

const root = repoRoot(__dirname);
let cluster: RunningCluster;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-settings-'));

beforeAll(async () => {
  cluster = await startCluster({
    portBase: await freePortBase(), logs: 'silent', runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-run-')),
    redisAppendonly: false, env: { PASSWORD_HASH_COST: '16', SESSION_TOUCH: 'never', LOG_LEVEL: 'warn' },
  });
});

afterAll(async () => {
  await cluster?.close();
  fs.rmSync(outDir, { recursive: true, force: true });
});

it('when the target runs with hash cost 16, touch never and no appendonly, then the report says so, read from the target', async () => {
  const parsed = parseBenchArgs(['--target', cluster.frontends[0].url, '--scenario', 'revocation', '--quick'], { adminToken: cluster.adminToken, now: new Date() });
  if (parsed.help) throw new Error('unexpected help');
  const results = await runBench(parsed.config, { root });
  await writeResults(outDir, results);
  expect(results.settings).toMatchObject({ passwordHashCost: '16', sessionTouch: 'never', redisAppendonly: 'off', targetKind: 'target' });
  expect(results.settings.replicaSettings).toHaveLength(3);
  const report = fs.readFileSync(path.join(outDir, 'report.md'), 'utf8');
  expect(report).toMatch(/\| password hash cost \(scrypt log2 N, read from the replicas\) \| 16 \|/);
  expect(report).toMatch(/\| session touch policy \(read from the replicas\) \| never \|/);
});
