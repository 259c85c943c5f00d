import autocannon from 'autocannon';
import type { RunContext } from '../context';
import type { StartCluster } from '../local-target';
import type { PublishedPortResult, PublishedPortRun } from '../results';

/**
 * Docker's own cost, measured so nobody reads it as an auth mode's: the same /health request
 * through the compose stack's published port (docker's userland proxy, the bridge network, the
 * proxy container) and through a local cluster of the same code started by the bench, alternated
 * in rounds so drift on shared cores falls on both. Run with --compose, after the throughput cells.
 */
export interface PublishedPortOptions {
  startCluster: StartCluster;
  portBase: number;
  hashCost: number;
  seconds: number;
  rounds: number;
  connections: number;
}

async function health(url: string, seconds: number, connections: number, signal: AbortSignal): Promise<PublishedPortRun> {
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: `${url}/health`, connections, duration: seconds, timeout: 10 }, (err, r) => (err ? reject(err) : resolve(r)));
    signal.addEventListener('abort', () => instance.stop(), { once: true });
  });
  return {
    requestsPerSec: result.requests.total / Math.max(0.001, result.duration),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

export async function runPublishedPort(context: RunContext, options: PublishedPortOptions): Promise<PublishedPortResult> {
  const compose = context.target.frontends.find((f) => f.strategy === 'round-robin') ?? context.target.frontends[0];
  context.log(`published-port: starting a local cluster on ports ${options.portBase}-${options.portBase + 20} to compare /health with ${compose.url}`);
  const local = await options.startCluster({
    portBase: options.portBase, redis: 'spawn', redisAppendonly: true, logs: 'silent',
    env: { PASSWORD_HASH_COST: String(options.hashCost), LOG_LEVEL: 'warn' },
  });
  const localUrl = (local.frontends.find((f) => f.strategy === 'round-robin') ?? local.frontends[0]).url;
  const runs: { compose: PublishedPortRun[]; local: PublishedPortRun[] } = { compose: [], local: [] };
  try {
    for (let round = 0; round < options.rounds && !context.signal.aborted; round++) {
      // Alternate which goes first, so neither always meets a warmer or busier machine.
      const order = round % 2 === 0 ? (['compose', 'local'] as const) : (['local', 'compose'] as const);
      for (const which of order) {
        runs[which].push(await health(which === 'compose' ? compose.url : localUrl, options.seconds, options.connections, context.signal));
      }
    }
  } finally {
    await local.close();
  }
  const mean = (list: PublishedPortRun[], pick: (r: PublishedPortRun) => number): number => list.reduce((n, r) => n + pick(r), 0) / Math.max(1, list.length);
  const summary = (list: PublishedPortRun[]): PublishedPortRun => ({
    requestsPerSec: mean(list, (r) => r.requestsPerSec), latencyP50Ms: mean(list, (r) => r.latencyP50Ms),
    latencyP99Ms: mean(list, (r) => r.latencyP99Ms), errors: list.reduce((n, r) => n + r.errors, 0),
  });
  const c = summary(runs.compose);
  const l = summary(runs.local);
  context.log(`published-port: /health ${c.requestsPerSec.toFixed(0)} req/s through docker, ${l.requestsPerSec.toFixed(0)} req/s local (ratio ${(c.requestsPerSec / Math.max(1, l.requestsPerSec)).toFixed(2)})`);
  return {
    composeUrl: compose.url, localUrl, seconds: options.seconds, rounds: runs.compose.length, connections: options.connections,
    compose: c, local: l, runs, ratio: l.requestsPerSec > 0 ? c.requestsPerSec / l.requestsPerSec : null,
  };
}
