import net from 'node:net';

/** Health probes the launcher waits on; each answers true/false and never throws. */

export async function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** PING over a raw socket: no Redis client needed just to know redis-server is up. */
export function redisPing(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

/**
 * One Redis command over a raw socket, for the launcher's few questions to Sentinels and nodes
 * (who is primary, ROLE). Answers the reply as a flat list of strings (an array of bulk strings,
 * or one simple/bulk string); null on no answer, an error reply, or a nil.
 */
export function redisCommand(port: number, args: readonly string[], host = '127.0.0.1', timeoutMs = 1000): Promise<string[] | null> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    let buffer = Buffer.alloc(0);
    const done = (value: string[] | null): void => { socket.destroy(); resolve(value); };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseFlatReply(buffer);
      if (parsed !== undefined) done(parsed);
    });
    socket.once('error', () => done(null));
    socket.once('close', () => done(null));
  });
}

/** A RESP reply as a flat list of strings (nested arrays flattened); undefined while incomplete. */
export function parseFlatReply(data: Buffer): string[] | null | undefined {
  const text = data.toString('latin1');
  let at = 0;
  const line = (): string | undefined => {
    const end = text.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const value = text.slice(at, end);
    at = end + 2;
    return value;
  };
  const one = (out: string[]): boolean | null | undefined => {
    const head = line();
    if (head === undefined) return undefined;
    const type = head[0];
    const rest = head.slice(1);
    if (type === '-') return null;
    if (type === '+' || type === ':') { out.push(rest); return true; }
    if (type === '$') {
      const length = Number(rest);
      if (length < 0) return null;
      if (text.length < at + length + 2) return undefined;
      out.push(Buffer.from(text.slice(at, at + length), 'latin1').toString('utf8'));
      at += length + 2;
      return true;
    }
    if (type === '*') {
      const count = Number(rest);
      if (count < 0) return null;
      for (let i = 0; i < count; i++) {
        const item = one(out);
        if (item === undefined) return undefined;
      }
      return true;
    }
    return null;
  };
  const out: string[] = [];
  const result = one(out);
  if (result === undefined) return undefined;
  return result === null ? null : out;
}
