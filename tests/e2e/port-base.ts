import net from 'node:net';
import { portsToCheck } from '../../cluster/topology';

/**
 * A port base whose every cluster port (frontends, control, apps, redis) is free right now on
 * 127.0.0.1, so the test never clashes with a running `npm start` or another engineer's test.
 */
export async function freePortBase(attempts = 20): Promise<number> {
  for (let i = 0; i < attempts; i += 1) {
    const base = 20_000 + 100 * Math.floor(Math.random() * 400);
    const checks = await Promise.all(portsToCheck(base).map(({ port }) => isFree(port)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error(`no free port base found in ${attempts} attempts`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
