import type { BalancersResult, FaultCellResult } from '../results';
import { fixed, heading, int, list, paragraph, pct, table, type Block } from './blocks';

/** The report's side-by-side section: the proxy, HAProxy and nginx, every figure from one run (pure). */

const LABEL: Readonly<Record<string, string>> = { node: 'node (this proxy)', haproxy: 'HAProxy', nginx: 'nginx' };
const label = (name: string): string => LABEL[name] ?? name;

function cellOf(cells: readonly FaultCellResult[], balancer: string, strategy: string, mode: string): FaultCellResult | undefined {
  return cells.find((c) => (c.balancer ?? 'node') === balancer && c.strategy === strategy && c.mode === mode);
}

const stopAfter = (c: FaultCellResult | undefined): string => (c === undefined ? '—' : c.errorsStopAfterSeconds === null ? 'no errors' : `${c.errorsStopAfterSeconds} s`);
const group = (g: { users: number; loggedOut: number } | null | undefined): string => (g ? `${g.loggedOut} / ${g.users}` : '—');

/** One sentence per measured difference in affinity: logouts after the replica came back, and users stuck during the pause. */
export function balancerDifferences(b: BalancersResult): string[] {
  const names = b.balancers.map((x) => x.name);
  const sentences: string[] = [];
  const back = names.map((n) => [n, cellOf(b.killReplica.cells, n, 'sticky-cookie', 'memory')?.logoutsAfterRecovery] as const);
  sentences.push(`Memory users behind sticky-cookie logged out again after ${b.killReplica.target} came back: ${back.map(([n, v]) => `${label(n)} ${v ?? '—'}`).join(', ')}. ` +
    'HAProxy\'s cookie, like this proxy\'s, names a server, so a client re-dispatched while its server was down stays where it went; open-source nginx has no sticky cookie, its `lb` cookie is a client key hashed onto the servers, so when the server is back the client is hashed back to it and finds none of the session it made meanwhile.');
  const hashBack = names.map((n) => [n, cellOf(b.killReplica.cells, n, 'hash-ip', 'memory')?.logoutsAfterRecovery] as const);
  sentences.push(`Behind hash-ip every balancer hashes the client address, so each sends a client back to its server when it returns: logouts after recovery ${hashBack.map(([n, v]) => `${label(n)} ${v ?? '—'}`).join(', ')}.`);
  const pausedOut = names.map((n) => [n, cellOf(b.pauseReplica.cells, n, 'sticky-cookie', 'memory')?.pinnedToTarget] as const);
  sentences.push(`Memory users pinned to ${b.pauseReplica.target} behind sticky-cookie logged out by the pause: ${pausedOut.map(([n, g]) => `${label(n)} ${group(g)}`).join(', ')}. ` +
    'A balancer with active checks fails a hung replica\'s users over to a replica without their session; nginx fails a request over only when it times out (10 s), so during a shorter pause its users wait and are answered by their own replica afterwards.');
  const stuck = names.map((n) => [n, cellOf(b.pauseReplica.cells, n, 'round-robin', 'jwt')] as const);
  sentences.push(`With ${b.pauseReplica.target} paused, JWT users behind round-robin with no answer for the whole pause: ${stuck.map(([n, c]) => `${label(n)} ${c ? `${c.usersWithoutAnswer} / ${c.users}` : '—'}`).join(', ')}; ` +
    'this proxy and HAProxy stop sending to a replica that fails its active checks; nginx has passive checks only, so it keeps sending requests to the hung replica until one times out, then skips it for its fail_timeout and tries again.');
  return sentences;
}

export function balancersSection(b: BalancersResult): Block[] {
  const node = b.health.cells.find((c) => c.balancer === 'node');
  const throughputRows = b.health.cells.map((c) => [
    label(c.balancer), int(c.requestsPerSec), node && node.requestsPerSec > 0 ? fixed(c.requestsPerSec / node.requestsPerSec, 2) : 'n/a',
    fixed(c.latencyP50Ms, 1), fixed(c.latencyP99Ms, 1), c.cpuMicrosPerRequest === null ? 'not measured' : fixed(c.cpuMicrosPerRequest, 1),
    int(c.errors), c.perRound.map((r) => int(r)).join(' / '),
  ]);
  const strategies = [...new Set(b.killReplica.cells.map((c) => c.strategy))];
  const faultRows = b.balancers.flatMap(({ name }) => strategies.map((strategy) => {
    const memoryKill = cellOf(b.killReplica.cells, name, strategy, 'memory');
    const jwtKill = cellOf(b.killReplica.cells, name, strategy, 'jwt');
    const jwtPause = cellOf(b.pauseReplica.cells, name, strategy, 'jwt');
    const memoryPause = cellOf(b.pauseReplica.cells, name, strategy, 'memory');
    return [
      label(name), strategy, pct(memoryKill?.logoutRateBeforeFault),
      group(memoryKill?.pinnedToTarget), group(memoryKill?.others), int(memoryKill?.logoutsAfterRecovery),
      int((jwtKill?.counts.errors ?? 0) + (memoryKill?.counts.errors ?? 0)), stopAfter(jwtKill),
      jwtPause ? `${jwtPause.usersWithoutAnswer} / ${jwtPause.users}` : '—', group(memoryPause?.pinnedToTarget),
      int((jwtPause?.counts.errors ?? 0) + (memoryPause?.counts.errors ?? 0)), stopAfter(jwtPause),
    ];
  }));
  const k = b.killReplica;
  return [
    heading(2, 'Balancers side by side: this proxy, HAProxy, nginx'),
    paragraph(`The same replicas behind three balancers, each with a frontend per strategy (${b.balancers.map((x) => `${label(x.name)} ${x.frontends.map((f) => f.url.replace(/^http:\/\/127\.0\.0\.1/, '')).join(' ')}`).join('; ')}), every figure from this run. HAProxy runs 1 thread and nginx 1 worker, like this proxy's one event loop. /health goes through each round-robin frontend with ${b.health.connections} connections, ${b.health.rounds} rounds of ${b.health.secondsPerRound} s in rotated orders; CPU per request counts each balancer's own processes (${b.balancers.map((x) => `${label(x.name)}: ${x.cpuCounts}`).join('; ')}) over its answered requests.`),
    table(['balancer', '/health req/s', '× node', 'p50 ms', 'p99 ms', 'CPU µs per request', 'errors', 'req/s per round'], throughputRows),
    paragraph(`Faults: memory and JWT users (${k.usersPerCell} per cell at ${k.userRate} req/s) behind every balancer × strategy at once; ${k.target} killed at ${k.events.find((e) => e.kind === 'fault')?.second ?? '?'} s and started at ${k.events.find((e) => e.kind === 'recover')?.second ?? '?'} s of ${k.seconds} s, then, in a second run, paused and unpaused at the same times. "logout rate before" = memory users' logouts / (ok + logouts) before the fault: round-robin misses a memory session on (N−1)/N of requests behind any balancer, affinity on none. "pinned" = memory users whose last answer before the fault came from ${k.target}. Errors are 5xx and transport failures of both modes; "stop after" is the JWT cell's (a JWT is valid on any replica, so its errors are the balancer's alone).`),
    table([
      'balancer', 'strategy', 'memory logout rate before', 'kill: pinned memory users logged out', 'kill: other memory users logged out', 'kill: logouts after recovery',
      'kill: errors', 'kill: JWT errors stop after', 'pause: JWT users with no answer', 'pause: pinned memory users logged out', 'pause: errors', 'pause: JWT errors stop after',
    ], faultRows),
    heading(3, 'Where the balancers differ, measured'),
    list(balancerDifferences(b)),
  ];
}
