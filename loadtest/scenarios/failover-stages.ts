import type { RunningCluster } from '../../cluster/launcher';
import { COMPOSE, REDIS_NODES, SENTINEL, SENTINEL_NAMES, localPorts } from '../../cluster/topology';
import { pollUntil } from '../../common/poll';
import { redisCommand } from '../../common/probes';
import { containerAddresses, diedAt, type ComposeTarget } from '../compose-target';
import { clusterTarget } from '../local-target';
import { RedisCliSession } from '../redis-cli-session';
import { reachReplica, type ReplicaAccess } from '../replica-access';
import type { BenchTarget } from '../target';

/**
 * Where failover-redis kills the Redis primary: a local cluster the scenario started (processes,
 * ports on 127.0.0.1), or a running docker compose stack (containers, reached only through
 * `docker compose exec` and the proxy's admin-token routes). The scenario itself is the same.
 */
export interface FailoverStage {
  /** Where the load goes. */
  readonly target: BenchTarget;
  readonly ha: boolean;
  /** The app replicas the scenario waits on ("clients follow"). */
  readonly appReplicas: readonly string[];
  /** The Redis node the Sentinels call primary (HA), else `redis`. */
  primary(): Promise<string>;
  /** What the Sentinels answer for the primary's address (HA), e.g. "redis 6379" or "172.29.0.3 6379". */
  primaryAddress(): Promise<string | undefined>;
  /** Kill or start a Redis node (on compose through the run's fault journal, so Ctrl-C undoes it). */
  act(node: string, verb: 'kill' | 'start'): Promise<void>;
  /** When the killed node died by the host's clock, when known better than "when the command was issued". */
  diedAt(node: string): Promise<number | undefined>;
  /** Cut the replica off from its primary's writes (local: cutOffReplica; compose: the `isolate` fault). */
  cutOffReplica(): Promise<{ primary: string; replica: string }>;
  /** Undo the cut right after the kill, so the Sentinels can promote the replica. */
  resumeReplica(replica: string): Promise<void>;
  /** Whether the (single) Redis answers PING. */
  redisAnswers(): Promise<boolean>;
  /** An app replica's /ready: whether it is ready and which Redis node it writes to. */
  ready(replica: string): Promise<{ ok: boolean; node: string } | undefined>;
  /** Before the next variant on the same stack: the replica linked again, every app replica ready. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 3000;

async function readyAt(url: string, headers: Record<string, string> = {}): Promise<{ ok: boolean; node: string } | undefined> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(READY_TIMEOUT_MS) }).catch(() => undefined);
  if (!response) return undefined;
  const body = (await response.json().catch(() => ({}))) as { redis?: { node?: string | null } };
  return { ok: response.ok, node: body.redis?.node ?? '' };
}

/** The replica's link is online on the primary's `INFO replication` (pure). */
export function replicaOnline(infoReplication: string): boolean {
  return /^slave\d+:.*state=online/m.test(infoReplication);
}

/** A failover stage on a local cluster started by the scenario (processes of this machine). */
export function localStage(cluster: RunningCluster, portBase: number, ha: boolean): FailoverStage {
  const ports = localPorts(portBase);
  const portOfNode = (node: string): number => (node === 'redis2' ? ports.redis2 : ports.redis);
  const primary = async (): Promise<string> => {
    const services = await cluster.services();
    return services.find((s) => s.role === 'primary')?.name ?? 'redis';
  };
  return {
    target: clusterTarget(cluster),
    ha,
    appReplicas: ['app1', 'app2', 'app3'],
    primary,
    primaryAddress: async () => (await redisCommand(ports.sentinels[0], ['SENTINEL', 'get-master-addr-by-name', SENTINEL.masterName], '127.0.0.1', 500))?.join(' '),
    act: (node, verb) => cluster.act(node, verb),
    diedAt: async () => undefined, // a local SIGKILL lands before act() returns
    cutOffReplica: () => cutOffReplica(cluster),
    resumeReplica: (replica) => cluster.act(replica, 'unpause'),
    // The launcher's start returns once the node answers PING.
    redisAnswers: async () => (await redisCommand(portOfNode(await primary()), ['PING']))?.[0] === 'PONG',
    ready: (replica) => readyAt(`http://127.0.0.1:${ports.apps[replica]}/ready`),
    settle: async () => undefined, // every variant has a cluster of its own
    close: () => cluster.close(),
  };
}

/**
 * Make the replica miss what comes next, as a slow or partitioned replica would: freeze it
 * (SIGSTOP), then have the primary drop its replication link (CLIENT KILL TYPE replica). Freezing
 * alone is not enough: writes would wait in the kernel's socket buffers and reach the replica
 * when it resumes, even after the primary died. Returns the two nodes by name.
 */
export async function cutOffReplica(cluster: Pick<RunningCluster, 'services' | 'act'>): Promise<{ primary: string; replica: string }> {
  const services = await cluster.services();
  const primary = services.find((s) => s.role === 'primary');
  const replica = services.find((s) => s.role === 'replica' && s.state === 'running');
  if (!primary?.port || !replica) throw new Error('cutting off the replica needs the HA topology with a running primary and replica');
  // A node that just rejoined as a replica has its role before its link: wait until the primary
  // holds an online replica link, or the link would come up after the cut (or never be there to cut).
  const port = primary.port;
  const linked = await pollUntil(async () => replicaOnline((await redisCommand(port, ['INFO', 'replication']))?.join('\n') ?? ''), { timeoutMs: 15_000 });
  if (!linked) throw new Error(`the replica ${replica.name} never linked to the primary ${primary.name} within 15 s`);
  await cluster.act(replica.name, 'pause');
  const dropped = await redisCommand(port, ['CLIENT', 'KILL', 'TYPE', 'replica']);
  if (dropped === null || Number(dropped[0]) < 1) throw new Error('could not drop the replica\'s link on the primary (CLIENT KILL TYPE replica)');
  return { primary: primary.name, replica: replica.name };
}

/**
 * The node a Sentinel's answer names (pure): Sentinels announce the first primary by its service
 * name ("redis") but learn a promoted replica by its container address, so addresses are matched
 * against the Redis containers' own.
 */
export function nodeOfAddress(address: string | undefined, addresses: Readonly<Record<string, readonly string[]>>): string | undefined {
  const host = address?.trim().split(/\s+/)[0];
  if (!host) return undefined;
  if (REDIS_NODES.includes(host)) return host;
  return Object.entries(addresses).find(([, ips]) => ips.includes(host))?.[0];
}

/** A failover stage on a running docker compose stack (its Redis containers, faults through the run's journal). */
export function composeStage(target: ComposeTarget, replicas: readonly string[]): FailoverStage {
  const { compose } = target;
  const ha = target.services.includes(SENTINEL_NAMES[0]);
  // One redis-cli kept open in sentinel1: asked every 100 ms while the primary is down.
  const sentinel = new RedisCliSession(compose.argv(['exec', '-T', SENTINEL_NAMES[0], 'redis-cli', '-p', String(COMPOSE.sentinelPort)]), compose.dir);
  const cli = (node: string, args: readonly string[], timeoutMs = 20_000): Promise<string> =>
    compose.run(['exec', '-T', node, 'redis-cli', ...args], timeoutMs);
  const primaryAddress = async (): Promise<string | undefined> => {
    const answer = await sentinel.send(`SENTINEL get-master-addr-by-name ${SENTINEL.masterName}`);
    const words = answer?.trim().split(/\s+/) ?? [];
    return words.length === 2 && /^\d+$/.test(words[1]) ? words.join(' ') : undefined;
  };
  const addresses = async (): Promise<Record<string, string[]>> =>
    Object.fromEntries(await Promise.all(REDIS_NODES.map(async (node) => [node, await containerAddresses(compose, node)] as const)));
  const primary = async (): Promise<string> => {
    if (!ha) return 'redis';
    let address: string | undefined;
    let node: string | undefined;
    // A Sentinel asked through a container exec may take a while to answer on a busy machine.
    await pollUntil(async () => {
      address = await primaryAddress();
      node = nodeOfAddress(address, await addresses());
      return node !== undefined;
    }, { timeoutMs: 30_000, stepMs: 500 });
    if (!node) throw new Error(`the Sentinels name ${address ?? 'no primary'}, which is neither Redis container of the stack`);
    return node;
  };
  const replicaOf = (node: string): string => REDIS_NODES.find((n) => n !== node)!;
  // How each app replica is reached (the proxy's direct route), found once: /ready is polled every 50 ms.
  const routes = new Map<string, Promise<ReplicaAccess | string>>();
  const ready = async (replica: string): Promise<{ ok: boolean; node: string } | undefined> => {
    if (!routes.has(replica)) routes.set(replica, reachReplica(target, replica));
    const access = await routes.get(replica)!;
    if (typeof access === 'string') {
      routes.delete(replica);
      return undefined;
    }
    return readyAt(`${access.base}/ready`, access.headers);
  };
  const linked = async (node: string): Promise<boolean> => replicaOnline(await cli(node, ['info', 'replication']).catch(() => ''));
  return {
    target,
    ha,
    appReplicas: replicas,
    primary,
    primaryAddress,
    act: (node, verb) => target.faults.run(node, verb),
    diedAt: (node) => diedAt(compose, node),
    // Not frozen as on the local cluster: `docker compose pause`/`unpause` take seconds here, and a
    // replica the Sentinels cannot reach when they vote is no candidate: they abort the failover
    // and wait twice failover-timeout. Isolated, it answers them but receives no write.
    async cutOffReplica() {
      const node = await primary();
      const replica = replicaOf(node);
      if (!(await pollUntil(() => linked(node), { timeoutMs: 30_000, stepMs: 500 }))) throw new Error(`the replica ${replica} never linked to the primary ${node} within 30 s`);
      await target.faults.run(replica, 'isolate');
      if (!(await pollUntil(async () => !(await linked(node)), { timeoutMs: 10_000, stepMs: 500 }))) throw new Error(`the primary ${node} still holds ${replica}'s link after isolating it`);
      return { primary: node, replica };
    },
    resumeReplica: (replica) => target.faults.run(replica, 'rejoin'),
    redisAnswers: async () => (await cli('redis', ['ping'], 10_000).catch(() => '')).trim() === 'PONG',
    ready,
    async settle() {
      const deadline = Date.now() + 60_000;
      if (ha) {
        const settled = await pollUntil(async () => linked(await primary().catch(() => 'redis')), { timeoutMs: 60_000, stepMs: 1000 });
        if (!settled) throw new Error('the Redis pair did not settle (no replica linked to the primary within 60 s)');
      }
      const ok = await pollUntil(async () => (await Promise.all(replicas.map(ready))).every((r) => r?.ok), { timeoutMs: Math.max(0, deadline - Date.now()), stepMs: 1000 });
      if (!ok) throw new Error('not every app replica is ready (/ready) before the next variant');
    },
    close: async () => sentinel.close(),
  };
}
