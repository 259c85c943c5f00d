/**
 * One catalogue of coded errors for every service (app and proxy). Each entry has a stable
 * code (what a client may switch on), an HTTP status and a human message. Responses always
 * have the shape {"error": code, "message": text}: never a stack trace.
 */
export const ERRORS = {
  bad_request: { status: 400, message: 'The request is malformed.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_body: { status: 400, message: 'The request body does not have the expected fields.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'The request body must be application/json.' },
  invalid_credentials: { status: 401, message: 'Unknown user or wrong password.' },
  unauthenticated: { status: 401, message: 'Not logged in, or the credentials are invalid, expired or revoked.' },
  admin_token_required: { status: 401, message: 'This action needs Authorization: Bearer <ADMIN_TOKEN>.' },
  csrf_rejected: { status: 403, message: 'Cross-site request refused.' },
  https_required: { status: 403, message: 'Session cookies are Secure here: log in over HTTPS.' },
  not_found: { status: 404, message: 'No such route.' },
  method_not_allowed: { status: 405, message: 'Method not allowed on this route.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  refresh_token_reused: { status: 409, message: 'This refresh token was just used; retry with the new one.' },
  too_many_attempts: { status: 429, message: 'Too many failed login attempts; retry later.' },
  internal_error: { status: 500, message: 'Internal error.' },
  bad_gateway: { status: 502, message: 'The upstream replica failed to answer.' },
  no_healthy_upstream: { status: 503, message: 'No healthy replica can serve this request.' },
  session_store_unavailable: { status: 503, message: 'The session store (Redis) is unavailable.' },
  login_overloaded: { status: 503, message: 'Too many logins are being checked right now; retry after the Retry-After seconds.' },
  store_unavailable: { status: 503, message: 'A shared store (Redis) needed for this request is unavailable.' },
  gateway_timeout: { status: 504, message: 'The upstream replica did not answer in time.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

/** An error that carries a catalogue code; the one error handler turns it into JSON. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; headers?: Record<string, string> }) {
    super(message ?? ERRORS[code].message, { cause: options?.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = Object.freeze({ ...(options?.headers ?? {}) });
  }

  toBody(): ErrorBody {
    return { error: this.code, message: this.message };
  }
}

export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: code, message: message ?? ERRORS[code].message };
}
