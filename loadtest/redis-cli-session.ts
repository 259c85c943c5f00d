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
/** A session's first reading also waits for its command to start (a container exec: seconds on a loaded machine). */
const OPEN_TIMEOUT_MS = 30_000;

/**
 * The answer in what redis-cli printed so far, once the marker's line is complete (pure): what
 * comes before that line. Redis echoes the marker alone; a Sentinel has no ECHO and names the
 * marker in an error line, which is not part of the answer.
 */
export function answerOf(printed: string): string | undefined {
  const marker = printed.indexOf(END);
  if (marker < 0 || printed.indexOf('\n', marker) < 0) return undefined;
  return printed.slice(0, printed.lastIndexOf('\n', marker) + 1);
}

export class RedisCliSession {
  private child: ChildProcessWithoutNullStreams | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly command: readonly string[], private readonly cwd?: string) {}

  /** An INFO section's text, or undefined when Redis (or the container) does not answer. */
  info(section: string): Promise<string | undefined> {
    return this.send(`INFO ${section}`);
  }

  /** One command line (e.g. `SENTINEL get-master-addr-by-name authscale`): its reply as redis-cli prints it on a pipe, or undefined. */
  send(command: string): Promise<string | undefined> {
    if (/[\r\n]/.test(command)) return Promise.reject(new Error('one command per line'));
    const reading = this.queue.then(() => this.read(command));
    this.queue = reading.catch(() => undefined);
    return reading;
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    // End of input ends redis-cli, and with it the exec and its client; a signal is the fallback
    // (a `docker compose` client killed by a signal can leave its exec running).
    child.stdin.end();
    const timer = setTimeout(() => child.kill(), 5000);
    timer.unref();
    child.once('exit', () => clearTimeout(timer));
  }

  private read(request: string): Promise<string | undefined> {
    const opening = this.child === undefined;
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
        const answer = answerOf(text);
        if (answer !== undefined) finish(answer);
      };
      const onExit = (): void => finish(undefined);
      const timer = setTimeout(() => finish(undefined), opening ? OPEN_TIMEOUT_MS : READ_TIMEOUT_MS);
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
