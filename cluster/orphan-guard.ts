import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * Guarantees that no service outlives the launcher, even a SIGKILLed one (which runs no cleanup).
 *
 * Why a separate guard process: Node cannot set PR_SET_PDEATHSIG on its children, and the
 * services (app, proxy, redis-server) are not ours to teach to watch a parent PID. So the
 * launcher starts one tiny detached node process and tells it, over a pipe on its stdin, which
 * process groups are alive ("+pid" / "-pid" lines). When the launcher dies for any reason the
 * kernel closes the pipe; the guard reads end-of-file and SIGKILLs every group it still knows.
 * Removing exited pids ("-pid") keeps it from ever signalling a recycled pid.
 */
const GUARD_SOURCE = `
const groups = new Set();
let pending = '';
const reap = () => {
  for (const pid of groups) { try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch {} } }
  process.exit(0);
};
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let i;
  while ((i = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, i); pending = pending.slice(i + 1);
    const pid = Number(line.slice(1));
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (line[0] === '+') groups.add(pid); else groups.delete(pid);
  }
});
process.stdin.on('end', reap);
process.stdin.on('error', reap);
`;

export class OrphanGuard {
  private constructor(private readonly child: ChildProcess, private readonly pipe: Writable) {}

  static start(): OrphanGuard {
    const child = spawn(process.execPath, ['-e', GUARD_SOURCE], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.unref();
    const pipe = child.stdin as Writable & { unref?: () => void };
    pipe.unref?.(); // the guard must never keep the launcher's event loop alive
    pipe.on('error', () => undefined); // a dead guard must not crash the launcher
    return new OrphanGuard(child, pipe);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  watch(pid: number): void {
    this.pipe.write(`+${pid}\n`);
  }

  unwatch(pid: number): void {
    this.pipe.write(`-${pid}\n`);
  }

  /** Normal shutdown: the services are already gone, so the guard finds nothing left to kill. */
  close(): void {
    this.pipe.end();
  }
}
