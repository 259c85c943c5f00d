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

  it('when the WAIT variant ran beside ha, then the report prices WAIT per login from the session writes the replicas timed, not only from login throughput', () => {
    const r = judged();
    const f = failoverResult();
    const ha = f.variants[0];
    ha.loginPrice = { ...ha.loginPrice!, sessionWrites: 430, sessionWriteMs: 0.21 };
    f.variants.splice(1, 0, { ...ha, variant: 'ha + WAIT 1', waitReplicas: 1, loginPrice: { ...ha.loginPrice, loginsPerSec: 80, p50Ms: 44, sessionWrites: 400, sessionWriteMs: 0.58 } });
    r.scenarios.failoverRedis = f;
    const { markdown } = renderReports(r);
    expect(markdown).toContain('WAIT price per login, same run, 4 connections of closed-loop /redis logins: 80 vs 86 logins/s (× 0.93), p50 44.0 vs 41.0 ms.');
    expect(markdown).toContain('The replicas timed each login\'s session write: 0.58 ms with WAIT (400 writes) vs 0.21 ms without (430): WAIT adds +0.37 ms per login, against a p50 login of 41.0 ms.');
    expect(markdown).toMatch(/^\| ha \+ WAIT 1 \| .* \| 80 \/s, p50 44\.0 ms, p99 120\.0 ms; session write 0\.58 ms \|$/m);
    // Results from before the replicas timed their writes: no price line is invented.
    for (const v of f.variants) if (v.loginPrice) v.loginPrice = { ...v.loginPrice, sessionWriteMs: undefined };
    expect(renderReports(r).markdown).not.toContain('timed each login');
  });

  it('when a figure changes, then the report shows the new figure (numbers come from the results, not constants)', () => {
    const r = judged();
    r.scenarios.memory!.modes[0].bytesPerUser = 4242;
    r.verdicts = judgeClaims(r);
    expect(renderReports(r).markdown).toContain('4,242 B of replica heap per user');
  });

  it('when only the login storm ran, then every answer reads "not measured", with no sentence built around missing figures', () => {
    const r = syntheticResults();
    for (const name of Object.keys(r.scenarios) as (keyof typeof r.scenarios)[]) delete r.scenarios[name];
    r.verdicts = judgeClaims(r);
    const section = renderReports(r).markdown.split('## Answers to the questions')[1].split(/^## /m)[0];
    const answers = section.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(answers).toHaveLength(5);
    for (const answer of answers) expect(answer).toMatch(/^(not measured in this run|scale-out not measured in this run\.)$/);
  });

  it('when only the Redis scenarios ran, then the remedies answer gives the shared store its figures and leaves affinity out', () => {
    const r = syntheticResults();
    delete r.scenarios.throughput;
    r.scenarios.killReplica!.cells = r.scenarios.killReplica!.cells.filter((c) => c.mode === 'redis');
    r.verdicts = judgeClaims(r);
    const remedies = renderReports(r).markdown.split('### What are the two usual remedies')[1].split('###')[0];
    expect(remedies).not.toContain('Affinity');
    expect(remedies).toContain('A shared store (Redis');
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

  it('when a swarm rolling deploy ran, then its section shows per mode who was logged out, errors by kind, who moved, second by second, and where the numbers come from', () => {
    const r = judged();
    const timeline = Array.from({ length: 3 }, (_, second) => ({ second, ok: 10, logouts: second === 1 ? 2 : 0, errors: 0, logins: 0, other: 0, refused: 0 }));
    const cell = (mode: string, strategy: string, partial: object) => ({
      mode, strategy, users: 9, counts: { ok: 30, logouts: 0, errors: 0, logins: 0, other: 0, refused: 0 }, timeline, movesPerSecond: strategy === 'round-robin' ? null : [0, 4, 0],
      usersLoggedOut: 0, usersMoved: strategy === 'round-robin' ? null : 4, movedLoggedOut: strategy === 'round-robin' ? null : 0, okShareBefore: 1, okShareDuring: 1,
      errorsStopAfterSeconds: null, longestSilenceSeconds: 0, errorKinds: {}, ...partial,
    });
    r.settings.targetKind = 'docker swarm';
    r.settings.swarm = {
      stack: 'h14', nodesLookLikeThisMachine: true,
      nodes: [{ hostname: 'vm', role: 'manager', availability: 'active', state: 'ready', address: '10.77.0.1', cpus: 2, memoryBytes: 2 ** 34, engine: '20.10.24', self: true }],
    };
    r.scenarios.rollingDeploy = {
      scenario: 'rolling-deploy', targetKind: 'docker swarm', action: 'docker service update --force h14_app', seconds: 3, operationSeconds: 1.5,
      usersPerCell: 9, userRate: 4, replicasBefore: ['vm.h14_app.1.a'], replicasAfter: ['vm.h14_app.1.b'], notes: [],
      tasksPerNodeBefore: { vm: 1 }, tasksPerNodeAfter: { vm: 1 },
      events: [{ second: 1, kind: 'fault', label: 'docker service update --force h14_app' }, { second: 1.4, kind: 'pool', label: '−vm.h14_app.1.a' }],
      cells: [
        cell('memory', 'sticky-cookie', { usersLoggedOut: 4, movedLoggedOut: 4 }),
        cell('redis', 'round-robin', { counts: { ok: 30, logouts: 0, errors: 3, logins: 0, other: 0, refused: 0 }, errorKinds: { '503 session_store_unavailable': 3 } }),
      ],
    };
    const { markdown, html } = renderReports(r);
    expect(markdown).toContain('## rolling-deploy (docker swarm)');
    expect(markdown).toMatch(/^\| memory \| 4 \/ 9 \| 0 \| — \| 30 \| 4 \/ 9 \| 4 \/ 4 \|$/m);
    expect(markdown).toMatch(/^\| redis \| 0 \/ 9 \| 3 \| 503 session_store_unavailable: 3 \| 30 \| — \| — \|$/m);
    expect(markdown).toMatch(/^\| 1 \| 10 \/ 2 \/ 0 \/ 4 \| 10 \/ 2 \/ 0 \/ 0 \| docker service update --force h14_app, −vm\.h14_app\.1\.a \|$/m);
    expect(markdown).toContain('## Swarm: where these numbers come from (stack h14)');
    expect(markdown).toMatch(/most likely Docker engines in network namespaces of this one machine/);
    expect(markdown).toContain('--scenario distance');
    expect(html).toContain('memory · sticky-cookie');
  });
});
