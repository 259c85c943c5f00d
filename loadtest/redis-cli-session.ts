import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * One `redis-cli` kept open inside the target (e.g. `docker compose exec -T redis redis-cli`), for
 * reading INFO where the bench cannot connect to Redis: a reading is then a round trip on the
 * open pipe, not a new container exec (~0.6 s each here, two per throughput cell). A reading that
 * fails or hangs ends the session; the next one opens a new session (Redis may have been
 * restarted by a fault scenario meanwhile).
 */
const END = '__authscale_end__';
const READ_TIMEOUT_MS = 10_000;

export class RedisCliSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly command: readonly string[], private readonly cwd?: string) {}

  /** An INFO section's text, or undefined when Redis (or the container) does not answer. */
  info(section: string): Promise<string | undefined> {
    const reading = this.queue.then(() => this.read(`INFO ${section}`));
    this.queue = reading.catch(() => undefined);
    return reading;
  }

  close(): void {
    this.child?.kill();
    this.child = undefined;
  }

  private read(request: string): Promise<string | undefined> {
    const child = this.child ?? this.open();
    return new Promise((resolve) => {
      let text = '';
      const finish = (value: string | undefined): void => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        child.off('error', onExit);
        if (value === undefined) this.close();
        resolve(value);
      };
      const onData = (chunk: Buffer): void => {
        text += chunk.toString();
        const end = text.indexOf(END);
        if (end >= 0) finish(text.slice(0, end));
      };
      const onExit = (): void => finish(undefined);
      const timer = setTimeout(() => finish(undefined), READ_TIMEOUT_MS);
      child.stdout.on('data', onData);
      child.once('exit', onExit);
      child.once('error', onExit);
      // ECHO marks where the answer ends (redis-cli prints replies without framing on a pipe).
      child.stdin.write(`${request}\nECHO ${END}\n`, (error) => {
        if (error) finish(undefined);
      });
    });
  }

  private open(): ChildProcessWithoutNullStreams {
    const child = spawn(this.command[0], this.command.slice(1), { cwd: this.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', () => undefined); // surfaces as 'exit' / a timeout: "not measured"
    child.stdin.on('error', () => undefined);
    child.on('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
    return child;
  }
}
