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
 * The distance override on a real `docker compose` stack, as a user takes it: the stack
 * tests/compose/run.sh brought up is restarted with `-f docker-compose.yml -f
 * docker-compose.distance.yml up -d` (the latency injector joins; the replicas reach Redis, and
 * the proxy the replicas, through it), then `npm run bench -- --compose --scenario distance
 * --axes redis --rtts 0,2 --quick`. Changes the stack (run.sh runs it after the others);
 * skipped without the stack (a plain `npm test`).
 */
const dir = process.env.AUTHSCALE_COMPOSE_DIR;
const project = process.env.COMPOSE_PROJECT_NAME;
const suite = dir && project ? describe : describe.skip;
jest.setTimeout(600_000);

const root = repoRoot(__dirname);

suite('docker compose with docker-compose.distance.yml: the distance sweep', () => {
  it('when the stack is restarted with the distance override and swept on the Redis path, then /redis pays the round trip added, /jwt does not, and nothing fails', async () => {
    const started = Date.now();
    const dc = composeOverride(dir!, project!, 'docker-compose.distance.yml');
    await dc('up', '-d');
    expect(await pollUntil(() => composeHealthy(dc, ['redis', 'latency', 'app1', 'app2', 'app3', 'proxy']), { timeoutMs: 240_000, stepMs: 2000 })).toBe(true);
    process.stderr.write(`test:compose: the distance override up and healthy after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const parsed = parseBenchArgs(['--compose', '-p', project!, '--port-base', String(await freePortBase()), '--scenario', 'distance', '--axes', 'redis', '--rtts', '0,2', '--quick',
      '--out', fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-compose-distance-'))], { adminToken: process.env.ADMIN_TOKEN ?? 'dev-only-admin-token-change-me', now: new Date() });
    if (parsed.help) throw new Error('unexpected help');
    const bench = runBench(parsed.config, { root, cwd: dir });
    bench.on('log', (m) => process.stderr.write(`bench: ${m}\n`));
    const r = await bench;
    process.stderr.write(`test:compose: distance (redis path, 0 and 2 ms, --quick) took ${((Date.now() - started) / 1000).toFixed(0)} s with the override's up\n`);

    const d = r.scenarios.distance!;
    const at2 = d.points.find((p) => p.axis === 'redis' && p.nominalRttMs === 2)!;
    // A user-space timer never waits less than asked: the measured round trip is at least the setting, roughly.
    expect(at2.measuredAddedRttMs).toBeGreaterThan(1.5);
    const mode = (name: string) => at2.modes.find((m) => m.mode === name)!;
    // /redis/me sends one Redis command (counted through the redis container's redis-cli), /jwt/me none.
    expect(mode('redis').redisCommandsPerRequest).toBeGreaterThan(0.9);
    expect(mode('jwt').redisCommandsPerRequest).toBeLessThan(0.1);
    // It waits for that command's round trip in sequence; /jwt's added p50 is noise around 0.
    expect(mode('redis').addedP50Ms! - mode('jwt').addedP50Ms!).toBeGreaterThan(1);
    for (const m of at2.modes) expect({ mode: m.mode, errors: m.errors, logouts: m.logouts }).toEqual({ mode: m.mode, errors: 0, logouts: 0 });
    expect(r.verdicts.find((v) => v.claim === 6)!.evidence.join(' ')).toContain('distance sweep, replicas→Redis: ');
  });
});
