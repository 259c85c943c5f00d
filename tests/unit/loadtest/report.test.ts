import { renderReports } from '../../../loadtest/report';
import { renderMarkdown } from '../../../loadtest/report/markdown';
import { table } from '../../../loadtest/report/blocks';
import { judgeClaims } from '../../../loadtest/verdicts';
import { failoverResult, syntheticResults } from './synthetic-results';

function judged() {
  const r = syntheticResults();
  r.verdicts = judgeClaims(r);
  return r;
}

describe('report rendering', () => {
  it('when results are rendered, then report.md has a verdict row per claim, with the numbers of the run', () => {
    const { markdown } = renderReports(judged());
    for (let claim = 1; claim <= 8; claim++) expect(markdown).toMatch(new RegExp(`^\\| ${claim} \\| .+ \\| holds \\|`, 'm'));
    expect(markdown).toContain('10000 of 15000 authenticated requests found no session (66.7%');
    expect(markdown).toContain('3 of 3 users pinned to it were logged out');
    expect(markdown).toContain('## Answers to the questions');
    expect(markdown).toContain('Does statelessness give scalability');
  });

  it('when failover-redis ran, then the report has its section: per variant promotion, follow, sessions lost and the WAIT price', () => {
    const r = judged();
    r.scenarios.failoverRedis = failoverResult();
    const { markdown, html } = renderReports(r);
    expect(markdown).toContain('## failover-redis: Sentinel failover vs one Redis restarted');
    expect(markdown).toMatch(/^\| ha \| 3\.4 s \| 4\.9 s \| 5 s \| 662 \| 0 \| 0 of 4 \| 0 \| 86 \/s, p50 41\.0 ms, p99 120\.0 ms \|$/m);
    expect(markdown).toMatch(/^\| single, AOF off \| restarted after 0\.3 s \| 4\.9 s \| 5 s \| 662 \| 0 \| 4 of 4 \| 0 \| — \|$/m);
    expect(html).toContain('redis · every strategy');
  });

  it('when a figure changes, then the report shows the new figure (numbers come from the results, not constants)', () => {
    const r = judged();
    r.scenarios.memory!.modes[0].bytesPerUser = 4242;
    r.verdicts = judgeClaims(r);
    expect(renderReports(r).markdown).toContain('4,242 B of replica heap per user');
  });

  it('when a scenario did not run, then its verdicts read "not measured" and its section is absent', () => {
    const r = syntheticResults();
    delete r.scenarios.revocation;
    r.skipped.push({ scenario: 'revocation', reason: 'not asked for' });
    r.verdicts = judgeClaims(r);
    const { markdown } = renderReports(r);
    expect(markdown).toMatch(/^\| 8 \| .+ \| not measured \|/m);
    expect(markdown).not.toContain('## revocation');
    expect(markdown).toContain('revocation: not asked for');
  });

  it('when rendered to HTML, then the page is self-contained, with a timeline per fault cell marking the fault, and bars', () => {
    const { html } = renderReports(judged());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html).toContain('<polyline');
    expect(html).toContain('kill app2');
    expect(html).toContain('stroke-dasharray');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThan(18);
    expect(html).toContain('class="holds"');
  });

  it('when a table cell contains a pipe or markup, then Markdown escapes the pipe and HTML escapes the markup', () => {
    expect(renderMarkdown([table(['a'], [['x|y']])])).toContain('x\\|y');
    const r = judged();
    r.settings.target = '<b>evil</b>';
    expect(renderReports(r).html).not.toContain('<b>evil</b>');
  });

  it('when rendered as JSON, then it round-trips to the same results', () => {
    const r = judged();
    expect(JSON.parse(renderReports(r).json)).toEqual(r);
  });
});
