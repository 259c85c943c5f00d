import fs from 'node:fs/promises';
import path from 'node:path';
import { renderReports } from './report';
import { scalingCurveSvg } from './report/scaling-section';
import type { BenchResults } from './results';

/** Writes results.json, report.md and report.html into `dir` (created if needed), and scaling.svg when the curve was measured. */
export async function writeResults(dir: string, results: BenchResults): Promise<string[]> {
  const reports = renderReports(results);
  await fs.mkdir(dir, { recursive: true });
  const files: [string, string][] = [['results.json', reports.json], ['report.md', reports.markdown], ['report.html', reports.html]];
  if (results.scenarios.scaling) files.push(['scaling.svg', scalingCurveSvg(results.scenarios.scaling)]);
  await Promise.all(files.map(([name, text]) => fs.writeFile(path.join(dir, name), text)));
  return files.map(([name]) => path.join(dir, name));
}
