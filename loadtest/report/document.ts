import { AUTH_MODES, STRATEGIES } from '../modes';
import type {
  BenchResults, FailoverRedisResult, FaultScenarioResult, LoginPrice, LoginStormResult, ScaleOutResult, ThroughputResult, MemoryResult, PublishedPortResult, RevocationResult, TimelinePoint,
} from '../results';
import { THRESHOLDS } from '../verdicts';
import { answers, hashMoved } from './answers';
import { balancersSection } from './balancers';
import { distanceSection } from './distance';
import { replacementSection, swarmSection } from './replacement';
import { scalingSection } from './scaling-section';
import { chart, fixed, heading, int, list, paragraph, pct, signed, table, type Block } from './blocks';
import { barChart, COLORS } from './svg';
import { timelineCharts, timelineTable } from './timelines';

/** The report's content, from the results only: every number below is read from `results`. */
export function buildReport(results: BenchResults): Block[] {
  const s = results.scenarios;
  return [
    heading(1, 'authscale bench report'),
    paragraph(`Run ${results.startedAt} → ${results.finishedAt} (${fixed(results.durationSeconds)} s${timings(results)}) against ${results.settings.target}${results.settings.balancer && results.settings.balancer !== 'node' ? ` through ${results.settings.balancer}` : ''}${results.settings.localCluster ? ' (a local cluster started by the bench)' : results.settings.targetKind === 'docker compose' ? ' (a docker compose stack)' : results.settings.targetKind === 'docker swarm' ? ` (the docker swarm stack ${results.settings.swarm?.stack ?? ''}: see "Swarm: where these numbers come from")` : ''}${results.settings.quick ? ', --quick' : ''}.`),
    ...(results.warnings.length ? [heading(2, 'Warnings'), list(results.warnings)] : []),
    ...verdictSection(results),
    ...answersSection(results),
    ...(s.throughput ? throughputSection(s.throughput) : []),
    ...(s.killReplica ? faultSection(s.killReplica) : []),
    ...(s.killRedis ?? []).flatMap(faultSection),
    ...(s.pauseReplica ? faultSection(s.pauseReplica) : []),
    ...(s.scaleOut ? scaleOutSection(s.scaleOut) : []),
    ...(s.memory ? memorySection(s.memory) : []),
    ...(s.revocation ? revocationSection(s.revocation) : []),
    ...(s.publishedPort ? publishedPortSection(s.publishedPort) : []),
    ...(s.loginStorm ? loginStormSection(s.loginStorm) : []),
    ...(s.failoverRedis ? failoverSection(s.failoverRedis) : []),
    ...(s.distance ? distanceSection(s.distance) : []),
    ...(s.nodeDrain ? replacementSection(s.nodeDrain) : []),
    ...(s.nodeCrash ? replacementSection(s.nodeCrash) : []),
    ...(s.rollingDeploy ? replacementSection(s.rollingDeploy) : []),
    ...(results.settings.swarm ? swarmSection(results.settings.swarm, results.settings.cpus) : []),
    ...(s.scaling ? scalingSection(s.scaling) : []),
    ...(s.balancers ? balancersSection(s.balancers) : []),
    ...skippedSection(results),
    ...settingsSection(results),
  ];
}

function timings(r: BenchResults): string {
  const entries = Object.entries(r.scenarioSeconds ?? {});
  return entries.length ? `: ${entries.map(([name, s]) => `${name} ${fixed(s)} s`).join(', ')}` : '';
}

function verdictSection(r: BenchResults): Block[] {
  const blocks: Block[] = [
    heading(2, 'Verdicts on the claims'),
    table(['#', 'claim', 'verdict', 'numbers'], r.verdicts.map((v) => [String(v.claim), v.text, v.verdict, v.evidence.join(' ')])),
    heading(3, 'Rules applied'),
    list(r.verdicts.map((v) => `Claim ${v.claim}: ${v.rule}.`)),
  ];
  return blocks;
}

function answersSection(r: BenchResults): Block[] {
  return [heading(2, 'Answers to the questions'), ...answers(r).flatMap(({ question, answer }) => [heading(3, question), paragraph(answer)])];
}

function throughputSection(t: ThroughputResult): Block[] {
  const rows = t.cells.map((c) => [
    c.mode === 'none' ? 'none (/health)' : c.mode, c.strategy, int(c.requestsPerSec), int(c.okPerSec),
    fixed(c.latencyP50Ms, 1), fixed(c.latencyP99Ms, 1), int(c.counts.logouts), pct(c.logoutRate), int(c.counts.logins),
    int(c.counts.errors), c.loginRamp ? `${c.loginRamp.loggedIn} in ${fixed(c.loginRamp.seconds, 1)} s${c.loginRamp.refused ? `, ${c.loginRamp.refused} refused` : ''}` : '—', fixed(c.redisCommandsPerRequest, 2), fixed(c.imbalance, 2), c.strategy === 'round-robin' || c.mode === 'none' ? '—' : fixed(c.userImbalance, 2), fixed(c.ratioToBaseline, 2),
    Object.entries(c.shares).sort().map(([id, n]) => `${id} ${int(n)}`).join(', '),
  ]);
  const label = (c: { mode: string; strategy: string }): string => `${c.mode === 'none' ? '/health' : c.mode} · ${c.strategy}`;
  return [
    heading(2, 'Throughput (one cell at a time)'),
    paragraph(`${t.rounds && t.rounds > 1 ? `The matrix ran ${t.rounds} times (${t.secondsPerRound} s per cell each time, each round in a rotated order, so drifting background load falls on every cell alike); a cell pools its rounds, its p50 is the median of its rounds' p50 and its p99 the worst round's. ` : ''}` + 'Users log in before their cell is measured (ramped a few at a time; a login refused by admission control waits its Retry-After), then keep their credential for the whole cell, so a cell measures requests at steady state, not password hashes. req/s counts every response, logins included; ok req/s counts authenticated answers only (the useful work). Latency is over 2xx responses. logout rate = logouts / (ok + logouts). Redis cmds/req = commands Redis ran during the cell (INFO commandstats) per request: the round trips a mode costs. imbalance = max/mean of per-replica requests; user imbalance = max/mean of users per replica (each user counted where most of its requests went), shown for affinity frontends, where it is the hotspot a closed-loop test hides: a crowded replica answers each of its users more slowly. × baseline = req/s / the same frontend\'s no-auth /health req/s.'),
    table(['mode', 'strategy', 'req/s', 'ok req/s', 'p50 ms', 'p99 ms', 'logouts', 'logout rate', 'logins', 'errors', 'logged in before (ramp)', 'Redis cmds/req', 'imbalance', 'user imbalance', '× baseline', 'requests per replica'], rows),
    chart('ok requests per second per cell (grey: /health baseline)', barChart({
      title: 'ok req/s',
      bars: t.cells.map((c) => ({ label: label(c), value: c.okPerSec, text: int(c.okPerSec), color: c.mode === 'none' ? COLORS.baseline : COLORS.ok })),
    })),
    chart('logout rate per cell', barChart({
      title: 'logouts / authenticated requests',
      bars: t.cells.filter((c) => c.mode !== 'none').map((c) => ({ label: label(c), value: c.logoutRate, text: pct(c.logoutRate), color: COLORS.logouts })),
    })),
  ];
}

function faultSection(f: FaultScenarioResult): Block[] {
  const name = f.scenario === 'kill-redis' ? `kill-redis (persistence ${f.redisPersistence ? 'on' : 'off'})` : f.scenario;
  const pinned = f.cells.some((c) => c.pinnedToTarget !== null);
  const rows = f.cells.map((c) => [
    c.mode, c.strategy, String(c.users), int(c.counts.ok), int(c.counts.logouts), int(c.counts.errors), int(c.counts.logins),
    `${c.usersLoggedOut} / ${c.users}`,
    ...(pinned ? [
      c.pinnedToTarget ? `${c.pinnedToTarget.loggedOut} / ${c.pinnedToTarget.users}` : '—',
      c.others ? `${c.others.loggedOut} / ${c.others.users}` : '—',
    ] : []),
    pct(c.okShareBeforeFault), pct(c.okShareDuringFault), `${c.usersWithoutAnswer} / ${c.users}`,
    c.errorsStopAfterSeconds === null ? 'no errors' : `${c.errorsStopAfterSeconds} s`, int(c.logoutsAfterRecovery),
  ]);
  const header = ['mode', 'strategy', 'users', 'ok', 'logouts', 'errors', 'logins', 'users logged out',
    ...(pinned ? [`pinned to ${f.target}: logged out`, 'others: logged out'] : []),
    'ok share before', 'ok share during', 'users with no answer during', 'errors stop after', 'logouts after recovery'];
  return [
    heading(2, name),
    paragraph(`${f.usersPerCell} users per cell at ${f.userRate} req/s each, all cells at once for ${f.seconds} s. Events: ${f.events.map((e) => `${e.label} at ${e.second} s`).join('; ')}.${pinned ? ` "pinned to ${f.target}" = users whose last answer before the fault came from ${f.target}.` : ''} "ok share" counts answered requests (ok + logins) over all outcomes, in the whole seconds before / during the fault. "users with no answer during" = users stuck on a request for the whole fault. "errors stop after" = seconds from the fault to the end of the last second with an error.`),
    table(header, rows),
    timelineTable(f.cells, f.seconds, f.events),
    ...timelineCharts(f.cells, f.seconds, f.events),
  ];
}

const ms = (x: number | null): string => (x === null ? 'not within the window' : `${(x / 1000).toFixed(1)} s`);

function failoverSection(f: FailoverRedisResult): Block[] {
  const overview = f.variants.map((v) => {
    const redis = v.modes.find((m) => m.mode === 'redis');
    return [
      v.variant, v.redis === 'ha' ? ms(v.promotedAfterMs) : `restarted after ${ms(v.restartedAfterMs)}`, ms(v.clientsFollowAfterMs),
      redis ? `${redis.secondsWithoutService} s` : '—', redis ? int(redis.errors) : '—', redis ? int(redis.logouts) : '—',
      `${v.cohort.lost} of ${v.cohort.users}${v.cohort.users === 0 ? ' (not measured: no login answered in the window)' : ''}${v.cohort.unknown ? ` (${v.cohort.unknown} unknown)` : ''}${v.cohort.late ? ` (+${v.cohort.late} answered after the kill, not counted)` : ''}`,
      int(v.cohort.failedLogins),
      v.loginPrice ? `${fixed(v.loginPrice.loginsPerSec)} /s, p50 ${fixed(v.loginPrice.p50Ms, 1)} ms, p99 ${fixed(v.loginPrice.p99Ms, 1)} ms${typeof v.loginPrice.sessionWriteMs === 'number' ? `; session write ${fixed(v.loginPrice.sessionWriteMs, 2)} ms` : ''}` : '—',
    ];
  });
  const perMode = f.variants.flatMap((v) => v.modes.map((m) => [
    v.variant, m.mode, String(m.users), `${m.secondsWithoutService} s`, int(m.errors), int(m.logouts), `${m.usersLoggedOut} / ${m.users}`,
  ]));
  const plain = f.variants.find((v) => v.redis === 'ha' && v.waitReplicas === 0 && !v.replicaCutOff)?.loginPrice;
  const waited = f.variants.find((v) => v.waitReplicas > 0)?.loginPrice;
  const waitLine = plain && waited && plain.loginsPerSec > 0
    ? ` WAIT price per login, same run, ${f.loginPriceConnections} connections of closed-loop /redis logins: ${fixed(waited.loginsPerSec)} vs ${fixed(plain.loginsPerSec)} logins/s (× ${fixed(waited.loginsPerSec / plain.loginsPerSec, 2)}), p50 ${fixed(waited.p50Ms, 1)} vs ${fixed(plain.p50Ms, 1)} ms.${writePrice(plain, waited)}`
    : '';
  const where = f.target === 'docker compose'
    ? 'Every variant ran on the docker compose stack, one after the other on the same containers,'
    : 'Each variant is a fresh local cluster';
  const notRun = (f.notRun ?? []).map((n) => `${n.variant}: ${n.reason}`);
  const kills = f.variants.filter((v) => typeof v.killCommandMs === 'number').map((v) => `${v.variant} ${ms(v.killCommandMs ?? null)}`);
  return [
    heading(2, 'failover-redis: Sentinel failover vs one Redis restarted'),
    paragraph(`${where} under the load of every mode × strategy (${f.usersPerCell} users per cell at ${f.userRate} req/s, ${f.seconds} s); the Redis primary is SIGKILLed${f.target === 'docker compose' ? ' (`docker compose kill`; every time below counts from the moment its container died, by docker\'s record, not from when the command was issued)' : ''}. HA: primary + replica + 3 Sentinels (quorum ${f.sentinel.quorum}, down-after ${f.sentinel.downAfterMs} ms, failover-timeout ${f.sentinel.failoverTimeoutMs} ms); the old primary is started again at the end of the fault window and rejoins as a replica. Single: the one redis-server is started again at once (a supervisor's best case). "sessions lost" = /redis users who logged in during the ${f.cohortSeconds} s before the kill and whose session was gone afterwards, each asked one by one (exact). "replica cut off": ${f.target === 'docker compose' ? 'the replica\'s link was dropped and refused (a masterauth that matches no node) before those logins, while it kept answering the Sentinels, as with a partition of the replication path; it was let back in right after the kill' : 'the replica was frozen and its link dropped before those logins, as a lagging replica would be'}. "+ WAIT 1": every session write waits for one replica's acknowledgement (SESSION_WAIT_REPLICAS=1), so a login the replica did not get fails instead of being lost later.${waitLine}`),
    ...(notRun.length > 0 ? [paragraph(`Not run on this target: ${notRun.join('; ')}.`)] : []),
    ...(f.target === 'docker compose' && kills.length > 0 ? [paragraph(`The kill command itself took: ${kills.join(', ')}.`)] : []),
    table(['variant', 'promoted after', 'clients follow after', 'redis: s without service', 'redis: errors', 'redis: logouts', 'sessions lost', 'cohort logins refused', 'login price'], overview),
    table(['variant', 'mode', 'users', 's without service', 'errors', 'logouts', 'users logged out'], perMode),
    ...f.variants.flatMap((v) => {
      const events = v.events.map((e) => ({ ...e, second: Math.floor(e.second) }));
      return [heading(3, v.variant), timelineTable(v.cells, f.seconds, events), ...timelineCharts(byMode(v.cells), f.seconds, v.events)];
    }),
  ];
}

/** What WAIT adds to a login's session write, as the replicas timed it (the throughput above also carries each login's hash). */
function writePrice(plain: LoginPrice, waited: LoginPrice): string {
  if (typeof plain.sessionWriteMs !== 'number' || typeof waited.sessionWriteMs !== 'number') return '';
  return ` The replicas timed each login's session write: ${fixed(waited.sessionWriteMs, 2)} ms with WAIT (${int(waited.sessionWrites ?? 0)} writes) vs ${fixed(plain.sessionWriteMs, 2)} ms without (${int(plain.sessionWrites ?? 0)}): WAIT adds ${signed(waited.sessionWriteMs - plain.sessionWriteMs)} ms per login, against a p50 login of ${fixed(plain.p50Ms, 1)} ms.`;
}

/** One timeline per mode, summed over the strategies (a failover hits every frontend alike). */
function byMode(cells: { mode: string; strategy: string; timeline: TimelinePoint[] }[]): { mode: string; strategy: string; timeline: TimelinePoint[] }[] {
  return [...new Set(cells.map((c) => c.mode))].map((mode) => {
    const mine = cells.filter((c) => c.mode === mode);
    const timeline = mine[0].timeline.map((p, i) => mine.reduce((sum, c) => {
      const q = c.timeline[i];
      return q ? { ...sum, ok: sum.ok + q.ok, logouts: sum.logouts + q.logouts, errors: sum.errors + q.errors, logins: sum.logins + q.logins, refused: sum.refused + q.refused, other: sum.other + q.other } : sum;
    }, { second: p.second, ok: 0, logouts: 0, errors: 0, logins: 0, refused: 0, other: 0 }));
    return { mode, strategy: 'every strategy', timeline };
  });
}

function scaleOutSection(s: ScaleOutResult): Block[] {
  const joined = s.newReplicas?.length ? s.newReplicas.join(', ') : 'app4';
  const rows = s.cells.map((c) => [
    c.mode, c.strategy, String(c.users), `${c.moved} (${pct(c.movedFraction)})`, String(c.movedToApp4),
    String(c.movedLoggedOut), String(c.stayedLoggedOut), pct(c.app4Share),
  ]);
  const down = s.down;
  return [
    heading(2, 'scale-out'),
    paragraph(`${s.usersPerCell} users per cell, all cells at once for ${s.seconds} s. ${s.action ? `Added with ${s.action}: ${joined}. ` : ''}Events: ${s.events.filter((e) => e.kind !== 'pool').map((e) => `${e.label} at ${e.second} s`).join('; ')} (${s.replicasBefore} → ${s.replicasAfter} replicas). "moved" = the replica answering a user ${down ? 'when the scale back began' : 'at the end'} differs from the one just before ${joined} started. hash-ip users moved: ${hashMoved(s)}; for the same user keys, modulo hashing (hash % ${s.replicasBefore} → hash % ${s.replicasAfter}) would have moved ${pct(s.moduloMovedFraction)}, an ideal consistent hash ${pct(s.consistentMovedFraction)}.`),
    table(['mode', 'strategy', 'users', 'moved', `moved to ${joined}`, 'moved and logged out', 'stayed and logged out', `${joined} share after`], rows),
    ...(down ? [
      heading(3, 'scale back under the same load'),
      paragraph(`At ${fixed(down.startSecond, 1)} s the service was scaled back to ${s.replicasBefore}; swarm chose which task to stop, and the proxy stopped serving from ${down.removed.join(', ') || 'none'}. "moved" = answered by another replica at the end than when the scale back began.`),
      table(['mode', 'strategy', 'users', 'moved', 'moved and logged out', 'stayed and logged out', 'errors'], down.cells.map((c) => [
        c.mode, c.strategy, String(c.users), String(c.moved), String(c.movedLoggedOut), String(c.stayedLoggedOut), int(c.errors),
      ])),
      timelineTable(s.cells, s.seconds, s.events),
    ] : []),
    ...timelineCharts(s.cells, s.seconds, s.events.filter((e) => e.kind !== 'pool')),
  ];
}

function memorySection(m: MemoryResult): Block[] {
  return [
    heading(2, 'memory'),
    paragraph(`Heap used on ${m.replica} (its /metrics nodejs_heap_size_used_bytes), logging in straight at the replica: after a warm-up batch of N logins per mode, before and after a second batch of N, the sessions kept alive; GC ${m.gc === 'forced' ? 'forced before each reading' : 'not forced (the lowest of several samples)'}. Redis growth is INFO used_memory over the same batch.`),
    ...(m.loginsPerSecond !== undefined ? [paragraph(`The batch size N follows from the login cost measured on ${m.replica} at the start: ${fixed(m.loginsPerSecond, 1)} logins/s${m.via === 'proxy' ? ', reached through the proxy\'s admin-token direct route (its replicas are not published)' : ''}. Noise = the difference between two heap readings with nothing in between, per measured user.`)] : []),
    table(['mode', 'users', 'heap before', 'heap after', 'bytes per user (replica)', 'noise per user', 'bytes per user (Redis)', 'logins refused, retried'], m.modes.map((x) => [
      x.mode, String(x.users), int(x.heapBeforeBytes), int(x.heapAfterBytes), int(x.bytesPerUser),
      x.noiseBytesPerUser === undefined || x.noiseBytesPerUser === null ? '—' : `±${int(x.noiseBytesPerUser)}`,
      x.redisBytesPerUser === null ? '—' : int(x.redisBytesPerUser), String(x.loginsRefused ?? 0),
    ])),
  ];
}

function publishedPortSection(p: PublishedPortResult): Block[] {
  return [
    heading(2, 'Docker\'s own cost (/health, published port vs local)'),
    paragraph(`/health with ${p.connections} connections, ${p.seconds} s per run, ${p.rounds} alternating rounds: through the compose stack's published port (${p.composeUrl}: docker's userland proxy, the bridge network, the proxy container, a replica container) and through a local cluster of the same code started by the bench (${p.localUrl}). The ratio is what Docker's path costs before any auth mode does anything; divide a compose cell's × baseline by nothing else.`),
    table(['path', 'req/s', 'p50 ms', 'p99 ms', 'errors'], [
      ['compose (published port)', int(p.compose.requestsPerSec), fixed(p.compose.latencyP50Ms, 1), fixed(p.compose.latencyP99Ms, 1), String(p.compose.errors)],
      ['local cluster', int(p.local.requestsPerSec), fixed(p.local.latencyP50Ms, 1), fixed(p.local.latencyP99Ms, 1), String(p.local.errors)],
      ['ratio compose / local', fixed(p.ratio, 2), '', '', ''],
    ]),
  ];
}

function revocationSection(r: RevocationResult): Block[] {
  return [
    heading(2, 'revocation'),
    paragraph(`Each mode: log in, check /me answers 200, log out, then probe /me with the old credential for ${r.probeSeconds} s.`),
    table(['mode', 'frontend', 'before logout', 'logout status', 'probes', '200 after logout', 'first refused after', 'valid until (server)', 'Redis commands per probe'], r.modes.map((m) => [
      m.mode, m.strategy, m.okBeforeLogout ? '200' : 'not 200', String(m.logoutStatus), String(m.probes), String(m.okAfterLogout),
      m.firstRefusedAfterMs === null ? 'never (in window)' : `${m.firstRefusedAfterMs} ms`, m.validUntil ?? '—',
      m.redisCommandsPerRequest === undefined || m.redisCommandsPerRequest === null ? '—' : m.redisCommandsPerRequest.toFixed(2),
    ])),
  ];
}

function loginStormSection(l: LoginStormResult): Block[] {
  const ms = (x: number | null): string => (x === null ? '—' : `${fixed(x, 1)} ms`);
  const cpu = (p: Record<string, number> | null): string => (p ? Object.entries(p).sort().map(([id, v]) => `${id} ${fixed(v, 1)} %`).join(', ') : 'not measured');
  const tail = l.cpuAfter.filter((_, i) => i < 12 || i === l.cpuAfter.length - 1);
  return [
    heading(2, 'login-storm'),
    paragraph(`One login at hash cost ${l.hashCost ?? '(not reported by the target)'} costs ${l.loginCpuMs === null ? 'not measured' : `${fixed(l.loginCpuMs)} ms`} of replica CPU (${l.loginCpuSamples} sequential logins, idle CPU subtracted): re-logins are what logouts really cost a cluster.`),
    paragraph(`${l.clients} clients logged in through the round-robin frontend for ${l.stormSeconds} s, each attempt abandoned after ${l.clientTimeoutMs / 1000} s. Logins: ${l.logins.ok} ok, ${l.logins.refused} refused (503 login_overloaded), ${l.logins.abandoned} abandoned by their client, ${l.logins.throttled} throttled, ${l.logins.errors} other errors.${l.replicaCounters ? ` The replicas counted ${l.replicaCounters.refused} refused, ${l.replicaCounters.abandonedClientGone} dropped because the client had gone and ${l.replicaCounters.abandonedQueueTimeout} because they waited too long.` : ''} Load average ${l.loadAverage.before.map((x) => fixed(x, 2)).join(' ')} before, ${l.loadAverage.after.map((x) => fixed(x, 2)).join(' ')} after.`),
    table(['probe during the storm', 'answers', 'failed', 'p50', 'p99', 'max'], [
      ['/health', String(l.probes.health.count), String(l.probes.health.failed), ms(l.probes.health.p50Ms), ms(l.probes.health.p99Ms), ms(l.probes.health.maxMs)],
      ['/jwt/me (authenticated)', String(l.probes.me.count), String(l.probes.me.failed), ms(l.probes.me.p50Ms), ms(l.probes.me.p99Ms), ms(l.probes.me.maxMs)],
    ]),
    paragraph(`Target: p99 below 100 ms. Each probe runs in a process (and session) of its own, one request at a time every 50 ms, so the storm's clients on the bench's event loop (its delay p99 over the storm: ${fixed(l.benchLoopDelayP99Ms, 1)} ms) do not delay the probes. Replica CPU during the storm: ${cpu(l.cpuDuringStorm)}. After the last client left, over [2 s, 3 s]: ${cpu(l.cpuAt2s)} (target: every replica below 5 %); every replica stayed below 5 % from ${l.quietAfterMs === null ? 'never, within the watch' : `${fixed(l.quietAfterMs / 1000, 1)} s`}.`),
    table(['after the last client left', ...Object.keys(l.cpuDuringStorm).sort()], tail.map((w) => [
      `${fixed(w.fromMs / 1000, 1)}–${fixed(w.toMs / 1000, 1)} s`, ...Object.keys(l.cpuDuringStorm).sort().map((id) => `${fixed(w.percent[id], 1)} %`),
    ])),
  ];
}

function skippedSection(r: BenchResults): Block[] {
  if (r.skipped.length === 0) return [];
  return [heading(2, 'Not run'), list(r.skipped.map((x) => `${x.scenario}: ${x.reason}`))];
}

function settingsSection(r: BenchResults): Block[] {
  const st = r.settings;
  return [
    heading(2, 'Settings'),
    table(['setting', 'value'], [
      ['target', st.target], ['replicas', st.replicas.join(', ')],
      ['frontends', st.frontends.map((f) => `${f.strategy} ${f.url}`).join(', ')],
      ['target kind', st.targetKind ?? (st.localCluster ? 'own cluster' : 'target')],
      ['balancer (--lb)', st.balancer === undefined || st.balancer === 'node' ? 'node (this repo\'s proxy)' : `${st.balancer} (in front of the same replicas; generated config, docs/proxy.md)`],
      ['password hash cost (scrypt log2 N, read from the replicas)', st.passwordHashCost], ['session touch policy (read from the replicas)', st.sessionTouch],
      ['Redis persistence (appendonly)', st.redisAppendonly ? `${st.redisAppendonly} (read from Redis by the replicas)` : st.redisPersistence ? 'on' : 'off'],
      ['replica count (serving at the start)', String(st.replicas.length)],
      ...(st.redisAutoPipelining ? [['Redis auto-pipelining', st.redisAutoPipelining]] : []),
      ['connections per throughput cell', String(st.connections)], ['seconds per throughput cell', String(st.cellSeconds)],
      ['fault scenarios', `${st.fault.beforeSeconds} s before, ${st.fault.faultSeconds} s fault, ${st.fault.afterSeconds} s after; ${st.fault.usersPerCell} users per cell at ${st.fault.userRate} req/s`],
      ['memory scenario logins per mode, at most (sized from the login cost measured at the start: see the memory section)', String(st.memoryUsers)], ['CPU cores', String(st.cpus)], ['platform', st.platform],
      ...(st.loadAverage ? [['load average (1 min) at start → end', `${st.loadAverage.atStart.toFixed(2)} → ${st.loadAverage.atEnd.toFixed(2)}`]] : []),
      ...Object.entries(st.versions).map(([k, v]) => [k, v]),
    ]),
    paragraph(`Modes measured: ${AUTH_MODES.map((m) => m.name).join(', ')}; strategies: ${STRATEGIES.join(', ')}. Verdict thresholds: ${JSON.stringify(THRESHOLDS)}.`),
  ];
}
