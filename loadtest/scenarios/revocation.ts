import { sleep, type RunContext } from '../context';
import { SteppingClient } from '../http';
import { AUTH_MODES } from '../modes';
import { RedisCommandCounter } from '../redis-commands';
import type { RevocationModeResult, RevocationResult } from '../results';

const PROBE_GAP_MS = 100;

/**
 * Per mode: log in, check /me, log out, then keep presenting the old credential. A session is
 * gone at once; a stateless JWT keeps working until it expires. Session modes use the sticky
 * frontend when there is one, so a refusal is the logout's doing, not a session miss.
 */
export async function runRevocation(context: RunContext): Promise<RevocationResult> {
  const seconds = context.timing.revocationSeconds;
  const sticky = context.target.frontends.find((f) => f.strategy === 'sticky-cookie') ?? context.target.frontends[0];
  const roundRobin = context.target.frontends.find((f) => f.strategy === 'round-robin') ?? context.target.frontends[0];
  const modes: RevocationModeResult[] = [];
  // Counting Redis commands around each mode's probes puts a number on "round trips per request".
  const redis = await RedisCommandCounter.forTarget(context.target);
  try {
    for (const mode of AUTH_MODES) {
      const frontend = mode.state === 'replica memory' ? sticky : roundRobin;
      modes.push(await probeMode(context, mode.prefix, mode.name, frontend, seconds, redis));
    }
  } finally {
    redis.close();
  }
  return { probeSeconds: seconds, modes };
}

async function probeMode(
  context: RunContext, prefix: string, name: string, frontend: { strategy: string; url: string }, seconds: number,
  redis: RedisCommandCounter,
): Promise<RevocationModeResult> {
  const client = new SteppingClient(frontend.url);
  const login = await client.request('POST', `${prefix}/login`, { username: context.usernames[0], password: context.password });
  if (typeof login.body?.accessToken === 'string') client.token = login.body.accessToken;
  if (typeof login.body?.csrfToken === 'string') client.csrfToken = login.body.csrfToken;
  const before = await client.request('GET', `${prefix}/me`);
  // Keep the credential as it was before logout: a real client that forgot it would not probe.
  const cookies = client.jar.header();
  const token = client.token;
  const logout = await client.request('POST', `${prefix}/logout`);
  const loggedOutAt = Date.now();
  const prober = new SteppingClient(frontend.url);
  prober.token = token;
  if (cookies) for (const pair of cookies.split('; ')) prober.jar.store(pair);
  let probes = 0;
  let ok = 0;
  let firstRefusedAfterMs: number | null = null;
  const commandsBefore = await redis.count();
  while (Date.now() - loggedOutAt < seconds * 1000) {
    const answer = await prober.request('GET', `${prefix}/me`).catch(() => undefined);
    probes++;
    if (answer?.status === 200) ok++;
    else if (answer?.status === 401 && firstRefusedAfterMs === null) firstRefusedAfterMs = Date.now() - loggedOutAt;
    await sleep(PROBE_GAP_MS);
  }
  const commandsAfter = await redis.count();
  const redisCommandsPerRequest = commandsBefore !== undefined && commandsAfter !== undefined && probes > 0
    ? (commandsAfter - commandsBefore) / probes : null;
  context.log(`revocation: ${name}: ${ok}/${probes} probes answered 200 after logout; Redis commands per probe ${redisCommandsPerRequest?.toFixed(2) ?? 'n/a'}`);
  return {
    mode: name,
    strategy: frontend.strategy,
    okBeforeLogout: before.status === 200,
    logoutStatus: logout.status,
    probes,
    okAfterLogout: ok,
    firstRefusedAfterMs,
    validUntil: typeof logout.body?.validUntil === 'string' ? logout.body.validUntil : null,
    redisCommandsPerRequest,
  };
}
