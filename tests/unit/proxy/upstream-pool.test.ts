import { UpstreamPool } from '../../../proxy/balancing/upstream-pool';
import { StickyCookieStrategy } from '../../../proxy/balancing/sticky-cookie';
import { RoundRobinStrategy } from '../../../proxy/balancing/round-robin';
import { LogLines } from '../../support/log-lines';

function poolOf(...ids: string[]): { pool: UpstreamPool; logs: LogLines } {
  const logs = new LogLines();
  const pool = new UpstreamPool(logs.logger);
  ids.forEach((id, i) => pool.add(id, `http://127.0.0.1:${3001 + i}`));
  return { pool, logs };
}

const ids = (pool: UpstreamPool): string[] => pool.eligible().map((u) => u.id);
const panicLines = (logs: LogLines): string[] => logs.messages().filter((m) => m.startsWith('panic'));

describe('UpstreamPool panic routing', () => {
  it('when every upstream fails its checks but accepts connections, then it panics and routes across all of them', () => {
    const { pool } = poolOf('app1', 'app2', 'app3');
    for (const id of ['app1', 'app2', 'app3']) pool.setStatus(id, false, 'health check timed out after 500 ms');
    expect(pool.panic).toBe(true);
    expect(ids(pool)).toEqual(['app1', 'app2', 'app3']);
  });

  it('when one upstream still passes its checks, then no panic and it alone is eligible', () => {
    const { pool } = poolOf('app1', 'app2', 'app3');
    pool.setStatus('app1', false, 'timed out');
    pool.setStatus('app3', false, 'timed out');
    expect(pool.panic).toBe(false);
    expect(ids(pool)).toEqual(['app2']);
  });

  it('when an upstream refused its last connection, then panic routing skips it', () => {
    const { pool } = poolOf('app1', 'app2', 'app3');
    pool.setReachable('app2', false, 'connection failed (ECONNREFUSED)');
    for (const id of ['app1', 'app2', 'app3']) pool.setStatus(id, false, 'down');
    expect(ids(pool)).toEqual(['app1', 'app3']);
    // In panic, a refusal seen by traffic takes it out at once.
    pool.setReachable('app3', false, 'connection failed (ECONNREFUSED)');
    expect(ids(pool)).toEqual(['app1']);
    expect(pool.panic).toBe(true);
    // A check that connects again brings it back.
    pool.setReachable('app2', true, 'health check connected');
    expect(ids(pool)).toEqual(['app1', 'app2']);
  });

  it('when no upstream is healthy or reachable, then nothing is eligible and it is not called panic', () => {
    const { pool } = poolOf('app1', 'app2');
    for (const id of ['app1', 'app2']) {
      pool.setReachable(id, false, 'refused');
      pool.setStatus(id, false, 'refused');
    }
    expect(ids(pool)).toEqual([]);
    expect(pool.panic).toBe(false);
  });

  it('when upstreams drain, then they are never eligible, panic or not', () => {
    const { pool } = poolOf('app1', 'app2', 'app3');
    pool.drain('app1');
    for (const id of ['app1', 'app2', 'app3']) pool.setStatus(id, false, 'down');
    expect(ids(pool)).toEqual(['app2', 'app3']);
    pool.drain('app2');
    pool.drain('app3');
    expect(ids(pool)).toEqual([]);
    expect(pool.panic).toBe(false);
  });

  it('when a healthy upstream is the only one left and drains, then the others (failing checks) take over in panic', () => {
    const { pool } = poolOf('app1', 'app2');
    pool.setStatus('app1', false, 'timed out');
    expect(ids(pool)).toEqual(['app2']);
    pool.drain('app2');
    expect(pool.panic).toBe(true);
    expect(ids(pool)).toEqual(['app1']);
  });

  it('when the pool enters and leaves panic, then each transition is logged once', () => {
    const { pool, logs } = poolOf('app1', 'app2');
    pool.setStatus('app1', false, 'timed out');
    pool.setStatus('app2', false, 'timed out');
    // Changes inside the panic set are not transitions.
    pool.setReachable('app1', false, 'refused');
    pool.setReachable('app1', true, 'connected');
    pool.setStatus('app2', true, '2 health checks passed');
    pool.setStatus('app1', true, '2 health checks passed');
    expect(panicLines(logs)).toEqual([
      'panic: no upstream passes its health checks, routing across every reachable one',
      'panic over: routing to healthy upstreams again',
    ]);
    const entered = logs.lines.find((l) => String(l.msg).startsWith('panic:'))!;
    expect(entered).toMatchObject({ level: 40, upstreams: ['app1', 'app2'] });
  });

  it('when the last reachable upstream refuses during panic, then leaving panic says nothing is reachable', () => {
    const { pool, logs } = poolOf('app1');
    pool.setStatus('app1', false, 'timed out');
    pool.setReachable('app1', false, 'refused');
    expect(panicLines(logs)).toEqual([
      'panic: no upstream passes its health checks, routing across every reachable one',
      'panic over: no upstream is reachable',
    ]);
  });

  it('when reachability changes on a healthy pool, then the eligible list keeps its identity', () => {
    const { pool } = poolOf('app1', 'app2');
    pool.setStatus('app1', false, 'down');
    const before = pool.eligible();
    pool.setReachable('app1', false, 'refused');
    pool.setReachable('app2', false, 'connect timed out');
    expect(pool.eligible()).toBe(before);
  });

  it('when a sticky user pinned to a slow replica comes back during panic, then the same replica serves them (no re-dispatch)', () => {
    const { pool } = poolOf('app1', 'app2', 'app3');
    const sticky = new StickyCookieStrategy('secret-for-this-test-only-0123456789', new RoundRobinStrategy());
    const cookie = sticky.valueFor('app2');
    for (const id of ['app1', 'app2', 'app3']) pool.setStatus(id, false, 'timed out');
    expect(sticky.pick(pool.eligible(), { affinity: cookie })!.id).toBe('app2');
    // Its replica refused: the user goes elsewhere, the others are untouched.
    pool.setReachable('app2', false, 'refused');
    expect(sticky.pick(pool.eligible(), { affinity: cookie })!.id).not.toBe('app2');
    expect(sticky.pick(pool.eligible(), { affinity: sticky.valueFor('app3') })!.id).toBe('app3');
  });
});
