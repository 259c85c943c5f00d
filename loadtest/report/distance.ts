import type { DistancePrice, DistanceResult } from '../results';
import { chart, fixed, heading, int, paragraph, signed, table, type Block } from './blocks';
import { MODE_COLORS, xyChart } from './svg';
import { PHASE_MS, WALK_BUDGET_MS } from '../scenarios/distance';

const AXIS_TITLE: Readonly<Record<'redis' | 'replicas', string>> = {
  redis: 'replicas → Redis',
  replicas: 'proxy → replicas',
};

/** The two charts per axis: /me p50 at the fixed rate, and ok req/s at fixed concurrency, against the measured added round trip. */
export function distanceCharts(d: DistanceResult): { name: string; caption: string; svg: string }[] {
  const charts: { name: string; caption: string; svg: string }[] = [];
  for (const axis of ['redis', 'replicas'] as const) {
    const points = d.points.filter((p) => p.axis === axis);
    if (points.length === 0) continue;
    const modes = [...new Set(points.flatMap((p) => p.modes.map((m) => m.mode)))];
    const series = (value: (m: DistanceResult['points'][number]['modes'][number]) => number) => modes.map((mode) => ({
      name: mode,
      color: MODE_COLORS[mode] ?? '#555',
      points: points.flatMap((p) => {
        const m = p.modes.find((x) => x.mode === mode);
        return m && p.measuredAddedRttMs !== null ? [[p.measuredAddedRttMs, value(m)] as const] : [];
      }),
    }));
    charts.push({
      name: `distance-${axis}-p50`,
      caption: `/me p50 at ${d.fixedRate} req/s against the round trip added ${AXIS_TITLE[axis]}`,
      svg: xyChart({ title: `p50 (ms), ${AXIS_TITLE[axis]}`, xLabel: 'added round trip, measured (ms)', yLabel: 'ms', series: series((m) => m.latencyP50Ms) }),
    });
    charts.push({
      name: `distance-${axis}-ok`,
      caption: `ok req/s at ${d.connections} users against the round trip added ${AXIS_TITLE[axis]}`,
      svg: xyChart({ title: `ok req/s, ${AXIS_TITLE[axis]}`, xLabel: 'added round trip, measured (ms)', yLabel: 'req/s', series: series((m) => m.okPerSec) }),
    });
  }
  return charts;
}

/** "redis: +1.9 ms p50 per ms of round trip" for the evidence of claim 6 and the report. */
export function priceSentence(p: DistancePrice): string {
  return `${p.mode} ${fixed(p.p50MsPerMs, 2)} ms of p50 per ms (at 1 ms: ${p.addedP50AtOneMs === null ? 'not measured' : `${signed(p.addedP50AtOneMs)} ms`}; ok req/s at the largest delay × ${fixed(p.okPerSecRatioAtMax, 2)})`;
}

export function distanceSection(d: DistanceResult): Block[] {
  const rows = d.points.flatMap((p) => p.modes.map((m) => [
    AXIS_TITLE[p.axis], `${p.nominalRttMs}`, fixed(p.measuredAddedRttMs, 2), m.mode, int(m.okPerSec), fixed(m.latencyP50Ms, 2), fixed(m.latencyP99Ms, 2),
    m.addedP50Ms === null ? '—' : signed(m.addedP50Ms), fixed(m.redisCommandsPerRequest, 2),
    fixed(m.steps.loginP50Ms, 2), fixed(m.steps.meP50Ms, 2), fixed(m.steps.logoutP50Ms, 2), `${int(m.errors)} / ${int(m.logouts)}`,
  ]));
  return [
    heading(2, 'distance (the price of a round trip)'),
    paragraph(`A latency injector (a TCP proxy) sits between the replicas and Redis and between the proxy and the replicas; one path at a time is delayed by the nominal round trip (${d.delayLayout}), the other stays at 0 ms through the injector. Measured round trip = median of timed PINGs (Redis) or GET /health (a replica) through the injector, less the same straight to the target. ${d.rounds && d.rounds > 1 ? `The sweep ran ${d.rounds} times, each in a rotated order of delays and modes, and each point pools its rounds (drifting background load falls on every delay alike). ` : ''}Per mode, behind ${d.strategy}: ok req/s in a closed loop of ${d.connections} users (${d.secondsPerCell} s), /me p50 and p99 at a fixed ${d.fixedRate} req/s (${d.secondsPerCell} s, below saturation so queueing does not hide the round trip), the p50 added against 0 ms through the injector (during each fixed-rate cell the delay alternates with 0 ms in ${PHASE_MS} ms phases, requests that straddle a change are dropped, so both are measured under the same background load), Redis commands per request, and ${d.walks} step-by-step login → /me → logout walks (medians)${d.walksPlanned !== undefined && d.walks < d.walksPlanned ? ` — fewer than the ${d.walksPlanned} planned: a login took ${d.loginP50Ms == null ? 'long' : `${fixed(d.loginP50Ms, 0)} ms`} (its password hash), so the walks were kept to about ${WALK_BUDGET_MS / 1000} s of logins per cell; a login's added round trips are then inside its hash's noise` : ''}. Replica settings: auto-pipelining ${d.replicaSettings.autoPipelining}, session touch ${d.replicaSettings.sessionTouch}.`),
    table(['path', 'nominal ms', 'measured ms', 'mode', 'ok req/s', 'p50 ms', 'p99 ms', 'added p50 ms', 'Redis cmds/req', 'login ms', '/me ms', 'logout ms', 'errors / logouts'], rows),
    heading(3, 'Price per millisecond of distance'),
    table(['path', 'mode', 'p50 ms per ms of round trip', 'added p50 at 1 ms', 'ok req/s at the largest delay ÷ at 0 ms'], d.prices.map((p) => [
      AXIS_TITLE[p.axis], p.mode, fixed(p.p50MsPerMs, 2), p.addedP50AtOneMs === null ? 'not measured' : `${signed(p.addedP50AtOneMs)} ms`, fixed(p.okPerSecRatioAtMax, 2),
    ])),
    ...distanceCharts(d).map((c) => chart(c.caption, c.svg)),
  ];
}
