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
