import type { ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from './errors';

/** Send a JSON body; when the response already started, the only honest signal left is closing the connection. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The one error shape (docs/errors.md): {"error": code, "message": text}, status from the catalogue. */
export function sendError(res: ServerResponse, code: ErrorCode, message?: string, headers?: Record<string, string>): void {
  sendJson(res, ERRORS[code].status, { error: code, message: message ?? ERRORS[code].message }, headers);
}
