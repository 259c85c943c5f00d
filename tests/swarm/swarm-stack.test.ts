import { execFile, spawn } from 'node:child_process';
import { User, type Frontend, type Mode } from '../compose/kill-experiment';

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

  it('when a rolling deploy restarts every task under use, then memory users of restarted tasks are logged out and redis and jwt users see no logout and no error', async () => {
    const users: Record<Mode, User[]> = { memory: [], redis: [], jwt: [] };
    for (let i = 1; i <= 4; i++) {
      for (const mode of ['memory', 'redis', 'jwt'] as const) {
        // memory needs the sticky frontend to stay logged in at all; redis and jwt are meant for round-robin.
        const user = new User(mode === 'memory' ? sticky : roundRobin, mode, ['alice', 'bob', 'carol'][i % 3], `198.51.100.${i}`);
        const login = await user.login();
        expect({ mode, status: login.status }).toEqual({ mode, status: 200 });
        users[mode].push(user);
      }
    }
    const before = new Set(await runningTasks());
    const seen: Record<Mode, { ok: number; loggedOut: Set<User>; errors: string[] }> = {
      memory: { ok: 0, loggedOut: new Set(), errors: [] },
      redis: { ok: 0, loggedOut: new Set(), errors: [] },
      jwt: { ok: 0, loggedOut: new Set(), errors: [] },
    };
    let updating = true;
    const update = new Promise<number>((resolve) => {
      // One task at a time, SIGTERM then stop_grace_period: the stack's update_config.
      const child = spawn('docker', ['service', 'update', '--force', '--detach=false', '--quiet', `${stack}_app`], { stdio: 'ignore' });
      child.on('exit', (code) => resolve(code ?? 1));
    }).finally(() => {
      updating = false;
    });
    const poll = async (mode: Mode, user: User): Promise<void> => {
      while (updating) {
        const answer = await user.me().catch((err: Error) => ({ status: 0, instance: null, body: { error: err.message } }));
        if (answer.status === 200) seen[mode].ok += 1;
        else if (answer.status === 401) seen[mode].loggedOut.add(user);
        else seen[mode].errors.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    await Promise.all([update, ...(['memory', 'redis', 'jwt'] as const).flatMap((mode) => users[mode].map((u) => poll(mode, u)))]);
    expect(await update).toBe(0);
    const after = new Set(await runningTasks());
    // Every task was replaced (new task ids), so every memory user's home task was restarted.
    expect([...after].filter((t) => before.has(t))).toEqual([]);
    process.stdout.write(`rolling deploy: ${JSON.stringify(Object.fromEntries(Object.entries(seen).map(([m, s]) => [m, { ok: s.ok, loggedOut: s.loggedOut.size, errors: s.errors.length }])))}\n`);
    expect(seen.memory.loggedOut.size).toBe(users.memory.length);
    expect({ loggedOut: seen.redis.loggedOut.size, errors: seen.redis.errors }).toEqual({ loggedOut: 0, errors: [] });
    expect({ loggedOut: seen.jwt.loggedOut.size, errors: seen.jwt.errors }).toEqual({ loggedOut: 0, errors: [] });
    expect(seen.redis.ok).toBeGreaterThan(0);
    expect(seen.jwt.ok).toBeGreaterThan(0);
  }, 600_000);
});
