import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TEST_APP_ENV, TEST_PROXY_ENV, useTempDirs } from '../support/cluster-fixtures';
import { ControlClient } from '../../cluster/control-client';
import { startCluster } from '../../cluster/launcher';
import { portInUse } from '../../common/ports';
import { localPorts } from '../../cluster/topology';
import { User, frontendOf } from '../compose/kill-experiment';
import { alive } from '../support/processes';
import { freePortBase } from '../../common/ports';
import { waitFor } from '../../common/poll';

/** What a user sees when something is wrong: a clear message naming the service, and nothing left running. */
jest.setTimeout(45_000);

const CLI = path.join(__dirname, '../../dist/cluster/cli.js');
const fast = TEST_APP_ENV;
const fastProxy = TEST_PROXY_ENV;
const tempDir = useTempDirs('fail');

async function noneListening(ports: number[]): Promise<boolean> {
  return (await Promise.all(ports.map((p) => portInUse(p)))).every((used) => !used);
}

describe('local cluster without redis-server', () => {
  it('when REDIS_SERVER_BIN points nowhere, then it says what to install and still serves memory and jwt', async () => {
    const cluster = await startCluster(
      { portBase: await freePortBase(), logs: 'silent', runDir: tempDir(), env: fast, proxyEnv: fastProxy },
      { env: { ...process.env, REDIS_SERVER_BIN: '/nonexistent/redis-server' } },
    );
    try {
      expect(cluster.warnings.join('\n')).toMatch(/apt-get install redis-server.*brew install redis/);
      expect(cluster.warnings.join('\n')).toContain('/nonexistent/redis-server');
      expect((await cluster.services()).find((s) => s.name === 'redis')).toMatchObject({ state: 'unavailable', pid: null });
      const sticky = frontendOf(cluster, 'sticky-cookie');
      for (const mode of ['memory', 'jwt'] as const) {
        const user = new User(sticky, mode);
        expect((await user.login()).status).toBe(200);
        expect((await user.me()).status).toBe(200);
      }
      expect((await new User(sticky, 'redis').login()).status).toBe(503);
      await expect(cluster.act('redis', 'start')).rejects.toThrow(/apt-get install redis-server/);
    } finally {
      await cluster.close();
    }
  });
});

describe('local cluster start-up failures', () => {
  it('when a frontend port is in use, then it names the port and its owner, and starts nothing', async () => {
    const portBase = await freePortBase();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(portBase + 1, '127.0.0.1', () => r()));
    const runDir = path.join(tempDir(), 'run');
    try {
      await expect(startCluster({ portBase, logs: 'silent', runDir, env: fast })).rejects.toThrow(
        new RegExp(`${portBase + 1} \\(proxy frontend sticky-cookie\\).*--port-base.*Nothing was started`, 's'),
      );
      expect(fs.existsSync(runDir)).toBe(false);
      const ports = localPorts(portBase);
      expect(await noneListening([ports.redis, ...Object.values(ports.apps), ports.control])).toBe(true);
    } finally {
      blocker.close();
    }
  });

  it('when a service fails to start, then the error names it with its log, and the services already up are stopped', async () => {
    const portBase = await freePortBase();
    const ports = localPorts(portBase);
    const started = startCluster({
      portBase, logs: 'silent', runDir: tempDir(), env: fast,
      proxyEnv: { FRONTENDS: 'not-a-frontend-list' },
    });
    await expect(started).rejects.toThrow(/^proxy failed to start \(exited with code \d+\)\. Its log is .*proxy\.log/);
    expect(await noneListening([ports.redis, ports.apps.app1, ports.apps.app2, ports.apps.app3, ports.control])).toBe(true);
  });
});

describe('a checkout that was never built', () => {
  it('when dist/ lacks the services, then `up` says to run npm run build and exits 1', async () => {
    // A copy of the repository with only the launcher built: what a fresh clone without `npm run build` looks like to it.
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'cluster'));
    fs.copyFileSync(path.join(__dirname, '../../package.json'), path.join(root, 'package.json'));
    fs.cpSync(path.join(__dirname, '../../dist/cluster'), path.join(root, 'dist/cluster'), { recursive: true });
    fs.cpSync(path.join(__dirname, '../../dist/common'), path.join(root, 'dist/common'), { recursive: true });
    fs.symlinkSync(path.join(__dirname, '../../node_modules'), path.join(root, 'node_modules'));
    const child = spawn(process.execPath, [path.join(root, 'dist/cluster/cli.js'), 'up', '--port-base', String(await freePortBase())], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(stderr).toBe('cluster: app replica: dist/services/app/main.js not found; proxy: dist/proxy/main.js not found. Run `npm run build` first.\n');
  });
});

describe('a launcher killed with SIGKILL', () => {
  it('when the launcher process is SIGKILLed, then the orphan guard kills every service it started', async () => {
    const portBase = await freePortBase();
    const launcher = spawn(process.execPath, [CLI, 'up', '--port-base', String(portBase), '--run-dir', tempDir()], {
      env: { ...process.env, ...fast, ...fastProxy },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    launcher.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    launcher.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    try {
      await waitFor(() => output.includes('authscale cluster is up'), 30_000);
      const client = new ControlClient(`http://127.0.0.1:${localPorts(portBase).control}`, 'dev-only-admin-token-change-me');
      const pids = (await client.services()).map((s) => s.pid).filter((p): p is number => p !== null);
      expect(pids.length).toBe(5);

      launcher.kill('SIGKILL');

      await waitFor(() => pids.every((pid) => !alive(pid)), 5000);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      if (launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
    }
  });
});
