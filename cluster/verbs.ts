import os from 'node:os';
import { AppError } from '../common/errors';

/** The verbs of `docker compose` the launcher applies to a service, and signal names as users type them. */
export { CLUSTER_VERBS as VERBS, type ClusterVerb as Verb } from '../common/vocabulary';

/** Signals after which the launcher waits for the process to exit. */
export const TERMINATING = new Set(['SIGKILL', 'SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGABRT']);

export function normaliseSignal(signal: string): NodeJS.Signals {
  const upper = signal.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (/^\d+$/.test(signal)) {
    const byNumber = Object.entries(os.constants.signals).find(([, n]) => n === Number(signal));
    if (byNumber) return byNumber[0] as NodeJS.Signals;
  }
  if (!(name in os.constants.signals)) throw new AppError('bad_request', `Unknown signal "${signal}".`);
  return name as NodeJS.Signals;
}
