import type { ReplacementScenarioResult, SwarmSettings } from '../results';
import { fixed, heading, int, list, paragraph, pct, table, type Block } from './blocks';
import { timelineCharts, timelineTable } from './timelines';

/** rolling-deploy, node-drain, node-crash: what each mode's users saw while replicas were replaced. */
export function replacementSection(r: ReplacementScenarioResult): Block[] {
  const modes = [...new Set(r.cells.map((c) => c.mode))];
  const byMode = modes.map((mode) => {
    const cells = r.cells.filter((c) => c.mode === mode);
    const sum = (pick: (c: typeof cells[number]) => number | null): number => cells.reduce((n, c) => n + (pick(c) ?? 0), 0);
    const affinity = cells.filter((c) => c.usersMoved !== null);
    const kinds: Record<string, number> = {};
    for (const c of cells) for (const [kind, n] of Object.entries(c.errorKinds ?? {})) kinds[kind] = (kinds[kind] ?? 0) + n;
    return [
      mode, `${sum((c) => c.usersLoggedOut)} / ${sum((c) => c.users)}`, int(sum((c) => c.counts.errors)),
      Object.entries(kinds).sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind}: ${n}`).join('; ') || '—', int(sum((c) => c.counts.ok)),
      affinity.length ? `${sum((c) => c.usersMoved)} / ${affinity.reduce((n, c) => n + c.users, 0)}` : '—',
      affinity.length ? `${sum((c) => c.movedLoggedOut)} / ${sum((c) => c.usersMoved)}` : '—',
    ];
  });
  const rows = r.cells.map((c) => [
    c.mode, c.strategy, String(c.users), int(c.counts.ok), int(c.counts.logouts), int(c.counts.errors), int(c.counts.logins),
    `${c.usersLoggedOut} / ${c.users}`, c.usersMoved === null ? '—' : `${c.usersMoved} / ${c.users}`, c.movedLoggedOut === null ? '—' : `${c.movedLoggedOut} / ${c.usersMoved}`,
    pct(c.okShareBefore), pct(c.okShareDuring), c.errorsStopAfterSeconds === null ? 'no errors' : `${c.errorsStopAfterSeconds} s`, `${c.longestSilenceSeconds} s`,
  ]);
  const perNode = (counts?: Record<string, number>): string => (counts ? Object.entries(counts).sort().map(([node, n]) => `${node} ${n}`).join(', ') || 'none' : '');
  const start = r.events.find((e) => e.kind === 'fault');
  const markers = r.events.filter((e) => e.kind !== 'pool').map((e) => ({ second: e.second, label: e.label.length > 14 ? `${e.label.slice(0, 13)}…` : e.label }));
  return [
    heading(2, `${r.scenario} (${r.targetKind})`),
    paragraph([
      `${describe(r)}: ${r.action}${r.node ? ` on node ${r.node}` : ''}, ${start ? `at ${fixed(start.second, 1)} s` : ''} under ${r.usersPerCell} users per cell at ${r.userRate} req/s each, every mode × strategy at once, ${r.seconds} s in all.`,
      r.operationSeconds === null ? 'The cluster did not serve from a full set of replicas again within the scenario\'s bound.' : `The cluster served from a full set of replicas again ${fixed(r.operationSeconds, 1)} s after it began.`,
      `Serving replicas before: ${r.replicasBefore.join(', ') || 'none'}; after: ${r.replicasAfter.join(', ') || 'none'}.`,
      r.tasksPerNodeBefore ? `App tasks per node before: ${perNode(r.tasksPerNodeBefore)}; after: ${perNode(r.tasksPerNodeAfter)}.` : '',
      '"users logged out" counts users with a logout from the operation\'s start on; "moved" = answered by another replica at the end than just before it (sticky-cookie and hash-ip users only: behind round-robin no user has a home replica); "moved" in the per-second table counts each time a user was answered by another replica than the one before.',
    ].filter(Boolean).join(' ')),
    ...(r.notes.length ? [list(r.notes.map((n) => `Note: ${n}`))] : []),
    table(['mode', 'users logged out', 'errors', 'errors by kind', 'ok', 'users moved (affinity frontends)', 'moved and logged out'], byMode),
    table(['mode', 'strategy', 'users', 'ok', 'logouts', 'errors', 'logins', 'users logged out', 'users moved', 'moved and logged out', 'ok share before', 'ok share during', 'errors stop after', 'longest without an answer'], rows),
    timelineTable(r.cells, r.seconds, r.events),
    ...timelineCharts(r.cells, r.seconds, markers),
  ];
}

function describe(r: ReplacementScenarioResult): string {
  if (r.scenario === 'rolling-deploy') return 'Every replica restarted in turn (graceful stop, start, admitted by the proxy, the next one)';
  if (r.scenario === 'node-drain') return 'A node drained: swarm stops its tasks gracefully and starts them on the other nodes';
  return 'A node crashed: its engine and everything on it stopped at once; swarm notices it is down and starts its tasks elsewhere';
}

/** Where a swarm run's numbers come from, and what a real network between machines adds. */
export function swarmSection(swarm: SwarmSettings, cpus: number): Block[] {
  const gib = (bytes: number): string => `${fixed(bytes / 2 ** 30, 1)} GiB`;
  return [
    heading(2, `Swarm: where these numbers come from (stack ${swarm.stack})`),
    table(['node', 'role', 'availability', 'state', 'address', 'CPUs', 'memory', 'engine', 'the bench\'s node'], swarm.nodes.map((n) => [
      n.hostname, n.role, n.availability, n.state, n.address, fixed(n.cpus, 1), gib(n.memoryBytes), n.engine, n.self ? 'yes (proxy, Redis, load)' : '',
    ])),
    paragraph(swarm.nodesLookLikeThisMachine
      ? `Every node reports this machine's ${cpus} CPUs and memory: they are most likely Docker engines in network namespaces of this one machine (as on the development pair), not separate machines. Then every figure here shares those ${cpus} CPUs between the "nodes" — the bench, the proxy, Redis and every task compete for them, so a node's loss frees CPU for the others — and the network between the nodes is a virtual link inside one kernel, with no latency, loss or bandwidth limit of its own.`
      : `The nodes report other resources than this machine's (${cpus} CPUs): separate machines, as far as the bench can tell, so the figures include the network between them.`),
    paragraph('What a real network between machines adds: a round trip per request from the proxy to a task on another machine (plus the overlay\'s encapsulation), and one per Redis command for the modes that read Redis on every request (/redis, /jwt-revocable); what each millisecond of round trip costs each mode is what the distance scenario measures (npm run bench -- --scenario distance, docs/distance.md). And a machine that fails on a real network often falls silent (requests and health checks time out) rather than refusing connections at once, which stretches the seconds with errors.'),
  ];
}
