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
 * One login's password check, in the order that keeps both limits honest: reserve a throttle
 * slot (atomic check-and-count) → wait for a hashing slot (bounded) → hash → settle the slot
 * (a failure keeps it, a success clears the pair, anything refused before the hash gives it back).
 */
export async function checkLogin(deps: LoginCheckDeps, attempt: LoginAttempt, password: string, clientGone: AbortSignal): Promise<LoginCheckResult> {
  const reservation = await deps.throttle.reserve(attempt);
  if (!reservation.allowed) {
    return { outcome: 'throttled', error: new AppError('too_many_attempts', undefined, { headers: { 'Retry-After': String(reservation.retryAfterSeconds) } }) };
  }
  const admission = await deps.admission.admit(clientGone);
  if (!admission.admitted) {
    await reservation.settle('released');
    if (admission.reason === 'client_gone') return { outcome: 'gone' };
    const error = new AppError('login_overloaded', undefined, { headers: { 'Retry-After': String(admission.retryAfterSeconds) } });
    return { outcome: admission.reason === 'overloaded' ? 'overloaded' : 'abandoned', error };
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
