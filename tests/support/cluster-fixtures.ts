import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Settings the cluster tests start a launcher cluster with: a cheap password hash (cost 10) so
 * logins take milliseconds, and quick proxy health checks so a kill shows within a second. What
 * they test is the launcher and the topology, not these costs (the bench measures as shipped).
 */
export const TEST_APP_ENV = Object.freeze({ PASSWORD_HASH_COST: '10', LOG_LEVEL: 'warn' });
export const TEST_PROXY_ENV = Object.freeze({ HEALTH_INTERVAL_MS: '250', HEALTH_TIMEOUT_MS: '200', LOG_LEVEL: 'warn' });

/** A maker of fresh temporary directories (run dirs), all removed after the file's tests. */
export function useTempDirs(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `authscale-${prefix}-`));
    made.push(dir);
    return dir;
  };
}
