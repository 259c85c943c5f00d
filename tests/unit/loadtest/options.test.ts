import { ConfigError } from '../../../common/config';
import { parseBenchArgs } from '../../../loadtest/options';
import { formatProgress } from '../../../loadtest/progress';
import { FULL_TIMING, QUICK_TIMING, SCENARIO_NAMES } from '../../../loadtest/scenarios';

const defaults = { adminToken: 'tok', now: new Date('2026-11-28T09:00:00.000Z') };

function config(argv: string[]) {
  const parsed = parseBenchArgs(argv, defaults);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.config;
}

describe('bench command line', () => {
  it('when failover-redis is named, then it runs; all and --quick never include it (it adds evidence, it does not change what they judge)', () => {
    expect(config(['--scenario', 'failover-redis']).scenarios).toEqual(['failover-redis']);
    expect(config(['--scenario', 'all']).scenarios).not.toContain('failover-redis');
    expect(config(['--quick']).scenarios).not.toContain('failover-redis');
  });

  it('when given no options, then it runs every scenario in full on its own cluster and writes to results/<timestamp>', () => {
    const c = config([]);
    expect(c.scenarios).toEqual([...SCENARIO_NAMES]);
    expect(c.timing).toEqual(FULL_TIMING);
    expect(c.target).toBeUndefined();
    expect(c.outDir).toBe('results/2026-11-28T09-00-00-000Z');
    expect(c.redisPersistence).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('when login-storm is asked for by name, then it runs; all and --quick never include it', () => {
    expect(config(['--scenario', 'login-storm']).scenarios).toEqual(['login-storm']);
    expect(config(['--scenario', 'all']).scenarios).not.toContain('login-storm');
    expect(config(['--quick']).scenarios).toEqual([...SCENARIO_NAMES]);
    expect(config(['--quick']).scenarios).not.toContain('login-storm');
  });

  it('when scaling is named, then it runs; all and --quick never include it', () => {
    expect(config(['--scenario', 'scaling']).scenarios).toEqual(['scaling']);
    expect(config(['--quick']).scenarios).not.toContain('scaling');
  });

  it('when given --quick, --duration, a scenario list and --no-persistence, then they are all applied', () => {
    const c = config(['--quick', '--duration', '2', '--scenario', 'throughput,kill-redis', '--no-persistence', '--connections', '20']);
    expect(c.timing).toEqual({ ...QUICK_TIMING, cellSeconds: 2 });
    expect(c.scenarios).toEqual(['throughput', 'kill-redis']);
    expect(c.redisPersistence).toBe(false);
    expect(c.connections).toBe(20);
  });

  it('when given fault commands for a target, then they are keyed by service and verb', () => {
    const c = config(['--target', 'http://127.0.0.1:8080', '--victim', 'app3', '--kill', 'docker compose kill app3', '--restart', 'docker compose start app3', '--kill-redis', 'k', '--restart-redis', 'r']);
    expect(c.commands).toEqual({ 'app3 kill': 'docker compose kill app3', 'app3 start': 'docker compose start app3', 'redis kill': 'k', 'redis start': 'r' });
  });

  it('when options are wrong, then one error lists every problem', () => {
    expect.assertions(3);
    try {
      parseBenchArgs(['--scenario', 'nope', '--connections', '0', '--target', 'not a url'], defaults);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(3);
      expect((error as ConfigError).message).toContain('unknown scenario nope');
    }
  });

  it('when given an unknown flag, then it is refused with its name', () => {
    expect(() => parseBenchArgs(['--frobnicate'], defaults)).toThrow(/frobnicate/);
  });

  it('when asked for help, then it says so', () => {
    expect(parseBenchArgs(['-h'], defaults)).toEqual({ help: true });
  });

  it('when progress is reported, then the line shows scenario, elapsed/total, req/s and logouts', () => {
    expect(formatProgress({ scenario: 'kill-replica', elapsedSeconds: 4.4, totalSeconds: 12, requestsPerSec: 1234.5, logouts: 17 }))
      .toBe('[kill-replica] 4/12 s · 1,235 req/s · 17 logouts');
  });
});

describe('bench targets', () => {
  const problems = (argv: string[]): readonly string[] => {
    try {
      parseBenchArgs(argv, defaults);
    } catch (error) {
      return (error as ConfigError).problems;
    }
    return [];
  };

  it('when given --compose -p NAME, then it drives that compose project, at no hash cost of its own', () => {
    const c = config(['--compose', '-p', 'authscale-h12', '--quick']);
    expect(c.compose).toEqual({ project: 'authscale-h12' });
    expect(c.target).toBeUndefined();
    expect(c.hashCostChosen).toBe(false);
  });

  it('when --compose has no -p, then COMPOSE_PROJECT_NAME names the project', () => {
    const parsed = parseBenchArgs(['--compose'], { ...defaults, composeProject: 'from-env' });
    expect(!parsed.help && parsed.config.compose).toEqual({ project: 'from-env' });
  });

  it('when two targets are given, then it refuses with both named', () => {
    expect(problems(['--compose', '--target', 'http://127.0.0.1:8080'])).toEqual(['choose one target: --target and --compose are mutually exclusive']);
  });

  it('when --compose comes with fault commands or own-cluster settings, then each is refused with the reason', () => {
    const list = problems(['--compose', '--kill', 'docker kill x', '--hash-cost', '10']);
    expect(list).toHaveLength(2);
    expect(list.join('\n')).toMatch(/--hash-cost sets up the bench's own cluster/);
    expect(list.join('\n')).toMatch(/--kill is for --target; --compose fills in its own fault commands/);
  });

  it('when -p is given without --compose, then it is refused', () => {
    expect(problems(['-p', 'x'])).toEqual(['-p/--project names a compose project: it needs --compose']);
  });

  it('when no --hash-cost is given, then the own cluster runs at production cost 17; a cheaper one is marked as chosen', () => {
    expect(config([]).hashCost).toBe(17);
    expect(config(['--hash-cost', '10'])).toMatchObject({ hashCost: 10, hashCostChosen: true });
  });

  it('when given --swarm, then it drives the stack named by --stack, $AUTHSCALE_STACK or authscale, with the node commands given', () => {
    expect(config(['--swarm']).swarm).toEqual({ stack: 'authscale' });
    const parsed = parseBenchArgs(['--swarm'], { ...defaults, swarmStack: 'from-env' });
    expect(!parsed.help && parsed.config.swarm).toEqual({ stack: 'from-env' });
    expect(config(['--swarm', '--stack', 'h14', '--node', 'swarm2', '--crash-node', 'power-off', '--restore-node', 'power-on']).swarm)
      .toEqual({ stack: 'h14', node: 'swarm2', crashCommand: 'power-off', restoreCommand: 'power-on' });
  });

  it('when --swarm meets another target, fault commands, own-cluster settings, or swarm options come without it, then each is refused with the reason', () => {
    expect(problems(['--swarm', '--compose'])).toEqual(['choose one target: --compose and --swarm are mutually exclusive']);
    const list = problems(['--swarm', '--kill', 'x', '--hash-cost', '10', '--crash-node', 'off']).join('\n');
    expect(list).toMatch(/--kill is for --target; --swarm fills in its own fault commands/);
    expect(list).toMatch(/--hash-cost sets up the bench's own cluster; a swarm stack runs with its own settings/);
    expect(list).toMatch(/--crash-node and --restore-node go together/);
    expect(problems(['--stack', 'x', '--node', 'n'])).toEqual(['--stack is for a swarm stack: it needs --swarm', '--node is for a swarm stack: it needs --swarm']);
  });

  it('when the replacement scenarios are named, then they run; all and --quick never include them', () => {
    expect(config(['--scenario', 'rolling-deploy,node-drain,node-crash']).scenarios).toEqual(['rolling-deploy', 'node-drain', 'node-crash']);
    for (const name of ['rolling-deploy', 'node-drain', 'node-crash']) {
      expect(config([]).scenarios).not.toContain(name);
      expect(config(['--quick']).scenarios).not.toContain(name);
      expect(SCENARIO_NAMES).not.toContain(name);
    }
  });
});
