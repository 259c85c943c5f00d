import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError } from '../../common/errors';
import type { Logger } from '../../common/logger';

/** Map anything thrown in a request to a catalogue error; unknown errors become internal_error. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // body-parser marks its errors with a `type`.
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return new AppError('invalid_json', undefined, { cause: err });
  if (type === 'entity.too.large') return new AppError('payload_too_large', undefined, { cause: err });
  if (type === 'encoding.unsupported' || type === 'charset.unsupported' || type === 'request.aborted' || type === 'request.size.invalid') {
    return new AppError('bad_request', undefined, { cause: err });
  }
  // Other client errors raised by express or its parsers (they carry a 4xx status).
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('bad_request', undefined, { cause: err });
  return new AppError('internal_error', undefined, { cause: err });
}

/** The one error handler: `{error, message}` JSON with the catalogue status, never a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  const log = logger.child({ component: 'http' });
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.code === 'internal_error') {
      log.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), path: req.path }, 'unexpected error');
    }
    if (res.headersSent) {
      // Too late for a JSON error. A finished answer stays as it is; a half-written one is cut
      // so the client sees a failure rather than a truncated body.
      log.warn({ code: appError.code, path: req.path }, 'error after the response started');
      if (!res.writableEnded) res.destroy();
      return;
    }
    res.status(appError.status).set(appError.headers).json(appError.toBody());
  };
}

export const notFound: RequestHandler = (_req, _res, next) => next(new AppError('not_found'));
