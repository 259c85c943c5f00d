import crypto from 'node:crypto';
import { poolScrypt } from '../../../services/app/passwords';
import { ScryptWorkers } from '../../../services/app/scrypt-workers';

const options = { N: 2 ** 10, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

test('when a key is derived on the niced workers, then it equals crypto.scrypt\'s, and more jobs than workers all finish', async () => {
  const workers = new ScryptWorkers({ size: 1, nice: 10 });
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
  const workers = new ScryptWorkers({ size: 1, nice: 10 });
  try {
    await expect(workers.derive('a', Buffer.alloc(16), 32, { ...options, maxmem: 1024 })).rejects.toThrow(/memory/i);
    expect((await workers.derive('a', Buffer.alloc(16), 32, options)).length).toBe(32);
  } finally {
    await workers.close();
  }
  await expect(workers.derive('a', Buffer.alloc(16), 32, options)).rejects.toThrow('closed');
});
