import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../../loadtest/bench';
import { parseBenchArgs, type BenchConfig } from '../../loadtest/options';
import type { BenchResults, FaultCellResult } from '../../loadtest/results';
import { repoRoot } from '../../common/repo-root';
import { writeResults } from '../../loadtest/write-results';
import { freePortBase } from '../../common/ports';

/**
 * The whole scenario matrix against a real local cluster (redis-server, three replicas, the
 * proxy, all from dist/), with shorter phases than `--quick` so the test stays near 2 minutes;
 * the assertions are the physics every run must show, not figures that vary with the machine.
 */
jest.setTimeout(300_000);

const root = repoRoot();
let results: BenchResults;
let outDir: string;
const logs: string[] = [];
let progressEvents = 0;

async function quickConfig(): Promise<BenchConfig> {
  // A free port as the base of a block of 21: the launcher refuses (and we retry) if any is taken.
  const base = await freePortBase();
  const parsed = parseBenchArgs(['--quick', '--duration', '2', '--connections', '20', '--port-base', String(base)], { adminToken: 'unused-locally', now: new Date() });
  if (parsed.help) throw new Error('unexpected help');
  const c = parsed.config;
  return {
    ...c,
    timing: { ...c.timing, beforeSeconds: 3, faultSeconds: 4, afterSeconds: 3, memoryUsers: 500, revocationSeconds: 2 },
  };
}

function cell(cells: FaultCellResult[] | undefined, mode: string, strategy: string): FaultCellResult {
  const found = cells?.find((c) => c.mode === mode && c.strategy === strategy);
  if (!found) throw new Error(`no ${mode}/${strategy} cell`);
  return found;
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(root, 'dist', 'services', 'app', 'main.js'))) throw new Error('run `npm run build` first');
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-bench-'));
  for (let attempt = 0; ; attempt++) {
    try {
      const run = runBench(await quickConfig(), { root });
      run.on('log', (m) => logs.push(m));
      run.on('progress', () => progressEvents++);
      results = await run;
      break;
    } catch (error) {
      if (attempt >= 2 || !/in use/.test((error as Error).message)) throw error;
    }
  }
  await writeResults(outDir, results);
});

afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

describe('bench --quick against a local cluster', () => {
  it('when the run ends, then every scenario ran, the three files are written, and every claim has a measured verdict', () => {
    expect(results.skipped).toEqual([]);
    expect(Object.keys(results.scenarios).sort()).toEqual(['killRedis', 'killReplica', 'memory', 'pauseReplica', 'revocation', 'scaleOut', 'throughput']);
    expect(results.verdicts).toHaveLength(8);
    for (const v of results.verdicts) expect(v.verdict).not.toBe('not measured');
    const markdown = fs.readFileSync(path.join(outDir, 'report.md'), 'utf8');
    for (let claim = 1; claim <= 8; claim++) expect(markdown).toMatch(new RegExp(`^\\| ${claim} \\| `, 'm'));
    expect(fs.readFileSync(path.join(outDir, 'report.html'), 'utf8')).toContain('<svg');
    expect(JSON.parse(fs.readFileSync(path.join(outDir, 'results.json'), 'utf8')).settings).toMatchObject({
      passwordHashCost: '10', redisPersistence: true, cpus: os.cpus().length, replicas: ['app1', 'app2', 'app3'],
    });
    expect(results.settings.versions).toMatchObject({ autocannon: expect.any(String), 'connect-redis': expect.any(String) });
    expect(progressEvents).toBeGreaterThan(10);
  });

  it('when JWT users go through round-robin, then none is ever logged out, even when a replica is killed', () => {
    const jwt = results.scenarios.throughput!.cells.find((c) => c.mode === 'jwt' && c.strategy === 'round-robin')!;
    expect(jwt.counts.ok).toBeGreaterThan(100);
    expect(jwt.counts.logouts).toBe(0);
    expect(cell(results.scenarios.killReplica?.cells, 'jwt', 'round-robin').counts.logouts).toBe(0);
    expect(results.verdicts[0].verdict).toBe('holds');
  });

  it('when memory sessions go through round-robin, then most authenticated requests are logged out', () => {
    const memory = results.scenarios.throughput!.cells.find((c) => c.mode === 'memory' && c.strategy === 'round-robin')!;
    expect(memory.logoutRate).toBeGreaterThan(0.5);
    expect(results.verdicts[1].verdict).toBe('holds');
  });

  it('when a replica is killed under sticky routing, then its memory-session users are logged out and the others are not', () => {
    const sticky = cell(results.scenarios.killReplica?.cells, 'memory', 'sticky-cookie');
    expect(sticky.pinnedToTarget!.users).toBeGreaterThan(0);
    expect(sticky.pinnedToTarget!.loggedOut).toBe(sticky.pinnedToTarget!.users);
    expect(sticky.others!.loggedOut).toBe(0);
    expect(results.verdicts[2].verdict).toBe('holds');
  });

  it('when a replica is killed, then Redis-session users are not logged out', () => {
    const redis = results.scenarios.killReplica!.cells.filter((c) => c.mode === 'redis');
    expect(redis).toHaveLength(3);
    expect(redis.reduce((n, c) => n + c.counts.logouts, 0)).toBe(0);
    expect(['holds', 'holds with caveat']).toContain(results.verdicts[4].verdict);
  });

  it('when Redis is killed, then Redis-session users are unserved while memory and JWT users are unaffected', () => {
    const outage = results.scenarios.killRedis![0];
    for (const strategy of ['round-robin', 'sticky-cookie', 'hash-ip']) {
      expect(cell(outage.cells, 'redis', strategy).okShareDuringFault ?? 0).toBeLessThanOrEqual(0.1);
      expect(cell(outage.cells, 'jwt', strategy).okShareDuringFault).toBeGreaterThanOrEqual(0.95);
      expect(cell(outage.cells, 'jwt', strategy).counts.errors).toBe(0);
    }
    expect(cell(outage.cells, 'memory', 'sticky-cookie').okShareDuringFault).toBeGreaterThanOrEqual(0.95);
    // persistence on: sessions survive the restart, so no redis user is logged out afterwards
    expect(outage.cells.filter((c) => c.mode === 'redis').reduce((n, c) => n + c.logoutsAfterRecovery, 0)).toBe(0);
  });

  it('when a logged-out JWT is presented again, then it still works, while logged-out sessions are refused', () => {
    const rev = results.scenarios.revocation!.modes;
    const jwt = rev.find((m) => m.mode === 'jwt')!;
    expect(jwt.okAfterLogout).toBe(jwt.probes);
    for (const m of rev.filter((x) => x.mode !== 'jwt')) expect(m.okAfterLogout).toBe(0);
    expect(results.verdicts[7].verdict).toBe('holds');
  });

  it('when app4 joins, then sticky-cookie users stay where they were', () => {
    const sticky = results.scenarios.scaleOut!.cells.filter((c) => c.strategy === 'sticky-cookie');
    expect(sticky.reduce((n, c) => n + c.moved, 0)).toBe(0);
  });
});
