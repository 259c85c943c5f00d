/**
 * On SIGUSR2 the replica collects garbage when it runs with `node --expose-gc` (the compose
 * services and the bench's own cluster do), so the bench's memory scenario weighs live sessions
 * rather than the garbage its logins left. Nothing on the request path. Installed even without
 * --expose-gc, because SIGUSR2's default action would end the process.
 */
export function collectGarbageOnSignal(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  process.on('SIGUSR2', () => {
    if (typeof collect === 'function') collect();
  });
}
