import type { IncomingMessage } from 'node:http';

export type JsonResult = { ok: true; value: unknown } | { ok: false; code: 'invalid_json' | 'payload_too_large' | 'unsupported_media_type' };

/** Read a small JSON body for the admin API (bounded; admin bodies are a few bytes). */
export async function readJson(req: IncomingMessage, maxBytes = 16 * 1024): Promise<JsonResult> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type)) return { ok: false, code: 'unsupported_media_type' };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return { ok: false, code: 'payload_too_large' };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, code: 'invalid_json' };
  }
}
