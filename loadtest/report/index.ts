import type { BenchResults } from '../results';
import { buildReport } from './document';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';

export interface RenderedReports {
  json: string;
  markdown: string;
  html: string;
}

/** results → the three files of a run (pure). */
export function renderReports(results: BenchResults): RenderedReports {
  const blocks = buildReport(results);
  return {
    json: `${JSON.stringify(results, null, 2)}\n`,
    markdown: renderMarkdown(blocks),
    html: renderHtml(`authscale bench report ${results.startedAt}`, blocks),
  };
}
