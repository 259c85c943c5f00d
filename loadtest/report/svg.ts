/**
 * Tiny inline-SVG charts (pure functions returning strings): the HTML report must open from
 * disk with no CDN, so no chart library.
 */
export interface Bar {
  label: string;
  value: number;
  /** Text shown after the bar; defaults to the value. */
  text?: string;
  color?: string;
}

export interface Series {
  name: string;
  color: string;
  values: readonly number[];
}

export interface Marker {
  second: number;
  label: string;
}

export const COLORS = Object.freeze({
  ok: '#2e7d32', logouts: '#ef6c00', errors: '#c62828', logins: '#1565c0', baseline: '#757575', bar: '#3f6fb5',
});

/** One colour per auth mode, for charts with a line per mode. */
export const MODE_COLORS: Readonly<Record<string, string>> = Object.freeze({
  memory: '#6a1b9a', redis: '#c62828', jwt: '#2e7d32', 'jwt-revocable': '#1565c0',
});

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Horizontal bars, one per row: long cell names stay readable. */
export function barChart(options: { title: string; bars: readonly Bar[]; width?: number }): string {
  const width = options.width ?? 640;
  const rowHeight = 20;
  const labelWidth = 190;
  const textWidth = 90;
  const top = 26;
  const height = top + options.bars.length * rowHeight + 8;
  const max = Math.max(0, ...options.bars.map((b) => b.value));
  const scale = max > 0 ? (width - labelWidth - textWidth) / max : 0;
  const rows = options.bars.map((bar, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(0, bar.value * scale);
    return [
      `<text x="${labelWidth - 6}" y="${y + 14}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 6}" fill="${bar.color ?? COLORS.bar}"/>`,
      `<text x="${(labelWidth + w + 4).toFixed(1)}" y="${y + 14}">${escapeXml(bar.text ?? String(bar.value))}</text>`,
    ].join('');
  });
  return svg(width, height, `<text x="4" y="16" font-weight="bold">${escapeXml(options.title)}</text>${rows.join('')}`);
}

/** The plot's box inside the margins, and its two axis lines. */
function plotArea(width: number, height: number, margin: { left: number; right: number; top: number; bottom: number }) {
  const { left, top } = margin;
  const plotW = width - left - margin.right;
  const plotH = height - top - margin.bottom;
  const axes = `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#999"/>`
    + `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#999"/>`;
  return { left, top, plotW, plotH, axes };
}

/** Lines per second with vertical markers at the fault and recovery. */
export function timelineChart(options: {
  title: string;
  series: readonly Series[];
  markers: readonly Marker[];
  seconds: number;
  width?: number;
  height?: number;
}): string {
  const width = options.width ?? 300;
  const height = options.height ?? 150;
  const { left, top, plotW, plotH, axes } = plotArea(width, height, { left: 34, right: 6, top: 20, bottom: 18 });
  const max = Math.max(1, ...options.series.flatMap((s) => s.values));
  const span = Math.max(1, options.seconds);
  const x = (second: number): number => left + (second / span) * plotW;
  const y = (value: number): number => top + plotH - (value / max) * plotH;
  const parts: string[] = [
    `<text x="4" y="13" font-weight="bold">${escapeXml(options.title)}</text>`,
    axes,
    `<text x="${left - 3}" y="${top + 8}" text-anchor="end">${Math.round(max)}</text>`,
    `<text x="${left - 3}" y="${top + plotH}" text-anchor="end">0</text>`,
    `<text x="${left + plotW}" y="${height - 4}" text-anchor="end">${span} s</text>`,
  ];
  for (const marker of options.markers) {
    const mx = x(marker.second).toFixed(1);
    parts.push(`<line x1="${mx}" y1="${top}" x2="${mx}" y2="${top + plotH}" stroke="#000" stroke-dasharray="3,3"/>`);
    parts.push(`<text x="${mx}" y="${height - 4}" text-anchor="middle">${escapeXml(marker.label)}</text>`);
  }
  for (const series of options.series) {
    // steps, not a slope: second s covers [s, s+1), so nothing appears to start before it did
    const points = series.values.flatMap((v, i) => [`${x(i).toFixed(1)},${y(v).toFixed(1)}`, `${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`]).join(' ');
    parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="1.5" points="${points}"><title>${escapeXml(series.name)}</title></polyline>`);
  }
  return svg(width, height, parts.join(''));
}

export interface XySeries {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

/** Lines through measured points (x, y), with a dot per point: y against a measured x (e.g. p50 against round trip). */
export function xyChart(options: { title: string; xLabel: string; yLabel: string; series: readonly XySeries[]; width?: number; height?: number }): string {
  const width = options.width ?? 460;
  const height = options.height ?? 260;
  const { left, top, plotW, plotH, axes } = plotArea(width, height, { left: 44, right: 14, top: 30, bottom: 48 });
  const all = options.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const maxX = Math.max(1e-9, ...all.map(([x]) => x));
  const minX = Math.min(0, ...all.map(([x]) => x));
  const maxY = Math.max(1e-9, ...all.map(([, y]) => y));
  const x = (v: number): number => left + ((v - minX) / (maxX - minX)) * plotW;
  const y = (v: number): number => top + plotH - (v / maxY) * plotH;
  const label = (v: number): string => (v >= 100 ? String(Math.round(v)) : v.toFixed(1));
  const parts: string[] = [
    `<text x="4" y="14" font-weight="bold">${escapeXml(options.title)}</text>`,
    axes,
    `<text x="${left - 3}" y="${top + 8}" text-anchor="end">${label(maxY)}</text>`,
    `<text x="${left - 3}" y="${top + plotH}" text-anchor="end">0</text>`,
    `<text x="${left}" y="${top + plotH + 12}" text-anchor="middle">${label(minX)}</text>`,
    `<text x="${left + plotW}" y="${top + plotH + 12}" text-anchor="end">${label(maxX)}</text>`,
    `<text x="${left + plotW / 2}" y="${top + plotH + 26}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="${left - 3}" y="${top - 6}" text-anchor="end">${escapeXml(options.yLabel)}</text>`,
  ];
  options.series.forEach((series, i) => {
    const points = series.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py)).slice().sort((a, b) => a[0] - b[0]);
    if (points.length === 0) return;
    parts.push(`<polyline fill="none" stroke="${series.color}" stroke-width="1.5" points="${points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')}"><title>${escapeXml(series.name)}</title></polyline>`);
    for (const [px, py] of points) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="2.5" fill="${series.color}"/>`);
    // The legend sits under the x axis, where no line can run through it.
    parts.push(`<rect x="${left + i * 100}" y="${height - 14}" width="9" height="9" fill="${series.color}"/><text x="${left + 12 + i * 100}" y="${height - 6}">${escapeXml(series.name)}</text>`);
  });
  return svg(width, height, parts.join(''));
}

export function legend(series: readonly { name: string; color: string }[]): string {
  const items = series.map((s, i) => `<rect x="${4 + i * 90}" y="4" width="10" height="10" fill="${s.color}"/><text x="${18 + i * 90}" y="13">${escapeXml(s.name)}</text>`);
  return svg(series.length * 90 + 8, 18, items.join(''));
}

function svg(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">${body}</svg>`;
}

export interface CurveSeries {
  name: string;
  color: string;
  /** Measured points: solid line with dots. */
  measured: readonly { x: number; y: number }[];
  /** Model predictions: dashed line. */
  model: readonly { x: number; y: number }[];
}

/** y against a small integer x (ok req/s against replica count): measured solid, model dashed, per series. */
export function curveChart(options: { title: string; xLabel: string; yLabel: string; series: readonly CurveSeries[]; width?: number; height?: number }): string {
  const width = options.width ?? 520;
  const height = options.height ?? 300;
  const { left, top, plotW, plotH, axes } = plotArea(width, height, { left: 48, right: 130, top: 24, bottom: 34 });
  const xs = options.series.flatMap((s) => [...s.measured, ...s.model].map((p) => p.x));
  const minX = Math.min(1, ...xs);
  const maxX = Math.max(minX + 1, ...xs);
  const maxY = niceCeiling(Math.max(1, ...options.series.flatMap((s) => [...s.measured, ...s.model].map((p) => p.y))));
  const x = (v: number): number => left + ((v - minX) / (maxX - minX)) * plotW;
  const y = (v: number): number => top + plotH - (v / maxY) * plotH;
  const line = (points: readonly { x: number; y: number }[]): string => points.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ');
  const parts: string[] = [
    `<text x="4" y="14" font-weight="bold">${escapeXml(options.title)}</text>`,
    axes,
    `<text x="${left + plotW / 2}" y="${height - 4}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text x="10" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 10 ${top + plotH / 2})">${escapeXml(options.yLabel)}</text>`,
  ];
  for (let v = Math.ceil(minX); v <= maxX; v++) {
    parts.push(`<text x="${x(v).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle">${v}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (maxY * i) / 4;
    parts.push(`<line x1="${left}" y1="${y(v).toFixed(1)}" x2="${left + plotW}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)}</text>`);
  }
  options.series.forEach((s, i) => {
    if (s.model.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.2" stroke-dasharray="5,4" points="${line(s.model)}"><title>${escapeXml(`${s.name} (model)`)}</title></polyline>`);
    if (s.measured.length > 1) parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${line(s.measured)}"><title>${escapeXml(`${s.name} (measured)`)}</title></polyline>`);
    for (const p of s.measured) parts.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeXml(`${s.name}: ${Math.round(p.y)} at ${p.x}`)}</title></circle>`);
    const ly = top + 10 + i * 16;
    parts.push(`<line x1="${left + plotW + 10}" y1="${ly - 4}" x2="${left + plotW + 28}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/><text x="${left + plotW + 32}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  const ly = top + 10 + options.series.length * 16 + 6;
  parts.push(`<line x1="${left + plotW + 10}" y1="${ly - 4}" x2="${left + plotW + 28}" y2="${ly - 4}" stroke="#555" stroke-dasharray="5,4"/><text x="${left + plotW + 32}" y="${ly}">model</text>`);
  return svg(width, height, parts.join(''));
}

/** 1, 2 or 5 × a power of ten at or above v, so the axis ends on a round number. */
function niceCeiling(v: number): number {
  const power = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 2, 5, 10]) if (step * power >= v) return step * power;
  return 10 * power;
}
