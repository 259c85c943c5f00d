import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from '../support/processes';
import { freePortBase } from '../../common/ports';
import { waitFor } from '../../common/poll';
import { localPorts } from '../../cluster/topology';

/** `npm run cluster -- <verb>` for real: a detached launcher, driven by the CLI through its control API. */
jest.setTimeout(45_000);

const CLI = path.join(__dirname, '../../dist/cluster/cli.js');
const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-cli-'));
let portBase: number;

interface Run { code: number; stdout: string; stderr: string }

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args, '--port-base', String(portBase)], {
      env: { ...process.env, PASSWORD_HASH_COST: '10', HEALTH_INTERVAL_MS: '250', HEALTH_TIMEOUT_MS: '200' },
      timeout: 40_000,
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

interface Ps { services: { name: string; state: string; pid: number | null; signal?: string }[] }
const ps = async (): Promise<Ps> => JSON.parse((await cli('ps', '--json')).stdout) as Ps;
const stateOf = (p: Ps, name: string) => p.services.find((s) => s.name === name);

let launcherPid: number | undefined;

beforeAll(async () => {
  portBase = await freePortBase();
});

afterAll(async () => {
  // Never leave a daemon behind, even when a test failed half-way.
  if (launcherPid && alive(launcherPid)) process.kill(launcherPid, 'SIGTERM');
  if (launcherPid) await waitFor(() => !alive(launcherPid as number), 10_000).catch(() => undefined);
  fs.rmSync(runDir, { recursive: true, force: true });
});

describe('the cluster CLI', () => {
  it('when no cluster runs on the port base, then ps says so and how to start one', async () => {
    const run = await cli('ps');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no cluster answers at http:\/\/127\.0\.0\.1:\d+.*npm start/s);
  });

  it('when the verb is unknown, then it prints the usage and exits 2', async () => {
    const run = await cli('explode');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "explode"');
    expect(run.stderr).toContain('Usage: npm run cluster');
  });

  it('when `up` is given a Redis URL that is not redis://, then it says so naming the cluster once, starts nothing and exits 1', async () => {
    for (const detach of [[], ['-d']]) {
      const run = await cli('up', ...detach, '--redis-url', 'http://127.0.0.1:6379', '--run-dir', runDir);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('cluster: invalid configuration:\n  - redis.url: must be a redis:// URL');
      expect(run.stderr).not.toMatch(/cluster: cluster:/);
      // Every line the CLI writes itself opens with its name once; the problems listed under it are indented.
      expect(run.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('  '))
        .every((line) => line.startsWith('cluster: ') && !line.slice('cluster: '.length).includes('cluster: '))).toBe(true);
    }
    expect((await cli('ps')).stderr).toMatch(/^cluster: no cluster answers at/);
  });

  it('when `up -d` runs, then it returns with the cluster up and the frontends listed', async () => {
    const run = await cli('up', '-d', '--run-dir', runDir);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('authscale cluster is up');
    expect(run.stdout).toContain(`round-robin    http://127.0.0.1:${portBase}`);
    launcherPid = Number(/launcher\s+pid (\d+)/.exec(run.stdout)?.[1]);
    expect(alive(launcherPid)).toBe(true);
    const status = await cli('status');
    expect(status.stdout).toMatch(/^NAME\s+STATE\s+PID\s+PORT/);
    expect(status.stdout).toMatch(/app2\s+running\s+\d+\s+\d+/);
  });

  it('when `kill app2` runs, then app2 is exited by SIGKILL and stays so until `start app2`', async () => {
    const killed = await cli('kill', 'app2');
    expect(killed.stdout).toBe('app2: exited\n');
    expect(stateOf(await ps(), 'app2')).toMatchObject({ state: 'exited', pid: null, signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 500));
    expect(stateOf(await ps(), 'app2')?.state).toBe('exited');
    const started = await cli('start', 'app2');
    expect(started.stdout).toMatch(/^app2: running \(pid \d+\)\n$/);
    const response = await fetch(`http://127.0.0.1:${localPorts(portBase).apps.app2}/health`);
    expect(response.headers.get('x-instance')).toBe('app2');
  });

  it('when `kill -s SIGTERM app3` and `pause`/`unpause app1` run, then ps shows each state', async () => {
    await cli('kill', '-s', 'SIGTERM', 'app3');
    expect(stateOf(await ps(), 'app3')).toMatchObject({ state: 'exited', signal: null });
    await cli('pause', 'app1');
    expect(stateOf(await ps(), 'app1')?.state).toBe('paused');
    await cli('unpause', 'app1');
    expect(stateOf(await ps(), 'app1')?.state).toBe('running');
    await cli('start');
    expect(stateOf(await ps(), 'app3')?.state).toBe('running');
  });

  it('when `logs app2` runs, then it prints app2 lines, prefixed', async () => {
    const run = await cli('logs', 'app2');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^app2 {4}\| /m);
    expect(run.stdout).not.toMatch(/^app1 /m);
  });

  it('when `down` runs, then the launcher and every service are gone', async () => {
    const pids = (await ps()).services.map((s) => s.pid).filter((p): p is number => p !== null);
    expect(pids.length).toBe(5);
    const run = await cli('down');
    expect(run.stdout).toContain('cluster: stopped');
    expect([launcherPid, ...pids].filter((p) => p !== undefined && alive(p))).toEqual([]);
  });
});
