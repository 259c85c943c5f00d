import net from 'node:net';
import { silentLogger } from '../../../common/logger';
import { loadLatencyConfig } from '../../../latency/config';
import { start, type RunningInjector } from '../../../latency/server';
import { timeRoundTrips } from '../../../latency/probe';
import { sharedRedisBaseUrl } from '../../support/global-redis';
import { waitFor } from '../../../common/poll';
import { freePort } from '../../../common/ports';

const TOKEN = 'test-admin-token';

/** A TCP server whose behaviour each test decides; it keeps every socket it accepted. */
async function tcpServer(onSocket: (socket: net.Socket) => void): Promise<{ port: number; sockets: net.Socket[]; close(): Promise<void> }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function injector(targetPort: number, extra: Record<string, string> = {}): Promise<RunningInjector> {
  const config = loadLatencyConfig({
    LATENCY_LINKS: `t=0>127.0.0.1:${targetPort}`, LATENCY_CONTROL_PORT: '0', ADMIN_TOKEN: TOKEN, ...extra,
  });
  return start(config, { logger: silentLogger() });
}

const linkPort = (running: RunningInjector): number => Number(new URL(running.urls.links.t).port);

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

async function control(running: RunningInjector, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${running.urls.control}${path}`, {
    ...init, headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('latency injector', () => {
  // The run's shared redis-server: a PING touches no data.
  const redis = { port: Number(new URL(sharedRedisBaseUrl()).port) };

  it('when a round-trip delay is set at run time, then Redis PINGs through the link take that much longer, and at 0 ms about as long as direct', async () => {
    const running = await injector(redis.port);
    try {
      const zero = await control(running, '/links/t/rtt?protocol=redis&samples=20');
      expect(zero.status).toBe(200);
      const atZero = zero.body as { direct: { p50Ms: number }; through: { p50Ms: number } };
      expect(atZero.through.p50Ms).toBeLessThan(atZero.direct.p50Ms + 1);

      const changed = await control(running, '/links/t', { method: 'PUT', body: JSON.stringify({ upMs: 3, downMs: 2 }) });
      expect(changed.body).toMatchObject({ upMs: 3, downMs: 2, jitterMs: 0 });
      const delayed = await timeRoundTrips({ host: '127.0.0.1', port: linkPort(running), protocol: 'redis', samples: 10 });
      expect(delayed.minMs).toBeGreaterThanOrEqual(5);
      expect(delayed.p50Ms).toBeLessThan(30);
    } finally {
      await running.close();
    }
  });

  it('when chunks are delayed with jitter larger than their spacing, then the bytes still arrive in order', async () => {
    const received: Buffer[] = [];
    const target = await tcpServer((socket) => socket.on('data', (chunk: Buffer) => received.push(chunk)));
    const running = await injector(target.port, { LATENCY_UP_MS: '1', LATENCY_JITTER_MS: '8' });
    try {
      const client = await connect(linkPort(running));
      const sent: string[] = [];
      for (let i = 0; i < 200; i++) {
        const piece = `<${i}>`;
        sent.push(piece);
        client.write(piece);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
      }
      const expected = sent.join('');
      await waitFor(() => Buffer.concat(received).length >= expected.length, 5000);
      expect(Buffer.concat(received).toString()).toBe(expected);
      client.destroy();
    } finally {
      await running.close();
      await target.close();
    }
  });

  it('when the client half-closes, then the target sees the end after the data and can still answer before closing', async () => {
    const target = await tcpServer((socket) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      socket.on('end', () => socket.end(`got ${text}`));
    });
    const running = await injector(target.port, { LATENCY_UP_MS: '2', LATENCY_DOWN_MS: '2' });
    try {
      const client = await connect(linkPort(running));
      let answer = '';
      client.on('data', (chunk: Buffer) => { answer += chunk.toString(); });
      const ended = new Promise<void>((resolve) => client.once('end', resolve));
      client.end('hello');
      await ended;
      expect(answer).toBe('got hello');
      await waitFor(() => running.links()[0].connections === 0, 2000);
    } finally {
      await running.close();
      await target.close();
    }
  });

  it('when the target resets the connection, then the client is reset too; when nothing listens there, the client is reset at once', async () => {
    const target = await tcpServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const running = await injector(target.port, { LATENCY_UP_MS: '1' });
    try {
      const client = await connect(linkPort(running));
      const failed = new Promise<string>((resolve) => {
        client.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        client.once('close', () => resolve('closed'));
      });
      client.write('x');
      expect(await failed).toBe('ECONNRESET');
    } finally {
      await running.close();
      await target.close();
    }
    const nowhere = await injector(await freePort());
    try {
      const client = await connect(linkPort(nowhere));
      const outcome = await new Promise<string>((resolve) => {
        client.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
        client.once('close', () => resolve('closed'));
      });
      expect(outcome).toBe('ECONNRESET');
    } finally {
      await nowhere.close();
    }
  });

  it('when the target does not read, then the link holds a bounded number of bytes and the sender is pushed back', async () => {
    const target = await tcpServer((socket) => socket.pause());
    const running = await injector(target.port, { LATENCY_MAX_QUEUED_BYTES: String(64 * 1024) });
    try {
      const client = await connect(linkPort(running));
      const block = Buffer.alloc(64 * 1024, 1);
      // ~64 MB, far more than the kernel's socket buffers on both sides of the link can absorb
      // (the same block each time, so the test itself holds one block).
      const blocks = 1000;
      for (let i = 0; i < blocks; i++) client.write(block);
      await new Promise((r) => setTimeout(r, 300));
      const state = running.links()[0];
      expect(state.heldBytes).toBeLessThanOrEqual(64 * 1024 + block.length);
      // Pushed back: most of what was written still waits in the sender's own buffer.
      expect(client.writableLength).toBeGreaterThan((blocks * block.length) / 2);
      client.destroy();
    } finally {
      await running.close();
      await target.close();
    }
  });

  it('when the control API gets no token, a bad delay or an unknown link, then it refuses with the error shape and keeps the delay', async () => {
    const running = await injector(redis.port, { LATENCY_UP_MS: '1' });
    try {
      const anonymous = await fetch(`${running.urls.control}/links`);
      expect(anonymous.status).toBe(401);
      const bad = await control(running, '/links/t', { method: 'PUT', body: JSON.stringify({ upMs: -1, downMs: 'x', extra: 1 }) });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe('invalid_body');
      expect(String(bad.body.message)).toMatch(/upMs/);
      const unknown = await control(running, '/links/nope', { method: 'PUT', body: '{}' });
      expect(unknown.status).toBe(404);
      expect((await control(running, '/links')).body.links).toEqual([expect.objectContaining({ name: 't', upMs: 1, downMs: 0 })]);
    } finally {
      await running.close();
    }
  });
});

describe('latency injector configuration', () => {
  it('when the links and delays are malformed, then every problem is listed', () => {
    let message = '';
    try {
      loadLatencyConfig({ LATENCY_LINKS: 'a=1>h:2,a=1>h:3,bad', LATENCY_UP_MS: '-3', APP_ENV: 'production' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const problem of ['link "a" is listed twice', '"bad" is not name=listenPort>host:port', 'LATENCY_UP_MS', 'ADMIN_TOKEN: is required in production']) {
      expect(message).toContain(problem);
    }
  });
});
