import { User, type Frontend, type Mode } from '../compose/kill-experiment';

/**
 * A few users per mode asking `GET /me` every 250 ms while `operation` runs (a rolling restart):
 * memory users behind the sticky frontend (they need it to stay logged in at all), redis and jwt
 * users behind round-robin. Shared by the rolling-restart tests of the launcher, compose and swarm.
 */
export interface ModeOutcome {
  ok: number;
  loggedOut: number;
  users: number;
  errors: string[];
}

export async function usersThrough(
  frontends: { roundRobin: Frontend; sticky: Frontend },
  operation: () => Promise<void>,
  usersPerMode = 4,
): Promise<Record<Mode, ModeOutcome>> {
  const users: Record<Mode, User[]> = { memory: [], redis: [], jwt: [] };
  for (let i = 1; i <= usersPerMode; i++) {
    for (const mode of ['memory', 'redis', 'jwt'] as const) {
      const user = new User(mode === 'memory' ? frontends.sticky : frontends.roundRobin, mode, ['alice', 'bob', 'carol'][i % 3], `198.51.100.${i}`);
      const login = await user.login();
      if (login.status !== 200) throw new Error(`${mode} login answered ${login.status} before the operation`);
      users[mode].push(user);
    }
  }
  const seen: Record<Mode, { ok: number; loggedOut: Set<User>; errors: string[] }> = {
    memory: { ok: 0, loggedOut: new Set(), errors: [] },
    redis: { ok: 0, loggedOut: new Set(), errors: [] },
    jwt: { ok: 0, loggedOut: new Set(), errors: [] },
  };
  let running = true;
  const done = operation().finally(() => { running = false; });
  const poll = async (mode: Mode, user: User): Promise<void> => {
    while (running) {
      const answer = await user.me().catch((err: Error) => ({ status: 0, instance: null, body: { error: err.message } }));
      if (answer.status === 200) seen[mode].ok += 1;
      else if (answer.status === 401) seen[mode].loggedOut.add(user);
      else seen[mode].errors.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 120)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await Promise.all([done, ...(['memory', 'redis', 'jwt'] as const).flatMap((mode) => users[mode].map((u) => poll(mode, u)))]);
  const outcome = (mode: Mode): ModeOutcome => ({ ok: seen[mode].ok, loggedOut: seen[mode].loggedOut.size, users: users[mode].length, errors: seen[mode].errors });
  return { memory: outcome('memory'), redis: outcome('redis'), jwt: outcome('jwt') };
}
