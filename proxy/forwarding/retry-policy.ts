import { IDEMPOTENT_METHODS } from '../../common/balancing';

/** How an attempt to reach an upstream failed, which decides whether it may be retried. */
export type FailureKind = 'refused' | 'reset' | 'timeout';

// Errors raised while connecting: nothing of the request reached the replica.
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

// undici's timeouts per attempt: connecting, waiting for the response head, between body chunks.
export const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';
const TIMEOUT_ERRORS = new Set([CONNECT_TIMEOUT, 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function classifyFailure(err: NodeJS.ErrnoException): FailureKind {
  if (err.code !== undefined && TIMEOUT_ERRORS.has(err.code)) return 'timeout';
  if (err.code !== undefined && CONNECT_ERRORS.has(err.code)) return 'refused';
  return 'reset';
}

const IDEMPOTENT: ReadonlySet<string> = new Set(IDEMPOTENT_METHODS);

export function isIdempotent(method: string | undefined): boolean {
  return method !== undefined && IDEMPOTENT.has(method);
}

/**
 * The retry rules of docs/design.md: a refused connection is retried elsewhere for any method (nothing was
 * sent); a reset or a timeout after sending is retried once, and only for idempotent methods
 * (a POST may already have taken effect).
 */
export function mayRetry(kind: FailureKind, method: string | undefined, alreadyRetriedAfterSend: boolean): boolean {
  if (kind === 'refused') return true;
  return isIdempotent(method) && !alreadyRetriedAfterSend;
}
