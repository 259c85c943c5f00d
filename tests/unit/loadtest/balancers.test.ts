import { ConfigError } from '../../../common/config';
import { parseBenchArgs } from '../../../loadtest/options';
import { renderReports } from '../../../loadtest/report';
import { balancerDifferences } from '../../../loadtest/report/balancers';
import type { BalancersResult, FaultCellResult } from '../../../loadtest/results';
import { SCENARIO_NAMES } from '../../../loadtest/scenarios';
import { judgeClaims } from '../../../loadtest/verdicts';
import { counts, faultCell, syntheticResults } from './synthetic-results';

const defaults = { adminToken: 'tok', now: new Date('2026-11-30T09:00:00.000Z') };
function config(argv: string[]) {
  const parsed = parseBenchArgs(argv, defaults);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
}

describe('bench --lb', () => {
  it('when not given, then the scenarios go through the proxy; with haproxy or nginx, through that balancer', () => {
    expect(config([]).lb).toBe('node');
    expect(config(['--lb', 'haproxy']).lb).toBe('haproxy');
    expect(config(['--compose', '--lb', 'nginx']).lb).toBe('nginx');
  });

  it('when combined with --target or given an unknown balancer, then the bench refuses with every problem listed', () => {
    expect(() => config(['--target', 'http://127.0.0.1:8080', '--lb', 'haproxy'])).toThrow(/--lb picks the balancer of the bench's own cluster or of --compose/);
    expect(() => config(['--lb', 'envoy'])).toThrow(ConfigError);
  });

  it('when balancers is named, then it runs; all and --quick never include it (evidence beside the claims)', () => {
    expect(config(['--scenario', 'balancers']).scenarios).toEqual(['balancers']);
    expect(config(['--quick']).scenarios).toEqual([...SCENARIO_NAMES]);
    expect(config(['--scenario', 'all']).scenarios).not.toContain('balancers');
  });
});

function cells(recovered: Record<string, number>): FaultCellResult[] {
  return ['node', 'haproxy', 'nginx'].flatMap((balancer) => ['round-robin', 'sticky-cookie', 'hash-ip'].flatMap((strategy) => ['memory', 'jwt'].map((mode) => ({
    ...faultCell(mode, strategy, {
      logoutRateBeforeFault: mode === 'memory' && strategy === 'round-robin' ? 0.66 : 0,
      logoutsAfterRecovery: mode === 'memory' && strategy === 'sticky-cookie' ? recovered[balancer] : 0,
      usersWithoutAnswer: mode === 'jwt' && strategy === 'round-robin' ? (balancer === 'nginx' ? 7 : 2) : 0,
      errorsStopAfterSeconds: mode === 'jwt' ? 3 : null,
      counts: counts({ ok: 800, errors: mode === 'jwt' ? 4 : 0 }),
    }),
    balancer,
  }))));
}

function balancersResult(): BalancersResult {
  const fault = (scenario: 'kill-replica' | 'pause-replica') => ({
    scenario, redisPersistence: null, target: 'app2', seconds: 12, usersPerCell: 9, userRate: 4,
    events: [{ second: 3, kind: 'fault' as const, label: 'x' }, { second: 8, kind: 'recover' as const, label: 'y' }], cells: cells({ node: 0, haproxy: 0, nginx: 3 }),
  });
  return {
    balancers: ['node', 'haproxy', 'nginx'].map((name, i) => ({ name, frontends: [{ port: 21080 + 3 * i, strategy: 'round-robin', url: `http://127.0.0.1:${21080 + 3 * i}` }], cpuCounts: `${name} processes` })),
    health: {
      connections: 50, secondsPerRound: 3, rounds: 2, cells: [
        { balancer: 'node', requestsPerSec: 8000, latencyP50Ms: 5, latencyP99Ms: 15, errors: 0, cpuMicrosPerRequest: 55.2, perRound: [7900, 8100] },
        { balancer: 'haproxy', requestsPerSec: 11000, latencyP50Ms: 4, latencyP99Ms: 11, errors: 0, cpuMicrosPerRequest: 19.4, perRound: [11000, 11000] },
        { balancer: 'nginx', requestsPerSec: 10000, latencyP50Ms: 4, latencyP99Ms: 12, errors: 0, cpuMicrosPerRequest: null, perRound: [9900, 10100] },
      ],
    },
    killReplica: fault('kill-replica'),
    pauseReplica: fault('pause-replica'),
  };
}

describe('the balancers section of the report', () => {
  it('when the scenario ran, then the report compares the three from its figures: req/s against node, CPU per request, logouts and errors per strategy', () => {
    const r = syntheticResults();
    r.scenarios.balancers = balancersResult();
    r.verdicts = judgeClaims(r);
    const { markdown } = renderReports(r);
    expect(markdown).toContain('## Balancers side by side: this proxy, HAProxy, nginx');
    expect(markdown).toMatch(/^\| HAProxy \| 11,000 \| 1\.38 \| 4\.0 \| 11\.0 \| 19\.4 \| 0 \| 11,000 \/ 11,000 \|$/m);
    expect(markdown).toMatch(/^\| nginx \| 10,000 \| 1\.25 \| .* \| not measured \|/m);
    expect(markdown).toMatch(/^\| nginx \| round-robin \| 66\.0% \| 0 \/ 3 \| 0 \/ 6 \| 0 \| 4 \| 3 s \| 7 \/ 9 \|/m);
  });

  it('when the balancers differ after the replica returns, then the difference is stated with each one\'s count', () => {
    const [sticky, , , pause] = balancerDifferences(balancersResult());
    expect(sticky).toContain('node (this proxy) 0, HAProxy 0, nginx 3');
    expect(sticky).toContain('open-source nginx has no sticky cookie');
    expect(pause).toContain('nginx 7 / 9');
  });

  it('when the scenario ran, then the claims are judged exactly as without it', () => {
    const plain = syntheticResults();
    const withBalancers = syntheticResults();
    withBalancers.scenarios.balancers = balancersResult();
    expect(judgeClaims(withBalancers)).toEqual(judgeClaims(plain));
  });
});
