import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startCluster, type RunningCluster } from '../../cluster/launcher';
import { loadProxyConfig } from '../../proxy/config';
import { start as startProxy } from '../../proxy/server';
import { silentLogger } from '../../common/logger';
import { freePort } from '../../common/ports';
import { waitFor } from '../../common/poll';
import { freePortBase } from '../../common/ports';

/**
 * The dashboard in real headless Chromium against a real local cluster (redis, three app
 * replicas, the proxy serving the page, the launcher's control API): what a visitor sees when
 * they log in everywhere and kill the replica that served them.
 */

const MODES = ['memory', 'redis', 'jwt'] as const;
const SCREENSHOT = path.resolve(__dirname, '../../test-artifacts/dashboard.png');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

jest.setTimeout(60_000);

let cluster: RunningCluster | undefined;
let browser: Browser | undefined;
let runDir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-e2e-'));
  // A low password-hash cost keeps logins fast on a shared 2-core machine; it changes no outcome here.
  [cluster, browser] = await Promise.all([
    startCluster({ portBase: await freePortBase(), logs: 'silent', runDir, env: { PASSWORD_HASH_COST: '12', LOG_LEVEL: 'warn' }, proxyEnv: { LOG_LEVEL: 'warn' } }),
    chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await cluster?.close();
  if (runDir) fs.rmSync(runDir, { recursive: true, force: true });
});

function frontend(strategy: string): string {
  const found = cluster?.frontends.find((f) => f.strategy === strategy);
  if (!found) throw new Error(`the cluster has no ${strategy} frontend`);
  return found.url;
}

/** A fresh browser profile per test: cookies are per host, not per port, so tests must not share them. */
async function openDashboard(strategy: string, base = frontend(strategy)): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${base}/_dashboard/`);
  await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
  return { context, page };
}

async function logIn(page: Page, mode: string): Promise<void> {
  await page.getByTestId(`login-${mode}`).click();
  await page.locator(`#panel-${mode}[data-state="logged-in"]`).waitFor({ timeout: 10_000 });
}

async function panel(page: Page, mode: string): Promise<{ state: string | null; instance: string | null; text: string }> {
  const root = page.locator(`#panel-${mode}`);
  return {
    state: await root.getAttribute('data-state'),
    instance: await root.getAttribute('data-instance'),
    text: (await page.getByTestId(`state-${mode}`).textContent()) ?? '',
  };
}

describe('dashboard', () => {
  test('when a visitor sends 20 requests on the round-robin frontend, then the memory panel counts logouts spread over replicas, jwt none, and a jwt logout says the token stays valid', async () => {
    const { context, page } = await openDashboard('round-robin');
    try {
      for (const id of ['app1', 'app2', 'app3']) {
        await page.locator(`[data-testid="service-${id}"][data-health="up"]`).waitFor({ timeout: 10_000 });
      }
      await page.locator('[data-testid="service-redis"][data-health="up"]').waitFor({ timeout: 10_000 });
      const anchors = await page.getByTestId('frontend-links').locator('a').all();
      const links = await Promise.all(anchors.map((a) => a.getAttribute('href')));
      expect(links).toEqual(cluster!.frontends.map((f) => `${f.url}/_dashboard/`));
      expect(await page.getByTestId('current-strategy').textContent()).toMatch(/routed round-robin: each request goes to the next healthy replica/);

      for (const mode of ['memory', 'jwt']) await logIn(page, mode);
      for (const mode of ['memory', 'jwt']) {
        await page.getByTestId(`send20-${mode}`).click();
        await page.getByTestId(`batch-${mode}`).filter({ hasText: 'Last 20' }).waitFor({ timeout: 20_000 });
      }

      const memory = (await page.getByTestId('batch-memory').textContent()) ?? '';
      const jwt = (await page.getByTestId('batch-jwt').textContent()) ?? '';
      const memoryLogouts = Number(/logged out (\d+) time/.exec(memory)?.[1]);
      // Round-robin over 3 replicas: about 2 requests in 3 reach a replica without the session.
      expect(memoryLogouts).toBeGreaterThanOrEqual(5);
      expect(memory).toMatch(/app1 \d+, app2 \d+, app3 \d+/);
      expect(jwt).toMatch(/logged out 0 times/);
      expect(jwt).toMatch(/200 ×20/);
      // The server keeps nothing for a JWT; the page shows the payload only the client holds.
      expect(await page.getByTestId('stored-jwt').textContent()).toContain('"sub"');

      // Logging out of /jwt is honest: the server cannot revoke a stateless token, the page forgets it.
      await page.getByTestId('logout-jwt').click();
      await page.locator('#panel-jwt[data-state="anonymous"]').waitFor({ timeout: 5_000 });
      expect((await panel(page, 'jwt')).text).toMatch(/^Logged out: this page forgot the token; revoked: false\. The server says it stays valid until \S+/);
    } finally {
      await context.close();
    }
  });

  test('when the replica that served the memory panel is killed from the sticky page, then memory shows logged out while redis and jwt stay logged in', async () => {
    const { context, page } = await openDashboard('sticky-cookie');
    try {
      for (const mode of MODES) await logIn(page, mode);
      const served = (await panel(page, 'memory')).instance;
      expect(served).toMatch(/^app[123]$/);
      // Sticky: one affinity cookie for the page, so every panel is pinned to the same replica.
      for (const mode of MODES) expect((await panel(page, mode)).instance).toBe(served);
      // Stickiness made visible: 20 requests, one replica, no logout.
      await page.getByTestId('send20-memory').click();
      await page.getByTestId('batch-memory').filter({ hasText: 'Last 20' }).waitFor({ timeout: 20_000 });
      expect(await page.getByTestId('batch-memory').textContent()).toBe(`Last 20: 20 requests · answered by ${served} 20 · 200 ×20 · logged out 0 times`);

      await page.getByTestId('admin-token').fill(cluster!.adminToken);
      await page.getByTestId(`control-${served}-kill`).click();
      await page.getByTestId('control-message').filter({ hasText: `kill ${served}: done` }).waitFor({ timeout: 10_000 });
      await page.locator(`[data-testid="service-${served}"][data-state="exited"]`).waitFor({ timeout: 10_000 });
      // The proxy's health checks notice within a few intervals and the table says so.
      await page.locator(`[data-testid="service-${served}"][data-health="down"]`).waitFor({ timeout: 10_000 });

      // Ask each panel once more; auto-check would do it too within 2 s.
      for (const mode of MODES) await page.getByTestId(`check-${mode}`).click();
      // Done when every panel has been answered by a surviving replica since the kill.
      await waitFor(async () => {
        const instances = await Promise.all(MODES.map(async (mode) => (await panel(page, mode)).instance));
        return instances.every((id) => id !== null && id !== '' && id !== served);
      }, 15_000, 200);

      const memory = await panel(page, 'memory');
      expect(memory.state).toBe('logged-out');
      expect(memory.text).toMatch(/^Logged out: app\d answered 401/);
      for (const mode of ['redis', 'jwt']) {
        const other = await panel(page, mode);
        expect(other.state).toBe('logged-in');
        expect(other.text).toMatch(/^Logged in as alice/);
      }
      expect(await page.getByTestId('stored-memory').textContent()).toMatch(/keeps nothing for this cookie/);
      expect(await page.getByTestId('stored-redis').textContent()).toContain('"user": "alice"');

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('when Redis is killed from the page, then only the redis panel cannot be served, and after a restart its session is back', async () => {
    const { context, page } = await openDashboard('sticky-cookie');
    try {
      for (const mode of MODES) await logIn(page, mode);
      // appendfsync everysec: give Redis a second to write the new session to its append-only file.
      await new Promise((r) => setTimeout(r, 1200));
      await page.getByTestId('admin-token').fill(cluster!.adminToken);
      await page.getByTestId('control-redis-kill').click();
      await page.locator('[data-testid="service-redis"][data-health="down"]').waitFor({ timeout: 10_000 });

      await page.getByTestId('check-redis').click();
      await page.locator('#panel-redis[data-state="error"]').waitFor({ timeout: 10_000 });
      expect((await panel(page, 'redis')).text).toMatch(/Cannot be served: 503 session_store_unavailable/);
      for (const mode of ['memory', 'jwt']) {
        await page.getByTestId(`check-${mode}`).click();
        await waitFor(async () => (await panel(page, mode)).state === 'logged-in', 5_000, 100);
      }

      await page.getByTestId('control-redis-start').click();
      await page.locator('[data-testid="service-redis"][data-health="up"]').waitFor({ timeout: 15_000 });
      await waitFor(async () => {
        await page.getByTestId('check-redis').click();
        return (await panel(page, 'redis')).state === 'logged-in';
      }, 10_000, 500);
      expect((await panel(page, 'redis')).text).toMatch(/^Logged in as alice/);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('when a visitor reloads the round-robin page and logs out of the redis panel, then the page sends the CSRF token from /me and the session is destroyed', async () => {
    const { context, page } = await openDashboard('round-robin');
    try {
      await logIn(page, 'redis');
      // After a reload the page knows the token only from /me (README, "Security", CSRF).
      await page.reload();
      await page.locator('#panel-redis[data-state="logged-in"]').waitFor({ timeout: 10_000 });
      await page.getByTestId('logout-redis').click();
      await page.locator('#panel-redis[data-state="anonymous"]').waitFor({ timeout: 10_000 });
      expect((await panel(page, 'redis')).text).toMatch(/^Logged out: app\d destroyed the session\.$/);
      await page.getByTestId('check-redis').click();
      await waitFor(async () => (await panel(page, 'redis')).text === 'Not logged in.', 5_000, 100);
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  test('when the proxy has no cluster control (as under Docker), then each service shows the docker compose command instead of buttons', async () => {
    const services = await cluster!.services();
    const upstreams = services.filter((s) => /^app[123]$/.test(s.name)).map((s) => `${s.name}=http://127.0.0.1:${s.port}`).join(',');
    const port = await freePort();
    // The same proxy code, in-process, without CLUSTER_CONTROL_URL: what docker-compose.yml runs.
    const proxy = await startProxy(
      loadProxyConfig({ APP_ENV: 'development', PROXY_HOST: '127.0.0.1', FRONTENDS: `${port}:round-robin`, UPSTREAMS: upstreams }),
      { logger: silentLogger() },
    );
    try {
      const { context, page } = await openDashboard('round-robin', proxy.urls[0]);
      try {
        await page.getByTestId('docker-app2-kill').waitFor({ timeout: 10_000 });
        expect(await page.getByTestId('docker-app2-kill').textContent()).toBe('docker compose kill app2');
        expect(await page.getByTestId('docker-app2-start').textContent()).toBe('docker compose start app2');
        expect(await page.getByTestId('docker-redis-kill').textContent()).toBe('docker compose kill redis');
        expect(await page.locator('button[data-testid^="control-"]').count()).toBe(0);
        expect(await page.getByTestId('admin-token').isVisible()).toBe(false);
      } finally {
        await context.close();
      }
    } finally {
      await proxy.close();
    }
  });
});

describe('dashboard on a cluster with HA Redis (--redis ha), from the hash-ip frontend', () => {
  let ha: RunningCluster | undefined;
  let haRunDir: string;

  beforeAll(async () => {
    haRunDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-e2e-ha-'));
    ha = await startCluster({ portBase: await freePortBase(), logs: 'silent', runDir: haRunDir, redis: 'ha', env: { PASSWORD_HASH_COST: '12', LOG_LEVEL: 'warn' }, proxyEnv: { LOG_LEVEL: 'warn' } });
  });

  afterAll(async () => {
    await ha?.close();
    if (haRunDir) fs.rmSync(haRunDir, { recursive: true, force: true });
  });

  const hashIp = (): string => ha!.frontends.find((f) => f.strategy === 'hash-ip')!.url;

  /** Some steady /redis traffic (one logged-in client, ~20 req/s) so the live chart has something to show. */
  function backgroundLoad(url: string): { stop(): Promise<void> } {
    let running = true;
    const loop = (async () => {
      const login = await fetch(`${url}/redis/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bob', password: 'demo-password' }) });
      const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      while (running) {
        await fetch(`${url}/redis/me`, { headers: { cookie }, signal: AbortSignal.timeout(2000) }).then((r) => r.arrayBuffer(), () => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    return { stop: async () => { running = false; await loop; } };
  }

  test('when the Redis primary is killed from the page under load, then the topology shows the replica promoted, the redis chart dips and recovers, and the sessions survive', async () => {
    const { context, page } = await openDashboard('hash-ip', hashIp());
    const load = backgroundLoad(hashIp());
    try {
      expect(await page.locator('#panel-jwt-revocable h3').textContent()).toBe('/jwt-revocable');
      for (const mode of ['redis', 'jwt-revocable']) await logIn(page, mode);
      await page.locator('[data-testid="redis-topology"][data-primary="redis"]').waitFor({ timeout: 10_000 });
      expect(await page.getByTestId('redis-topology').textContent()).toMatch(/^Redis HA: primary redis, replica redis2; 3 of 3 Sentinels up/);
      await waitFor(async () => Number(await page.locator('[data-part="chart"]#chart-redis').getAttribute('data-last-ok')) > 0, 10_000, 250);

      await page.getByTestId('admin-token').fill(ha!.adminToken);
      await page.getByTestId('kill-redis-primary').click();
      // The Sentinels promote redis2; the page shows it, and the redis chart shows the dip as errors.
      await page.locator('[data-testid="redis-topology"][data-primary="redis2"]').waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="service-redis2"]').getAttribute('data-role')).toBe('primary');
      await waitFor(async () => Number(await page.locator('#chart-redis').getAttribute('data-peak-errors')) > 0, 5_000, 250);
      // Service comes back: ok answers again on the chart, and both panels are still logged in.
      await waitFor(async () => Number(await page.locator('#chart-redis').getAttribute('data-last-ok')) > 0, 15_000, 250);
      for (const mode of ['redis', 'jwt-revocable']) {
        await waitFor(async () => {
          await page.getByTestId(`check-${mode}`).click();
          return (await panel(page, mode)).state === 'logged-in';
        }, 10_000, 500);
      }
      expect(await page.getByTestId('chart-legend-redis').textContent()).toMatch(/peak: [1-9][\d.]* errors\/s/);
      await page.screenshot({ path: SCREENSHOT.replace('.png', '-failover.png'), fullPage: true }).catch(() => undefined);
      expect(pageErrors).toEqual([]);
    } finally {
      await load.stop();
      await context.close();
    }
  });

  test('when the replica that served the visitor is paused from the hash-ip page, then another replica takes over and unpause brings it back', async () => {
    const { context, page } = await openDashboard('hash-ip', hashIp());
    try {
      await logIn(page, 'jwt-revocable');
      const served = (await panel(page, 'jwt-revocable')).instance!;
      expect(served).toMatch(/^app[123]$/);
      await page.getByTestId('admin-token').fill(ha!.adminToken);
      await page.getByTestId(`control-${served}-pause`).click();
      await page.locator(`[data-testid="service-${served}"][data-state="paused"]`).waitFor({ timeout: 10_000 });
      // Hash-ip moves the visitor once the proxy's health checks see the hung replica; the token works anywhere.
      await waitFor(async () => {
        await page.getByTestId('check-jwt-revocable').click();
        await page.locator('#panel-jwt-revocable:not([aria-busy])').waitFor({ timeout: 15_000 });
        const now = await panel(page, 'jwt-revocable');
        return now.state === 'logged-in' && now.instance !== served;
      }, 20_000, 500);
      await page.getByTestId(`control-${served}-unpause`).click();
      await page.locator(`[data-testid="service-${served}"][data-state="running"][data-health="up"]`).waitFor({ timeout: 15_000 });
      expect(pageErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
