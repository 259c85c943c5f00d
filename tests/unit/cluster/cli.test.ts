import { CliUsageError, parseCli } from '../../../cluster/cli-args';
import { servicesTable, upBanner } from '../../../cluster/cli-output';
import { prefixedLine, readableLine } from '../../../cluster/log-format';
import { normaliseSignal } from '../../../cluster/launcher';

describe('cluster command line', () => {
  it('when given a verb, flags and services, then each lands in its field', () => {
    expect(parseCli(['kill', '-s', 'SIGTERM', 'app2', '--port-base', '9000'])).toMatchObject({
      verb: 'kill', signal: 'SIGTERM', services: ['app2'], portBase: 9000,
    });
    expect(parseCli(['up', '-d', '--no-persistence', '--with-app4', '--redis-url=redis://h:1'])).toMatchObject({
      verb: 'up', detach: true, persistence: false, withApp4: true, redisUrl: 'redis://h:1',
    });
    expect(parseCli(['logs', '-f', 'proxy'])).toMatchObject({ verb: 'logs', follow: true, services: ['proxy'] });
    expect(parseCli(['up', '--redis', 'ha'])).toMatchObject({ verb: 'up', redis: 'ha' });
    expect(parseCli(['up', '--redis=none'])).toMatchObject({ redis: 'none' });
    expect(parseCli(['up', '--latency', 'redis,replicas', '--latency-ms', '1'])).toMatchObject({ latency: ['redis', 'replicas'], latencyMs: 1 });
    expect(parseCli(['up', '--latency=replicas'])).toMatchObject({ latency: ['replicas'] });
    expect(parseCli([])).toMatchObject({ verb: 'help' });
  });

  it('when the input is wrong, then it says exactly what is wrong', () => {
    expect(() => parseCli(['explode'])).toThrow(new CliUsageError('unknown command "explode"'));
    expect(() => parseCli(['ps', '--colour'])).toThrow('unknown option --colour');
    expect(() => parseCli(['up', '--no-redis'])).toThrow(new CliUsageError('--no-redis was replaced by --redis none (choices: --redis single|ha|none)'));
    expect(() => parseCli(['up', '--redis', 'cluster'])).toThrow('--redis must be one of single, ha, none, not "cluster"');
    expect(() => parseCli(['up', '--redis', 'ha', '--redis-url', 'redis://h:1'])).toThrow('exclude each other');
    expect(() => parseCli(['up', '--port-base', '80'])).toThrow(/--port-base must be an integer from 1024/);
    expect(() => parseCli(['stop', '-s', 'KILL'])).toThrow('-s/--signal only goes with kill');
    expect(() => parseCli(['up', '--run-dir'])).toThrow('--run-dir needs a value');
    expect(() => parseCli(['up', '--latency', 'disk'])).toThrow('--latency takes redis, replicas (comma-separated), not "disk"');
    expect(() => parseCli(['up', '--latency', 'redis', '--latency-ms', 'soon'])).toThrow('--latency-ms must be a number of ms from 0 to 10000, not "soon"');
    expect(() => parseCli(['up', '--latency-ms', '2'])).toThrow('--latency-ms needs --latency');
  });
});

describe('signals', () => {
  it('when named loosely or by number, then it resolves to the signal name; an unknown one is refused', () => {
    expect(normaliseSignal('term')).toBe('SIGTERM');
    expect(normaliseSignal('SIGKILL')).toBe('SIGKILL');
    expect(normaliseSignal('9')).toBe('SIGKILL');
    expect(() => normaliseSignal('SIGNOPE')).toThrow('Unknown signal "SIGNOPE".');
  });
});

describe('what the CLI prints', () => {
  it('when a pino line arrives, then it is shown as time, level, message and fields', () => {
    const line = JSON.stringify({ level: 40, time: '2026-01-01T12:34:56.789Z', service: 'proxy', msg: 'upstream down', upstream: 'app2', reason: 'connect refused' });
    expect(readableLine(line)).toBe('12:34:56 WARN  upstream down upstream=app2 reason="connect refused"');
    expect(prefixedLine('app2', 'plain text', { width: 7, colour: false, index: 2 })).toBe('app2    | plain text');
    expect(prefixedLine('app2', 'x', { width: 7, colour: true, index: 2 })).toContain('\u001b[');
  });

  it('when services are listed, then the table has one aligned row per service with exit details', () => {
    const table = servicesTable([
      { name: 'redis', state: 'unavailable', pid: null, port: null, note: 'install redis' },
      { name: 'app2', state: 'exited', pid: null, port: 8092, exitCode: null, signal: 'SIGKILL' },
      { name: 'proxy', state: 'running', pid: 42, port: 8080 },
    ]);
    expect(table.split('\n')).toEqual([
      'NAME   STATE             PID  PORT  NOTE',
      'redis  unavailable       -    -     install redis',
      'app2   exited (SIGKILL)  -    8092',
      'proxy  running           42   8080',
      '',
    ]);
  });

  it('when the cluster is up, then the banner lists every frontend, the dashboard and how to stop', () => {
    const banner = upBanner({
      frontends: [{ strategy: 'round-robin', url: 'http://127.0.0.1:8080' }, { strategy: 'sticky-cookie', url: 'http://127.0.0.1:8081' }],
      controlUrl: 'http://127.0.0.1:8090', runDir: '/run', warnings: ['redis missing'],
    }, true);
    expect(banner).toContain('dashboard: http://127.0.0.1:8080/_dashboard/');
    expect(banner).toContain('sticky-cookie  http://127.0.0.1:8081');
    expect(banner).toContain('warning: redis missing');
    expect(banner).toContain('Ctrl-C stops everything.');
    expect(banner).not.toContain('latency');
    expect(upBanner({ frontends: [], controlUrl: 'http://127.0.0.1:8090', runDir: '/run', warnings: [], latency: { controlUrl: 'http://127.0.0.1:8096' } }, true))
      .toContain('latency        injector control http://127.0.0.1:8096');
  });
});
