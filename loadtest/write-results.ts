import fs from 'node:fs/promises';
import path from 'node:path';
import { renderReports } from './report';
import { distanceCharts } from './report/distance';
import { scalingCurveSvg } from './report/scaling-section';
import type { BenchResults } from './results';

/** Writes results.json, report.md and report.html into `dir` (created if needed), and each chart the run drew as an SVG file (distance, the scaling curve). */
export async function writeResults(dir: string, results: BenchResults): Promise<string[]> {
  const reports = renderReports(results);
  await fs.mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['results.json', reports.json], ['report.md', reports.markdown], ['report.html', reports.html],
    ...(results.scenarios.distance ? distanceCharts(results.scenarios.distance).map((c): [string, string] => [`${c.name}.svg`, `${c.svg}\n`]) : []),
    ...(results.scenarios.scaling ? [['scaling.svg', `${scalingCurveSvg(results.scenarios.scaling)}\n`] as [string, string]] : []),
  ];
  await Promise.all(files.map(([name, text]) => fs.writeFile(path.join(dir, name), text)));
  return files.map(([name]) => path.join(dir, name));
}
