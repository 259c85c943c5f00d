import dns from 'node:dns';
import http from 'node:http';

/** All IPv4 addresses of a name, asked of the system's resolver (in a container: Docker's embedded DNS). */
export function resolveAll(name: string): Promise<string[]> {
  return dns.promises.resolve4(name);
}

/**
 * Who answers at `url`: its /health `instance` when it answers 200 within the timeout (that is
 * also the admission check of a new task), else undefined. A fresh connection, body capped.
 */
export function identifyByHealth(timeoutMs: number): (url: string) => Promise<string | undefined> {
  return (url) =>
    new Promise((resolve) => {
      const req = http.get(`${url}/health`, { agent: false, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > 4096) req.destroy();
        });
        res.once('end', () => {
          if (res.statusCode !== 200) return resolve(undefined);
          try {
            const instance = (JSON.parse(body) as { instance?: unknown }).instance;
            resolve(typeof instance === 'string' && instance.length > 0 ? instance : undefined);
          } catch {
            resolve(undefined);
          }
        });
        res.once('error', () => resolve(undefined));
      });
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve(undefined));
      req.once('close', () => resolve(undefined));
    });
}
