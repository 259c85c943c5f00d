import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { sendError } from '../../common/http-json';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
};

/**
 * The dashboard's own page policy: scripts, styles and requests only from this origin (no
 * inline script, so an injected string cannot run), no plugins, and no framing by any other
 * page (clickjacking the "kill" buttons). The favicon is an inline `data:` URL.
 */
export const DASHBOARD_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
});

/**
 * Static files of the dashboard from `dir`, at /_dashboard/ on every frontend (same origin as the
 * cluster, so switching strategy is switching port). Only known file types, no directory
 * listing, and no path may leave `dir` (".." or encoded tricks are refused, symlinks resolved).
 */
export class DashboardFiles {
  private readonly root: string;

  constructor(dir: string) {
    this.root = path.resolve(dir);
  }

  /** `rest` is the request path after "/_dashboard" (query removed). */
  async serve(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 'method_not_allowed', undefined, { Allow: 'GET, HEAD' });
    if (rest === '') {
      res.writeHead(301, { ...DASHBOARD_SECURITY_HEADERS, Location: '/_dashboard/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const file = await this.resolve(rest === '/' ? '/index.html' : rest);
    if (file === undefined) return sendError(res, 'not_found', 'No such dashboard file.');
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()];
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(file, 'r');
      const stat = await handle.stat();
      if (!stat.isFile()) return sendError(res, 'not_found', 'No such dashboard file.');
      res.writeHead(200, { ...DASHBOARD_SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': stat.size, 'Cache-Control': 'no-cache' });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      res.end(await handle.readFile());
    } catch {
      if (!res.headersSent) sendError(res, 'not_found', 'No such dashboard file.');
      else res.destroy();
    } finally {
      await handle?.close();
    }
  }

  /** The real path of a servable file inside the root, or undefined. */
  private async resolve(urlPath: string): Promise<string | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
    const segments = decoded.split('/');
    if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return undefined;
    if (!(path.extname(decoded).toLowerCase() in CONTENT_TYPES)) return undefined;
    const candidate = path.resolve(this.root, '.' + decoded);
    try {
      const real = await fs.promises.realpath(candidate);
      const realRoot = await fs.promises.realpath(this.root);
      return real.startsWith(realRoot + path.sep) ? real : undefined;
    } catch {
      return undefined;
    }
  }
}
