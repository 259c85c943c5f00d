import { admittedSince, restartInTurn, RollingRestartStopped } from '../../../cluster/rolling-restart';
import { parseRollingRestartArgs, RollingRestartUsageError } from '../../../cluster/rolling-restart-args';

describe('rolling restart (npm run rolling-restart): one replica at a time', () => {
  it('when every replica comes back, then each is stopped, started and admitted before the next one is touched', async () => {
    const steps: string[] = [];
    await restartInTurn(['app1', 'app2', 'app3'], {
      stop: async (r) => void steps.push(`stop ${r}`),
      start: async (r) => void steps.push(`start ${r}`),
      admitted: async () => true,
      onStep: (r, step) => step === 'admitted' && steps.push(`admitted ${r}`),
    }, { delayMs: 0 });
    expect(steps).toEqual(['stop app1', 'start app1', 'admitted app1', 'stop app2', 'start app2', 'admitted app2', 'stop app3', 'start app3', 'admitted app3']);
  });

  it('when a restarted replica is not admitted in time, then the restart stops there and names the replicas left alone', async () => {
    const stopped: string[] = [];
    const run = restartInTurn(['app1', 'app2', 'app3'], {
      stop: async (r) => void stopped.push(r),
      start: async () => undefined,
      admitted: async (r) => r !== 'app2',
    }, { delayMs: 0, admitTimeoutMs: 300 });
    await expect(run).rejects.toThrow(RollingRestartStopped);
    await expect(run).rejects.toThrow(/app2 was started again but the proxy did not admit it .*\(app3 not restarted\)/);
    expect(stopped).toEqual(['app1', 'app2']);
  });

  it('when the proxy still shows a replica healthy from before its restart, then it is admitted only after a passing check made since', () => {
    const since = Date.parse('2026-11-30T05:00:10Z');
    const view = (at: string, ok = true, healthy = true) => [{ id: 'app1', healthy, lastCheck: { at, ok } }];
    expect(admittedSince(view('2026-11-30T05:00:09Z'), 'app1', since)).toBe(false);
    expect(admittedSince(view('2026-11-30T05:00:11Z'), 'app1', since)).toBe(true);
    expect(admittedSince(view('2026-11-30T05:00:11Z', false), 'app1', since)).toBe(false);
    expect(admittedSince(view('2026-11-30T05:00:11Z', true, false), 'app1', since)).toBe(false);
    expect(admittedSince(view('2026-11-30T05:00:11Z'), 'app2', since)).toBe(false);
  });
});

describe('npm run rolling-restart command line', () => {
  const defaults = { stack: 'authscale' };
  it('when given a target, then it names the local launcher, a compose project or a swarm stack', () => {
    expect(parseRollingRestartArgs([], defaults)).toEqual({ target: 'local' });
    expect(parseRollingRestartArgs(['--port-base', '22080'], defaults)).toEqual({ target: 'local', portBase: 22080 });
    expect(parseRollingRestartArgs(['--compose', '-p', 'h14'], defaults)).toEqual({ target: 'compose', project: 'h14' });
    expect(parseRollingRestartArgs(['--compose'], { ...defaults, project: 'env' })).toEqual({ target: 'compose', project: 'env' });
    expect(parseRollingRestartArgs(['--swarm', '--stack', 'h14'], defaults)).toEqual({ target: 'swarm', stack: 'h14' });
    expect(parseRollingRestartArgs(['--swarm'], defaults)).toEqual({ target: 'swarm', stack: 'authscale' });
  });

  it.each([[['--compose', '--swarm']], [['-p', 'x']], [['--stack', 'x']], [['--swarm', '--port-base', '22080']], [['--port-base', '80']], [['--compose', '-p', 'Bad Name']], [['extra']], [['-p']]])(
    'when the command line is %j, then it is a usage error',
    (argv) => {
      expect(() => parseRollingRestartArgs(argv as string[], defaults)).toThrow(RollingRestartUsageError);
    },
  );
});
