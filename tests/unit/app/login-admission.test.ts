import { LoginAdmission, type Admission } from '../../../services/app/login-admission';

function events() {
  const seen = { refused: 0, abandoned: [] as string[], depth: [0, 0] };
  return {
    seen,
    events: {
      depth: (waiting: number, hashing: number) => { seen.depth = [waiting, hashing]; },
      refused: () => { seen.refused += 1; },
      abandoned: (reason: string) => { seen.abandoned.push(reason); },
    },
  };
}

const live = () => new AbortController().signal;
const granted = (a: Admission) => { if (!a.admitted) throw new Error(`refused: ${a.reason}`); return a; };

test('when more logins arrive than slots and queue, then the extra ones are refused at once with a Retry-After', async () => {
  const { seen, events: ev } = events();
  const admission = new LoginAdmission({ concurrency: 1, queueLimit: 2, queueTimeoutMs: 60_000 }, { events: ev, initialHashMs: 400 });
  const first = granted(await admission.admit(live()));
  const queued = [admission.admit(live()), admission.admit(live())];
  expect(seen.depth).toEqual([2, 1]);
  const refused = await admission.admit(live());
  expect(refused).toEqual({ admitted: false, reason: 'overloaded', retryAfterSeconds: 2 });
  expect(seen.refused).toBe(1);
  first.release();
  granted(await queued[0]).release();
  granted(await queued[1]).release();
  expect(seen.depth).toEqual([0, 0]);
});

test('when the expected wait exceeds the queue timeout, then the login is refused instead of queued', async () => {
  const { events: ev } = events();
  const admission = new LoginAdmission({ concurrency: 1, queueLimit: 100, queueTimeoutMs: 1000 }, { events: ev, initialHashMs: 400 });
  const first = granted(await admission.admit(live()));
  const waiting = [admission.admit(live()), admission.admit(live())]; // 400 and 800 ms expected
  expect(admission.waiting).toBe(2);
  expect((await admission.admit(live())).admitted).toBe(false); // 1200 ms > 1000
  first.release();
  granted(await waiting[0]).release();
  granted(await waiting[1]).release();
});

test('when a queued login\'s client goes, then it leaves the queue without a slot and the next one gets it', async () => {
  const { seen, events: ev } = events();
  const admission = new LoginAdmission({ concurrency: 1, queueLimit: 5, queueTimeoutMs: 60_000 }, { events: ev, initialHashMs: 10 });
  const first = granted(await admission.admit(live()));
  const client = new AbortController();
  const gone = admission.admit(client.signal);
  const next = admission.admit(live());
  client.abort();
  expect(await gone).toMatchObject({ admitted: false, reason: 'client_gone' });
  expect(seen.abandoned).toEqual(['client_gone']);
  first.release();
  granted(await next);
  expect(seen.depth).toEqual([0, 1]);
});

test('when a login waits longer than the queue timeout, then it is dropped as queue_timeout before its hash', async () => {
  const { seen, events: ev } = events();
  const admission = new LoginAdmission({ concurrency: 1, queueLimit: 5, queueTimeoutMs: 30 }, { events: ev, initialHashMs: 1 });
  const first = granted(await admission.admit(live()));
  const late = await admission.admit(live());
  expect(late).toMatchObject({ admitted: false, reason: 'queue_timeout' });
  expect(seen.abandoned).toEqual(['queue_timeout']);
  first.release();
  expect(seen.depth).toEqual([0, 0]);
});

test('when the client has already gone, then the login is not admitted; a slot released twice frees one slot', async () => {
  const { events: ev } = events();
  const admission = new LoginAdmission({ concurrency: 1, queueLimit: 5, queueTimeoutMs: 60_000 }, { events: ev, initialHashMs: 1 });
  const gone = new AbortController();
  gone.abort();
  expect(await admission.admit(gone.signal)).toMatchObject({ admitted: false, reason: 'client_gone' });
  const a = granted(await admission.admit(live()));
  a.release();
  a.release();
  const b = granted(await admission.admit(live()));
  const c = admission.admit(live());
  expect(admission.waiting).toBe(1);
  b.release();
  granted(await c).release();
});

test('when no hash could start and the queue is full, then refuseNow refuses (and counts it) before any other work; with room it refuses nothing', async () => {
  const { seen, events: ev } = events();
  const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000 }, { events: ev, initialHashMs: 400 });
  expect(admission.refuseNow()).toBeUndefined();
  const first = granted(await admission.admit(live()));
  expect(admission.refuseNow()).toBeUndefined(); // one may still wait
  const queued = admission.admit(live());
  expect(admission.refuseNow()).toEqual({ admitted: false, reason: 'overloaded', retryAfterSeconds: 1 });
  expect(seen.refused).toBe(1);
  first.release();
  granted(await queued).release();
  expect(admission.refuseNow()).toBeUndefined();
  expect(seen.refused).toBe(1);
});

describe('overloaded, a backlog is hashed on spare CPU only', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** One slot, one place to wait: a hashing login and a waiting one, then a third is refused (overloaded). */
  async function overloaded(admission: LoginAdmission) {
    const hashing = granted(await admission.admit(live()));
    let started = false;
    const waiting = admission.admit(live()).then((a) => { started = true; return a; });
    expect(await admission.admit(live())).toMatchObject({ admitted: false, reason: 'overloaded' });
    return { hashing, waiting, started: () => started };
  }

  test('when a hash ends with logins waiting, then its slot rests as long as the hash took before the next one starts', async () => {
    const { seen, events: ev } = events();
    let clock = 0;
    const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000 }, { events: ev, initialHashMs: 100, now: () => clock });
    const { hashing, waiting } = await overloaded(admission);
    clock += 150; // the hash took 150 ms
    const released = performance.now();
    hashing.release();
    expect(seen.depth).toEqual([1, 0]); // resting: not hashing, not free
    granted(await waiting).release();
    expect(performance.now() - released).toBeGreaterThanOrEqual(140);
    admission.close();
  });

  test('when the event loop still waits too long after backlog hashes, then the rest doubles each time; when it does not, it halves', async () => {
    jest.useFakeTimers();
    try {
      const { events: ev } = events();
      let clock = 0;
      let share = 0.1;
      const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000, overloadCpuWait: 0.15 }, { events: ev, initialHashMs: 1, cpuWait: () => share, now: () => clock });
      let { hashing, waiting } = await overloaded(admission);
      /** End the running hash after 20 ms with a login waiting, the CPU wait then being `busy`: how long until that one starts. */
      const restAfterHash = async (busy: number): Promise<number> => {
        clock += 20;
        share = busy; // read as the rest begins…
        hashing.release();
        share = 0.1; // …and below the limit when it ends, so the next hash may start
        let started: Admission | undefined;
        void waiting.then((a) => { started = a; });
        let rested = 0;
        while (started === undefined && rested < 1000) {
          await jest.advanceTimersByTimeAsync(1);
          rested += 1;
        }
        hashing = granted(started!);
        waiting = admission.admit(live()); // the backlog goes on
        return rested;
      };
      expect(await restAfterHash(0.1)).toBe(20); // 1 × the hash
      expect(await restAfterHash(0.5)).toBe(40); // waited too long: 2 ×
      expect(await restAfterHash(0.5)).toBe(80); // 4 ×
      expect(await restAfterHash(0.05)).toBe(40); // recovered: back to 2 ×
      hashing.release();
      admission.close();
    } finally {
      jest.useRealTimers();
    }
  });

  test('when logins wait and the event loop waits for a CPU above the limit, then none starts until it falls', async () => {
    const { events: ev } = events();
    let share: number | undefined = 0.5;
    const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000, overloadCpuWait: 0.15 }, { events: ev, initialHashMs: 1, cpuWait: () => share });
    const { hashing, waiting, started } = await overloaded(admission);
    hashing.release();
    await sleep(100);
    expect(started()).toBe(false);
    expect(admission.waiting).toBe(1);
    share = 0.1;
    granted(await waiting).release();
    admission.close();
  });

  test('when a held-back login outwaits the queue timeout, then it is dropped as queue_timeout (503), never hashed', async () => {
    const { seen, events: ev } = events();
    const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 80, overloadCpuWait: 0.15 }, { events: ev, initialHashMs: 1, cpuWait: () => 0.9 });
    const { hashing, waiting } = await overloaded(admission);
    hashing.release();
    expect(await waiting).toMatchObject({ admitted: false, reason: 'queue_timeout' });
    expect(seen.abandoned).toEqual(['queue_timeout']);
    admission.close();
  });

  test('when nothing was refused lately (not overloaded), then a waiting login starts as soon as the slot is free, however busy the CPU', async () => {
    const { events: ev } = events();
    let clock = 0;
    const admission = new LoginAdmission({ concurrency: 1, queueLimit: 5, queueTimeoutMs: 60_000, overloadCpuWait: 0.15 }, { events: ev, initialHashMs: 1, cpuWait: () => 0.9, now: () => clock });
    const first = granted(await admission.admit(live()));
    const waiting = admission.admit(live());
    clock += 10_000; // a rest would last this long, and contention would hold it until the queue timeout
    const released = performance.now();
    first.release();
    granted(await waiting).release();
    expect(performance.now() - released).toBeLessThan(1000);
    admission.close();
  });

  test('when a login arrives once the overload is over, then a slot still resting from it is freed at once', async () => {
    const { events: ev } = events();
    let clock = 0;
    const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000 }, { events: ev, initialHashMs: 1, now: () => clock });
    const { hashing, waiting } = await overloaded(admission);
    clock += 10_000; // the hash took 10 s: its slot would rest 10 s
    hashing.release();
    clock += 5_000; // nothing refused for 5 s: no longer overloaded
    const released = performance.now();
    const lone = admission.admit(live());
    granted(await waiting).release();
    granted(await lone).release();
    expect(performance.now() - released).toBeLessThan(1000);
    admission.close();
  });

  test('when the CPU wait is not known (no Linux run-queue statistics), then a backlog is not held back', async () => {
    const { events: ev } = events();
    const admission = new LoginAdmission({ concurrency: 1, queueLimit: 1, queueTimeoutMs: 60_000, overloadCpuWait: 0 }, { events: ev, initialHashMs: 1, cpuWait: () => undefined });
    const { hashing, waiting } = await overloaded(admission);
    hashing.release();
    granted(await waiting).release();
    admission.close();
  });
});
