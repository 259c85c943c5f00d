import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CpuWaitSampler, threadCpuWaitReader } from '../../../services/app/cpu-wait';

/** Real scheduler statistics: the event loop's own run-queue wait, read from /proc on Linux. */
describe('reading the event loop\'s CPU wait from the kernel', () => {
  const linux = process.platform === 'linux';

  it('when the file does not exist, then there is no reader (the admission then never holds a backlog back)', () => {
    expect(threadCpuWaitReader('/nonexistent/schedstat')).toBeUndefined();
  });

  (linux ? it : it.skip)('when busy threads outnumber the CPUs while the event loop works, then the sampler sees it wait', async () => {
    const read = threadCpuWaitReader();
    expect(read).toBeDefined();
    const sampler = new CpuWaitSampler({ read: read!, windowMs: 300, intervalMs: 20 }).start();
    const hogs = Array.from({ length: os.availableParallelism() + 1 }, () => new Worker('const end = Date.now() + 1500; while (Date.now() < end);', { eval: true }));
    try {
      // The event loop works in 5 ms slices (so the sampler's timer runs between them) for 700 ms.
      const end = Date.now() + 700;
      while (Date.now() < end) {
        const slice = Date.now() + 5;
        while (Date.now() < slice);
        await new Promise((r) => setImmediate(r));
      }
      expect(sampler.share()).toBeGreaterThan(0.1);
    } finally {
      sampler.stop();
      await Promise.all(hogs.map((w) => w.terminate()));
    }
  });
});
