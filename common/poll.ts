/**
 * Poll `check` every `stepMs` until it answers true (→ true), `timeoutMs` passes or `stop`
 * answers true (→ false). A check that throws counts as "not yet".
 */
export async function pollUntil(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs: number; stepMs?: number; stop?: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.stop?.()) return false;
    try {
      if (await check()) return true;
    } catch {
      // not yet
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, options.stepMs ?? 100));
  }
}

/** pollUntil that throws `what did not happen within N ms` on a timeout. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 50, what = 'condition'): Promise<void> {
  if (!(await pollUntil(check, { timeoutMs, stepMs }))) throw new Error(`${what} not met within ${timeoutMs} ms`);
}
