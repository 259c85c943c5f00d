import crypto from 'node:crypto';
import fs from 'node:fs';
import { poolScrypt } from '../../../services/app/passwords';
import { ScryptWorkers } from '../../../services/app/scrypt-workers';

const options = { N: 2 ** 10, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

test('when a key is derived on the niced workers, then it equals crypto.scrypt\'s, and more jobs than workers all finish', async () => {
  const workers = new ScryptWorkers({ size: 1, scheduling: 'idle', nice: 10 });
  try {
    const salt = crypto.randomBytes(16);
    const keys = await Promise.all(['a', 'b', 'a'].map((pw) => workers.derive(pw, salt, 32, options)));
    expect(keys[0].equals(await poolScrypt('a', salt, 32, options))).toBe(true);
    expect(keys[2].equals(keys[0])).toBe(true);
    expect(keys[1].equals(keys[0])).toBe(false);
  } finally {
    await workers.close();
  }
});

test('when scrypt refuses its parameters, then that derive fails and the worker serves the next', async () => {
  const workers = new ScryptWorkers({ size: 1, scheduling: 'idle', nice: 10 });
  try {
    await expect(workers.derive('a', Buffer.alloc(16), 32, { ...options, maxmem: 1024 })).rejects.toThrow(/memory/i);
    expect((await workers.derive('a', Buffer.alloc(16), 32, options)).length).toBe(32);
  } finally {
    await workers.close();
  }
  await expect(workers.derive('a', Buffer.alloc(16), 32, options)).rejects.toThrow('closed');
});

/** Scheduling policy and nice of each thread of this process (Linux: /proc/self/task/<tid>/stat). */
function threads(): { policy: number; nice: number }[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const fields = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
      return [{ nice: Number(fields[16]), policy: Number(fields[38]) }];
    } catch {
      return [];
    }
  });
}
const SCHED_IDLE = 5;
const linux = process.platform === 'linux' ? test : test.skip;

linux('when the workers ask for idle scheduling, then each hashing thread runs under SCHED_IDLE, and nobody is told of a fallback', async () => {
  const before = threads().filter((t) => t.policy === SCHED_IDLE).length;
  const told: string[] = [];
  const workers = new ScryptWorkers({ size: 2, scheduling: 'idle', nice: 10, onPriority: (got) => told.push(got) });
  try {
    // A derive on each worker: both have started and set their policy.
    await Promise.all([workers.derive('a', Buffer.alloc(16), 32, options), workers.derive('b', Buffer.alloc(16), 32, options)]);
    expect(threads().filter((t) => t.policy === SCHED_IDLE).length - before).toBe(2);
    expect(told).toEqual([]);
  } finally {
    await workers.close();
  }
});

linux('when the workers ask for nice scheduling, then each hashing thread runs at that nice under the normal policy', async () => {
  const told: string[] = [];
  const workers = new ScryptWorkers({ size: 2, scheduling: 'nice', nice: 13, onPriority: (got) => told.push(got) });
  try {
    await Promise.all([workers.derive('a', Buffer.alloc(16), 32, options), workers.derive('b', Buffer.alloc(16), 32, options)]);
    expect(threads().filter((t) => t.nice === 13 && t.policy !== SCHED_IDLE).length).toBe(2);
    expect(told).toEqual([]);
  } finally {
    await workers.close();
  }
});
