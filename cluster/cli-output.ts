import type { ServiceState } from './service-process';

/** What the CLI prints, as pure functions returning strings (tested without a terminal). */

export function servicesTable(services: readonly ServiceState[]): string {
  const rows = services.map((s) => [
    s.name,
    s.state + (s.state === 'exited' && (s.signal || s.exitCode !== undefined) ? ` (${s.signal ?? `code ${s.exitCode}`})` : ''),
    s.pid === null ? '-' : String(s.pid),
    s.port === null ? (s.url ?? '-') : String(s.port),
    [s.role ? `${s.role}${s.role === 'primary' ? ' (the Sentinels\' choice: writes go here)' : ''}` : '', s.note ?? ''].filter(Boolean).join('; '),
  ]);
  const header = ['NAME', 'STATE', 'PID', 'PORT', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function upBanner(info: {
  frontends: readonly { strategy: string; url: string }[]; controlUrl: string; runDir: string; warnings: readonly string[];
  balancers?: readonly { name: string; frontends: readonly { strategy: string; url: string }[] }[];
  sentinels?: readonly string[] | null;
  latency?: { controlUrl: string } | null;
}, foreground: boolean): string {
  const lines = [
    'authscale cluster is up',
    ...info.frontends.map((f, i) => `  ${f.strategy.padEnd(14)} ${f.url}${i === 0 ? `   dashboard: ${f.url}/_dashboard/` : ''}`),
    ...(info.balancers ?? []).map((b) => `  ${b.name.padEnd(14)} ${b.frontends.map((f) => `${f.strategy} ${f.url}`).join(', ')}`),
    `  control API    ${info.controlUrl}  (Authorization: Bearer <ADMIN_TOKEN>)`,
    ...(info.sentinels ? [`  redis (HA)     primary redis, replica redis2, sentinels ${info.sentinels.join(' ')}  (\`npm run cluster -- ps\` shows which is primary)`] : []),
    ...(info.latency ? [`  latency        injector control ${info.latency.controlUrl}  (PUT /links/{name} {"upMs":1}; GET /links: docs/distance.md)`] : []),
    `  logs           ${info.runDir}/logs/`,
    ...info.warnings.map((w) => `  warning: ${w}`),
    `Try: npm run cluster -- ps; npm run cluster -- kill app2; npm run cluster -- start app2.${foreground ? ' Ctrl-C stops everything.' : ' `npm run cluster -- down` stops everything.'}`,
  ];
  return lines.join('\n') + '\n';
}
