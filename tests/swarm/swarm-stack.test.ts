import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Frontend } from '../compose/kill-experiment';
import type { BenchResults } from '../../loadtest/results';
import { runNode } from '../support/processes';
import { usersThrough } from '../support/rolling-users';

/**
 * docker-stack.yml on a real two-node swarm, as a user of it sees it. Started by
 * tests/swarm/run.sh (`npm run test:swarm`), which deploys the stack with `npm run swarm -- deploy`
 * and passes its name and host ports here; in a plain `npm test` there is no stack, so it is skipped.
 */
const stack = process.env.AUTHSCALE_STACK;
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const roundRobin: Frontend = { strategy: 'round-robin', url: `http://127.0.0.1:${port('AUTHSCALE_PORT_ROUND_ROBIN', 8080)}` };
const sticky: Frontend = { strategy: 'sticky-cookie', url: `http://127.0.0.1:${port('AUTHSCALE_PORT_STICKY', 8081)}` };

function docker(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`docker ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout.trim()));
  });
}

/** Running tasks of the app service as INSTANCE_ID names them: `<node>.<task name>.<task id>`. */
async function runningTasks(): Promise<string[]> {
  const lines = await docker('service', 'ps', `${stack}_app`, '--filter', 'desired-state=running', '--no-trunc', '--format', '{{.Node}} {{.Name}} {{.ID}} {{.CurrentState}}');
  return lines.split('\n').filter((l) => / Running /.test(l)).map((l) => {
    const [node, name, id] = l.split(' ');
    return `${node}.${name}.${id}`;
  });
}

/** A built entry point of the clean copy run.sh deployed from (built there), else of this checkout. */
const node = (args: string[]): Promise<{ code: number; output: string }> => runNode(args, process.env.AUTHSCALE_SWARM_DIR ?? process.cwd());

const nodeOf = (instance: string | null): string => (instance ?? '').split('.')[0];

(stack ? describe : describe.skip)('docker-stack.yml on a two-node swarm (npm run test:swarm)', () => {
  it('when deployed, then app tasks run on both nodes and the proxy serves a request from each node', async () => {
    const tasks = await runningTasks();
    expect(new Set(tasks.map(nodeOf)).size).toBe(2);
    const served = new Map<string, string>();
    for (let i = 0; i < 30 && served.size < 2; i++) {
      const response = await fetch(`${roundRobin.url}/health`, { signal: AbortSignal.timeout(5000) });
      expect(response.status).toBe(200);
      const instance = response.headers.get('x-instance') ?? '';
      served.set(nodeOf(instance), instance);
    }
    expect(served.size).toBe(2);
    // The identity users see is the swarm task: node, task name and task id, as `docker service ps` lists them.
    for (const instance of served.values()) expect(tasks).toContain(instance);
  });

  it('when npm run rolling-restart -- --swarm restarts every task under use, then memory users of restarted tasks are logged out and redis and jwt users see no logout and no error', async () => {
    const before = new Set(await runningTasks());
    const seen = await usersThrough({ roundRobin, sticky }, async () => {
      // One task at a time, SIGTERM then stop_grace_period: the stack's update_config, through the documented command.
      const { code, output } = await node(['dist/cluster/rolling-restart-cli.js', '--swarm', '--stack', stack!]);
      if (code !== 0) throw new Error(`rolling-restart --swarm exited ${code}: ${output}`);
    });
    const after = new Set(await runningTasks());
    // Every task was replaced (new task ids), so every memory user's home task was restarted.
    expect([...after].filter((t) => before.has(t))).toEqual([]);
    process.stdout.write(`rolling deploy: ${JSON.stringify(Object.fromEntries(Object.entries(seen).map(([m, s]) => [m, { ok: s.ok, loggedOut: s.loggedOut, errors: s.errors.length }])))}\n`);
    expect(seen.memory.loggedOut).toBe(seen.memory.users);
    expect({ loggedOut: seen.redis.loggedOut, errors: seen.redis.errors }).toEqual({ loggedOut: 0, errors: [] });
    expect({ loggedOut: seen.jwt.loggedOut, errors: seen.jwt.errors }).toEqual({ loggedOut: 0, errors: [] });
    expect(seen.redis.ok).toBeGreaterThan(0);
    expect(seen.jwt.ok).toBeGreaterThan(0);
  }, 600_000);

  it('when the bench runs rolling-deploy against the stack, then its results show the same physics per mode and strategy, and no request in flight is lost', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-swarm-bench-'));
    const { code, output } = await node(['dist/loadtest/cli.js', '--swarm', '--stack', stack!, '--scenario', 'rolling-deploy', '--quick', '--out', out]);
    expect({ code, tail: output.slice(-600) }).toEqual({ code: 0, tail: expect.any(String) });
    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as BenchResults;
    const r = results.scenarios.rollingDeploy!;
    expect(r).toMatchObject({ targetKind: 'docker swarm', action: `docker service update --force ${stack}_app` });
    expect(r.operationSeconds).not.toBeNull();
    expect(r.replicasAfter.filter((id) => r.replicasBefore.includes(id))).toEqual([]);
    process.stdout.write(`bench rolling-deploy errors by kind: ${JSON.stringify(r.cells.map((c) => [`${c.mode} ${c.strategy}`, c.errorKinds]).filter(([, k]) => Object.keys(k).length > 0))}\n`);
    for (const cell of r.cells) {
      // Every task was replaced: every memory user behind affinity lost its session; no other mode logs anyone out.
      if (cell.mode === 'memory' && cell.strategy !== 'round-robin') expect({ cell: cell.strategy, loggedOut: cell.usersLoggedOut }).toEqual({ cell: cell.strategy, loggedOut: cell.users });
      if (cell.mode !== 'memory') expect({ cell: `${cell.mode} ${cell.strategy}`, logouts: cell.counts.logouts }).toEqual({ cell: `${cell.mode} ${cell.strategy}`, logouts: 0 });
      // A graceful stop loses nothing in flight: no transport error, no 502 or 504 in any mode. What 503s
      // there are come from these shared cores (docs/swarm.md): Redis commands missing the replicas'
      // timeout while a new task hashes at the production cost, or the one task serving during a
      // stop-first step missing its health check's timeout, so the proxy has none left for a moment.
      const kinds = Object.keys(cell.errorKinds);
      expect({ cell: `${cell.mode} ${cell.strategy}`, kinds: kinds.filter((k) => !/^503 ((session_)?store_unavailable|no_healthy_upstream)$/.test(k)) }).toEqual({ cell: `${cell.mode} ${cell.strategy}`, kinds: [] });
    }
    fs.rmSync(out, { recursive: true, force: true });
  }, 600_000);

  it('when the bench is asked for a scenario a swarm cannot run, then it exits 2 and says why before measuring anything', async () => {
    const kill = await node(['dist/loadtest/cli.js', '--swarm', '--stack', stack!, '--scenario', 'kill-replica']);
    expect(kill.code).toBe(2);
    expect(kill.output).toMatch(/kill-replica \("kill app2" is not a swarm verb: swarm replaces a lost task by itself/);
    const crash = await node(['dist/loadtest/cli.js', '--swarm', '--stack', stack!, '--scenario', 'node-crash']);
    expect(crash.code).toBe(2);
    expect(crash.output).toMatch(/node-crash \(a node crash is a command the bench cannot give for you: --crash-node CMD/);
  });
});
