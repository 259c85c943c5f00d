import v8 from 'node:v8';

/** The heap right after the last collection forced by SIGUSR2: what is live, nothing else. */
export interface ForcedCollection {
  /** Collections forced so far (0: none yet, or the process runs without --expose-gc). */
  count: number;
  /**
   * Heap used right after the last one, less code and bytecode with their metadata: V8 keeps
   * compiling and deoptimising for thousands of requests (measured here: ~1.2 KB of deopt data and
   * relocation info per login after 200 logins), which is not user state.
   */
  liveBytes: number;
}

/**
 * On SIGUSR2 the replica collects garbage when it runs with `node --expose-gc` (the compose
 * services and the bench's own cluster do), so the bench's memory scenario weighs live sessions
 * rather than the garbage its logins left. The heap is read in the same tick, before any request
 * allocates again, and served as a metric: a reading taken later by scraping /metrics would
 * count the scrape's own garbage. Nothing on the request path. Installed even without
 * --expose-gc, because SIGUSR2's default action would end the process.
 */
export function collectGarbageOnSignal(): () => ForcedCollection {
  const collect = (globalThis as { gc?: () => void }).gc;
  const last: ForcedCollection = { count: 0, liveBytes: 0 };
  process.on('SIGUSR2', () => {
    if (typeof collect !== 'function') return;
    collect();
    const code = v8.getHeapCodeStatistics();
    last.liveBytes = v8.getHeapStatistics().used_heap_size - code.code_and_metadata_size - code.bytecode_and_metadata_size;
    last.count++;
  });
  return () => ({ ...last });
}
