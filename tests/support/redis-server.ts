import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { waitFor } from '../../common/poll';
import { freePort } from '../../common/ports';

/**
 * A real redis-server on a private port, started by the test. `kill()` stops it hard (SIGKILL)
 * to test the outage path; `start()` brings it back on the same port and data directory.
 */
export class RedisServer {
  readonly dir: string;
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    readonly options: { appendonly: boolean; password?: string; databases?: number },
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authscale-redis-'));
  }

  static async start(options: { appendonly?: boolean; password?: string; databases?: number } = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), { appendonly: options.appendonly ?? true, password: options.password, databases: options.databases });
    await server.start();
    return server;
  }

  get url(): string {
    const auth = this.options.password ? `:${encodeURIComponent(this.options.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--save', '', '--appendonly', this.options.appendonly ? 'yes' : 'no', '--appendfsync', 'everysec',
      '--protected-mode', 'no', '--loglevel', 'warning',
    ];
    if (this.options.password) args.push('--requirepass', this.options.password);
    if (this.options.databases) args.push('--databases', String(this.options.databases));
    this.child = spawn(redisServerBinary(), args, { stdio: 'ignore' });
    await waitFor(() => canConnect(this.port), 10_000);
  }

  /** SIGKILL: no chance to flush; with appendfsync everysec at most ~1 s of writes is lost. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    await this.kill();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function redisServerBinary(): string {
  const configured = process.env.REDIS_SERVER_BIN;
  if (configured) return configured;
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || 'redis-server';
  } catch {
    throw new Error('redis-server is not installed: apt-get install redis-server (or set REDIS_SERVER_BIN)');
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
