import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBench } from '../../loadtest/bench';
import { parseBenchArgs } from '../../loadtest/options';
import { repoRoot } from '../../common/repo-root';
import { freePortBase } from '../../common/ports';
import { pollUntil } from '../../common/poll';
import { composeHealthy, composeOverride } from './compose-override';

/**
 * The HA override on a real `docker compose` stack, as a user takes it: the stack tests/compose/run.sh
 * brought up is restarted with `-f docker-compose.yml -f docker-compose.ha.yml up -d` (redis2 and three
 * Sentinels join, the replicas re-pointed at them), then `npm run bench -- --compose --scenario
 * failover-redis --variants ha-cut-off --quick`: the Sentinels promote redis2, every replica follows,
 * and exactly the sessions the cut-off replica had not received are lost. Changes the stack
 * (run.sh runs it last); skipped without the stack (a plain `npm test`).
 */
const dir = process.env.AUTHSCALE_COMPOSE_DIR;
const project = process.env.COMPOSE_PROJECT_NAME;
const suite = dir && project ? describe : describe.skip;
jest.setTimeout(600_000);

const root = repoRoot(__dirname);

suite('docker compose with docker-compose.ha.yml: the Sentinel failover under load', () => {
  it('when the stack is restarted with the HA override and its primary killed with the replica cut off, then redis2 is promoted, every replica follows, and exactly the sessions the replica missed are lost', async () => {
    const started = Date.now();
    const dc = composeOverride(dir!, project!, 'docker-compose.ha.yml');
    const healthy = (services: readonly string[]): Promise<boolean> => composeHealthy(dc, services);
    await dc('up', '-d');
    const up = await pollUntil(() => healthy(['redis', 'redis2', 'sentinel1', 'sentinel2', 'sentinel3', 'app1', 'app2', 'app3', 'proxy']), { timeoutMs: 240_000, stepMs: 2000 });
    expect(up).toBe(true);
    process.stderr.write(`test:compose: the HA override up and healthy after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const parsed = parseBenchArgs(['--compose', '-p', project!, '--port-base', String(await freePortBase()), '--scenario', 'failover-redis', '--variants', 'ha-cut-off', '--quick',
      '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-compose-ha-'))], { adminToken: process.env.ADMIN_TOKEN ?? 'dev-only-admin-token-change-me', now: new Date() });
    if (parsed.help) throw new Error('unexpected help');
    const bench = runBench(parsed.config, { root, cwd: dir });
    bench.on('log', (m) => process.stderr.write(`bench: ${m}\n`));
    const r = await bench;
    process.stderr.write(`test:compose: failover-redis (ha-cut-off) took ${((Date.now() - started) / 1000).toFixed(0)} s with the override's up\n`);

    const f = r.scenarios.failoverRedis!;
    expect(f.target).toBe('docker compose');
    expect(f.variants.map((v) => v.variant)).toEqual(['ha, replica cut off']);
    const [v] = f.variants;
    expect(v.promotedAfterMs).not.toBeNull();
    expect(v.clientsFollowAfterMs).not.toBeNull();
    // Every counted cohort member logged in while the replica was cut off: every one is lost, and each was asked.
    expect(v.cohort.users).toBeGreaterThan(0);
    expect(v.cohort.unknown).toBe(0);
    expect(v.cohort.lost).toBe(v.cohort.users);
    expect(v.modes.find((m) => m.mode === 'redis')!.errors).toBeGreaterThan(0);
    expect(v.modes.find((m) => m.mode === 'jwt')!.errors).toBe(0);
    // Claim 6 keeps its rule; its evidence says what HA changed.
    expect(r.verdicts.find((x) => x.claim === 6)!.evidence.at(-1)).toMatch(/^failover-redis on the docker compose stack \(what HA changes/);
    // The old primary was started again and rejoined: the pair is whole for whoever uses the stack next.
    expect(await pollUntil(() => healthy(['redis', 'redis2']), { timeoutMs: 60_000, stepMs: 2000 })).toBe(true);
  });
});
