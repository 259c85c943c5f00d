import type { Progress } from './context';
import type { BenchResults } from './results';

/** The live progress line (pure): scenario, elapsed/total, current req/s, logouts so far. */
export function formatProgress(p: Progress): string {
  const total = p.totalSeconds > 0 ? `/${Math.round(p.totalSeconds)}` : '';
  return `[${p.scenario}] ${Math.round(p.elapsedSeconds)}${total} s · ${Math.round(p.requestsPerSec).toLocaleString('en-US')} req/s · ${p.logouts.toLocaleString('en-US')} logouts`;
}

/** The verdict summary printed at the end of a run (pure). */
export function formatSummary(results: BenchResults, outDir: string): string {
  const width = Math.max(...results.verdicts.map((v) => v.verdict.length));
  const lines = results.verdicts.map((v) => `  ${v.verdict.padEnd(width)}  ${v.claim}. ${v.text}`);
  const skipped = results.skipped.map((s) => `  not run: ${s.scenario} (${s.reason})`);
  return [`authscale bench: ${Math.round(results.durationSeconds)} s`, ...lines, ...skipped, `results: ${outDir}/report.md, report.html, results.json`].join('\n');
}
