import type { TimelinePoint } from '../results';
import { chart, table, type Block } from './blocks';
import { COLORS, legend, timelineChart } from './svg';

/** Second-by-second views of a scenario shared by its sections: a chart per cell, a table per mode. */
const TIMELINE_SERIES = [
  { name: 'ok/s', key: 'ok', color: COLORS.ok },
  { name: 'logouts/s', key: 'logouts', color: COLORS.logouts },
  { name: 'errors/s', key: 'errors', color: COLORS.errors },
] as const;

export function timelineCharts(cells: { mode: string; strategy: string; timeline: TimelinePoint[] }[], seconds: number, markers: { second: number; label: string }[]): Block[] {
  const charts = cells.map((c) => chart(`${c.mode} · ${c.strategy}`, timelineChart({
    title: `${c.mode} · ${c.strategy}`,
    seconds,
    markers,
    series: TIMELINE_SERIES.map((s) => ({ name: s.name, color: s.color, values: c.timeline.map((p) => p[s.key] + (s.key === 'ok' ? p.logins : 0)) })),
  })));
  return [chart('legend', legend(TIMELINE_SERIES)), ...charts];
}

/**
 * Per-second totals per mode (summed over strategies): the Markdown view of the timelines. Cells that
 * carry `movesPerSecond` add a fourth figure, the users answered by another replica than before.
 */
export function timelineTable(
  cells: { mode: string; timeline: TimelinePoint[]; movesPerSecond?: number[] | null }[],
  seconds: number,
  events: { second: number; label: string }[],
): Block {
  const modes = [...new Set(cells.map((c) => c.mode))];
  const withMoves = cells.some((c) => Array.isArray(c.movesPerSecond));
  const rows = Array.from({ length: seconds }, (_, second) => {
    // Events carry tenths of a second; each is listed in the second it fell in.
    const marks = events.filter((e) => Math.floor(e.second) === second).map((e) => e.label).join(', ');
    return [String(second), ...modes.map((mode) => {
      const mine = cells.filter((c) => c.mode === mode);
      const points = mine.map((c) => c.timeline[second]).filter((p): p is TimelinePoint => !!p);
      const sum = (k: 'ok' | 'logouts' | 'errors' | 'logins'): number => points.reduce((n, p) => n + p[k], 0);
      const moves = mine.reduce((n, c) => n + (c.movesPerSecond?.[second] ?? 0), 0);
      return `${sum('ok') + sum('logins')} / ${sum('logouts')} / ${sum('errors')}${withMoves ? ` / ${moves}` : ''}`;
    }), marks];
  });
  return table(['s', ...modes.map((m) => `${m} ok / logouts / errors${withMoves ? ' / moved' : ''}`), 'event'], rows);
}
