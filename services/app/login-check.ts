import { performance } from 'node:perf_hooks';
import { AppError } from '../../common/errors';
import type { LoginAdmission } from './login-admission';
import type { LoginAttempt, LoginThrottle } from './login-throttle';
import type { UserDirectory } from './passwords';
import type { ScryptDerive } from './scrypt-workers';

/** How a login check ended; `gone` means its client left before the hash (nobody to answer). */
export type LoginCheckResult =
  | { outcome: 'ok'; user: string }
  | { outcome: 'invalid' | 'throttled' | 'overloaded' | 'abandoned'; error: AppError }
  | { outcome: 'gone' };

export interface LoginCheckDeps {
  users: UserDirectory;
  throttle: LoginThrottle;
  admission: LoginAdmission;
  derive: ScryptDerive;
}

/**
 * One login's password check, in the order that keeps both limits honest: refuse at once when no
 * hash could start (queue full) → reserve a throttle slot (atomic check-and-count) → wait for a
 * hashing slot (bounded) → hash → settle the slot
 * (a failure keeps it, a success clears the pair, anything refused before the hash gives it back).
 */
export async function checkLogin(deps: LoginCheckDeps, attempt: LoginAttempt, password: string, clientGone: AbortSignal): Promise<LoginCheckResult> {
  // Refused before the throttle when no hash could start: a login never hashed is no guess to count.
  const early = deps.admission.refuseNow();
  if (early) return overloaded(early.retryAfterSeconds);
  const reservation = await deps.throttle.reserve(attempt);
  if (!reservation.allowed) {
    return { outcome: 'throttled', error: new AppError('too_many_attempts', undefined, { headers: { 'Retry-After': String(reservation.retryAfterSeconds) } }) };
  }
  const admission = await deps.admission.admit(clientGone);
  if (!admission.admitted) {
    await reservation.settle('released');
    if (admission.reason === 'client_gone') return { outcome: 'gone' };
    return admission.reason === 'overloaded' ? overloaded(admission.retryAfterSeconds) : { outcome: 'abandoned', error: overloadedError(admission.retryAfterSeconds) };
  }
  let user: string | undefined;
  const started = performance.now();
  try {
    user = await deps.users.authenticate(attempt.account, password, deps.derive);
  } catch (err) {
    // The password was never judged (a worker died): not a failure of the person logging in.
    await reservation.settle('released');
    throw err;
  } finally {
    deps.admission.observeHash(performance.now() - started);
    admission.release();
  }
  await reservation.settle(user ? 'success' : 'failure');
  return user ? { outcome: 'ok', user } : { outcome: 'invalid', error: new AppError('invalid_credentials') };
}

function overloadedError(retryAfterSeconds: number): AppError {
  return new AppError('login_overloaded', undefined, { headers: { 'Retry-After': String(retryAfterSeconds) } });
}

function overloaded(retryAfterSeconds: number): LoginCheckResult {
  return { outcome: 'overloaded', error: overloadedError(retryAfterSeconds) };
}
