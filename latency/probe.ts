import net from 'node:net';

/**
 * Round trips timed over one TCP connection: write a request the target answers, wait for the
 * answer's end, repeat. Through a link this measures what the injector really adds (timers are
 * coarse: a 1 ms setting adds a little more); straight to the target it is the baseline, so the
 * two side by side are the injector's own overhead.
 */
export type ProbeProtocol = 'redis' | 'http';

const REQUESTS: Readonly<Record<ProbeProtocol, string>> = {
  // Answered with +PONG, or -NOAUTH when Redis has a password: one round trip either way.
  redis: 'PING\r\n',
  http: 'GET /health HTTP/1.1\r\nHost: latency-probe\r\nConnection: keep-alive\r\n\r\n',
};

export interface RoundTrips {
  samples: number;
  p50Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

/** Whether `text` holds one complete answer to the probe. */
export function answerComplete(protocol: ProbeProtocol, text: string): boolean {
  if (protocol === 'redis') return text.endsWith('\r\n');
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, headerEnd));
  return text.length - (headerEnd + 4) >= (length ? Number(length[1]) : 0);
}

export function summarise(durations: readonly number[]): RoundTrips {
  const sorted = [...durations].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50Ms: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : 0,
    meanMs: mean,
    minMs: sorted[0] ?? 0,
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

export interface Prober {
  roundTrip(): Promise<number>;
  close(): void;
}

/** One connection to time round trips over, one request at a time. */
export async function openProber(options: { host: string; port: number; protocol: ProbeProtocol; timeoutMs?: number }): Promise<Prober> {
  const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
  socket.setTimeout(options.timeoutMs ?? 5000, () => socket.destroy(new Error('probe timed out')));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { roundTrip: () => oneRoundTrip(socket, options.protocol), close: () => socket.destroy() };
}

export async function timeRoundTrips(options: { host: string; port: number; protocol: ProbeProtocol; samples: number; timeoutMs?: number }): Promise<RoundTrips> {
  return (await timePaired([options], options.samples))[0];
}

/**
 * Round trips to several endpoints, taken in turn (a, b, a, b, …) so drifting background load on
 * a shared machine falls on each alike: through the link and direct, compared side by side.
 */
export async function timePaired(endpoints: readonly { host: string; port: number; protocol: ProbeProtocol; timeoutMs?: number }[], samples: number): Promise<RoundTrips[]> {
  const probers: Prober[] = [];
  try {
    for (const endpoint of endpoints) probers.push(await openProber(endpoint));
    const durations = probers.map((): number[] => []);
    for (let i = 0; i < samples; i++) {
      for (let k = 0; k < probers.length; k++) durations[k].push(await probers[k].roundTrip());
    }
    return durations.map(summarise);
  } finally {
    probers.forEach((p) => p.close());
  }
}

function oneRoundTrip(socket: net.Socket, protocol: ProbeProtocol): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const started = performance.now();
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (!answerComplete(protocol, text)) return;
      done();
      resolve(performance.now() - started);
    };
    const onFail = (error: Error): void => {
      done();
      reject(error);
    };
    const onClose = (): void => onFail(new Error('the connection closed before the answer'));
    const done = (): void => {
      socket.off('data', onData);
      socket.off('error', onFail);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.once('error', onFail);
    socket.once('close', onClose);
    socket.write(REQUESTS[protocol]);
  });
}
