import { totalCounts } from './aggregate';
import type { Progress } from './context';
import type { UserLedger } from './ledger';
import type { BenchResults } from './results';

/**
 * The live line's figures from the ledgers a scenario reports at each tick (pure: the time is
 * given, on a monotonic clock). A scenario may report only the users of the cell running now
 * (distance switches between its closed-loop and fixed-rate users, balancers starts new users per
 * cell): a difference of sums over a set that changed went negative. So the totals are kept over
 * every ledger ever reported, which only grow, and req/s is their growth per second. Two ticks at
 * one instant measure no window: the last rate stays and the answers count in the next one.
 */
export class ProgressTally {
  private readonly seen = new Set<UserLedger>();
  private answered = 0;
  private rate = 0;

  constructor(private atMs: number) {}

  tick(reported: readonly UserLedger[], nowMs: number): Pick<Progress, 'requestsPerSec' | 'logouts'> {
    for (const ledger of reported) this.seen.add(ledger);
    const counts = totalCounts([...this.seen]);
    const answered = counts.ok + counts.logouts + counts.errors + counts.logins + counts.other;
    if (nowMs > this.atMs) {
      this.rate = ((answered - this.answered) * 1000) / (nowMs - this.atMs);
      this.answered = answered;
      this.atMs = nowMs;
    }
    return { requestsPerSec: this.rate, logouts: counts.logouts };
  }
}

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
