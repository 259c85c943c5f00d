/**
 * Preloaded into the bench's own local replicas (NODE_OPTIONS="--expose-gc --require …"): on
 * SIGUSR2 the replica collects garbage, so the memory scenario weighs live sessions rather than
 * the garbage its logins left. It adds nothing to the request path.
 */
const collect = (globalThis as { gc?: () => void }).gc;
if (typeof collect === 'function') process.on('SIGUSR2', () => collect());
