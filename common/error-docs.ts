import { ERRORS } from './errors';

/** Markdown table cells: a pipe would end the cell, `<` would start an HTML tag. */
function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
}

/**
 * docs/errors.md as a pure function of the error catalogue (like docker-compose.yml of the
 * topology): `npm run docs:errors` writes it, a unit test fails when the committed file differs.
 */
export function renderErrorDocs(catalogue: Readonly<Record<string, { status: number; message: string }>> = ERRORS): string {
  const rows = Object.entries(catalogue).map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${cell(message)} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from common/errors.ts by `npm run docs:errors`; do not edit by hand. -->',
    '',
    'Every error any service answers (app replica, proxy) has one JSON shape, never a stack trace:',
    '',
    '```json',
    '{"error": "<code>", "message": "<human text>"}',
    '```',
    '',
    'A client may switch on `error`; `message` is for people and may be more specific than the',
    'default below. The codes come from one catalogue, `common/errors.ts`, in this order:',
    '',
    '| code | HTTP status | default message |',
    '|---|---|---|',
    ...rows,
    '',
    'Which route answers which code, and when: [app.md](app.md#routes) (replica routes and failure',
    'behaviour), [jwt.md](jwt.md#routes) (token routes), [proxy.md](proxy.md#health-failover-and-retries)',
    '(502, 503, 504 from the proxy) and [security.md](security.md) (403 `csrf_rejected`, 429',
    '`too_many_attempts`).',
    '',
  ].join('\n');
}
