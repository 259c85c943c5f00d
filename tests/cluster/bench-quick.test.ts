import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../../loadtest/bench';
import { parseBenchArgs, type BenchConfig } from '../../loadtest/options';
import type { BenchResults } from '../../loadtest/results';
import { repoRoot } from '../../common/repo-root';
import { writeResults } from '../../loadtest/write-results';
import { freePortBase } from '../../common/ports';
import { describeBenchPhysics } from '../support/bench-physics';

/**
 * The whole scenario matrix against a real local cluster (redis-server, three replicas, the
 * proxy, all from dist/), with shorter phases than `--quick` and a cheaper hash cost (10, reported
 * as such) so the test stays near 2 minutes — tests/compose runs the bench at production cost;
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
  const parsed = parseBenchArgs(['--quick', '--duration', '2', '--connections', '20', '--port-base', String(base), '--hash-cost', '10'], { adminToken: 'unused-locally', now: new Date() });
  if (parsed.help) throw new Error('unexpected help');
  const c = parsed.config;
  return {
    ...c,
    timing: { ...c.timing, beforeSeconds: 3, faultSeconds: 4, afterSeconds: 3, memoryUsers: 500, revocationSeconds: 2 },
  };
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
      passwordHashCost: "10 (--hash-cost 10: not production's 17)", redisPersistence: true, cpus: os.cpus().length, replicas: ['app1', 'app2', 'app3'],
    });
    expect(results.settings.versions).toMatchObject({ autocannon: expect.any(String), 'connect-redis': expect.any(String) });
    expect(progressEvents).toBeGreaterThan(10);
  });

  describeBenchPhysics(() => results);
});
