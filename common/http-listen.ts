import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listen on host:port (port 0: the OS picks) and answer the URL a local client uses to reach it
 * (a wildcard host is reached through 127.0.0.1). A bind error (EADDRINUSE) rejects.
 */
export async function listen(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const reachable = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${address.port}`;
}

/**
 * Graceful close: stop accepting, let idle keep-alive clients go at once and busy ones as soon
 * as their answer is sent, and after `graceMs` cut whatever is still open. Answers whether
 * anything had to be cut.
 */
export async function closeGracefully(server: http.Server, graceMs: number): Promise<'drained' | 'forced'> {
  let forced = false;
  const grace = setTimeout(() => {
    forced = true;
    server.closeAllConnections();
  }, graceMs);
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearTimeout(grace);
  clearInterval(sweep);
  return forced ? 'forced' : 'drained';
}
