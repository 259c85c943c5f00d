/**
 * Preloaded into the bench's own local replicas (NODE_OPTIONS="--expose-gc --require …"): on
 * SIGUSR2 the replica collects garbage, so the memory scenario weighs live sessions rather than
 * the garbage its logins left. It adds nothing to the request path. The handler is installed
 * even without --expose-gc, because SIGUSR2's default action would end the process.
 */
const collect = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  if (typeof collect === 'function') collect();
});
