import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../../loadtest/bench';
import { parseBenchArgs } from '../../loadtest/options';
import type { BenchResults } from '../../loadtest/results';
import { repoRoot } from '../../common/repo-root';
import { writeResults } from '../../loadtest/write-results';
import { describeBenchPhysics } from '../support/bench-physics';
import { freePortBase } from '../../common/ports';

/**
 * `npm run bench -- --compose --quick` against the real `docker compose up` stack that
 * tests/compose/run.sh brought up (after the kill experiment), at the stack's own settings
 * (production hash cost 17): the same physics as the local bench test, every claim measured,
 * Docker's own cost measured, and an interrupted run leaving no replica paused. Skipped without
 * the stack (a plain `npm test`).
 */
const dir = process.env.AUTHSCALE_COMPOSE_DIR;
const project = process.env.COMPOSE_PROJECT_NAME;
const suite = dir && project ? describe : describe.skip;
jest.setTimeout(900_000);

const root = repoRoot(__dirname);
let results: BenchResults;
let seconds = 0;

function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 30_000 }, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())));
  });
}

async function config(argv: string[]) {
  const parsed = parseBenchArgs(['--compose', '-p', project!, '--port-base', String(await freePortBase()), ...argv], {
    adminToken: process.env.ADMIN_TOKEN ?? 'dev-only-admin-token-change-me', now: new Date(),
  });
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
}

suite('bench --compose --quick against docker compose up', () => {
  beforeAll(async () => {
    const started = Date.now();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-compose-bench-'));
    const run = runBench(await config(['--quick', '--out', outDir]), { root, cwd: dir });
    run.on('log', (m) => process.stderr.write(`bench: ${m}\n`));
    results = await run;
    seconds = (Date.now() - started) / 1000;
    await writeResults(outDir, results);
    process.stderr.write(`test:compose: bench --compose --quick took ${seconds.toFixed(0)} s; results in ${outDir}\n`);
  });

  // The 6-minute target is a benchmark figure (docs/bench.md states each measured run with its
  // load average); this bound only catches a run that hangs or hashes for tens of minutes.
  it('when the run ends, then every scenario ran against the stack, no claim is "not measured", and it did not hang', () => {
    expect(results.skipped).toEqual([]);
    expect(results.settings).toMatchObject({ targetKind: 'docker compose', replicas: ['app1', 'app2', 'app3'], passwordHashCost: '17', redisAppendonly: 'on' });
    expect(results.scenarios.memory?.via).toBe('proxy');
    expect(results.verdicts.map((v) => [v.claim, v.verdict]).filter(([, v]) => v === 'not measured')).toEqual([]);
    expect(seconds).toBeLessThanOrEqual(900);
  });

  it('when /health is measured through the published port and on a local cluster, then both answered', () => {
    const p = results.scenarios.publishedPort!;
    expect(p.compose.requestsPerSec).toBeGreaterThan(0);
    expect(p.local.requestsPerSec).toBeGreaterThan(0);
    expect(p.ratio).not.toBeNull();
  });

  describeBenchPhysics(() => results);

  it('when the run is interrupted while app2 is paused, then it unpauses app2 before it ends', async () => {
    const run = runBench(await config(['--scenario', 'pause-replica', '--quick', '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-ctrlc-'))]), { root, cwd: dir });
    let undone: string[] = [];
    run.on('log', (m) => {
      if (m === 'pause-replica: pause app2') void run.abort().then((u) => { undone = u; });
    });
    const interrupted = await run;
    expect(interrupted.skipped).toEqual([{ scenario: 'pause-replica', reason: 'the run was interrupted' }]);
    expect(undone).toEqual(['unpause app2']);
    const id = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=app2');
    expect(await docker('inspect', '-f', '{{.State.Status}}', id)).toBe('running');
  });
});
