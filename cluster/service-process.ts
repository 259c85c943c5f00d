import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import type { OrphanGuard } from './orphan-guard';

export type ServiceStateName = 'created' | 'starting' | 'running' | 'paused' | 'stopping' | 'exited' | 'unavailable' | 'external';

export interface ServiceState {
  name: string;
  state: ServiceStateName;
  pid: number | null;
  port: number | null;
  url?: string;
  /** HA Redis nodes: what the Sentinels say this node is now. */
  role?: 'primary' | 'replica';
  exitCode?: number | null;
  signal?: string | null;
  note?: string;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  port: number;
  logFile: string;
}

/** One service as a child process: spawn, signal, track its state, and tee its output to a log file. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exitWaiters: (() => void)[] = [];
  private current: ServiceStateName = 'created';
  private lastExit: { code: number | null; signal: string | null; error?: string } | undefined;

  constructor(
    readonly spec: ProcessSpec,
    private readonly guard: OrphanGuard,
    private readonly onLine: (service: string, line: string) => void,
    private readonly onExit: (service: string, how: string) => void = () => undefined,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get state(): ServiceStateName {
    return this.current;
  }

  get alive(): boolean {
    return this.child !== undefined && this.current !== 'exited';
  }

  get pid(): number | null {
    return this.alive ? (this.child?.pid ?? null) : null;
  }

  snapshot(): ServiceState {
    return {
      name: this.name,
      state: this.current,
      pid: this.pid,
      port: this.spec.port,
      ...(this.lastExit && this.current === 'exited'
        ? { exitCode: this.lastExit.code, signal: this.lastExit.signal, ...(this.lastExit.error ? { note: this.lastExit.error } : {}) }
        : {}),
    };
  }

  /** `args` replaces the spec's arguments for this start (an HA node re-pointed at the current primary). */
  spawn(args: readonly string[] = this.spec.args): void {
    if (this.alive) return;
    const log = fs.createWriteStream(this.spec.logFile, { flags: 'a' });
    log.on('error', () => undefined);
    // detached: its own process group, so a terminal's Ctrl-C reaches only the launcher, which
    // then stops the services in order; and a group signal also reaches anything it forks.
    const child = spawn(this.spec.command, [...args], {
      cwd: this.spec.cwd,
      env: this.spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.current = 'starting';
    this.lastExit = undefined;
    if (child.pid !== undefined) this.guard.watch(child.pid);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      readline.createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        this.onLine(this.name, line);
      });
    }
    child.once('error', (error) => {
      // e.g. ENOENT: the binary does not exist. No 'exit' follows a failed spawn.
      this.lastExit = { code: null, signal: null, error: error.message };
      this.finish(child, log);
    });
    child.once('exit', (code, signal) => {
      this.lastExit = { code, signal, ...(this.lastExit?.error ? { error: this.lastExit.error } : {}) };
      this.finish(child, log);
    });
  }

  private finish(child: ChildProcess, log: fs.WriteStream): void {
    if (this.child !== child || this.current === 'exited') return;
    this.current = 'exited';
    if (child.pid !== undefined) this.guard.unwatch(child.pid);
    log.end();
    this.onExit(this.name, this.exitDescription());
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    waiters.forEach((w) => w());
  }

  markRunning(): void {
    if (this.current === 'starting') this.current = 'running';
  }

  /**
   * Signal the whole process group, or with `group: false` only the process itself (a balancer's
   * master reloads on a signal its workers must not get). Returns false when there is no live process.
   */
  signal(signal: NodeJS.Signals, options: { group?: boolean } = {}): boolean {
    const pid = this.pid;
    if (pid === null) return false;
    try {
      process.kill(options.group === false ? pid : -pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        return false;
      }
    }
    if (signal === 'SIGSTOP') this.current = 'paused';
    if (signal === 'SIGCONT' && this.current === 'paused') this.current = 'running';
    return true;
  }

  waitExit(timeoutMs: number): Promise<boolean> {
    if (!this.alive) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Graceful stop (SIGTERM: finish in-flight requests), then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.alive) return;
    const wasPaused = this.current === 'paused';
    this.current = 'stopping';
    this.signal('SIGTERM');
    if (wasPaused) this.signal('SIGCONT'); // a stopped process cannot act on SIGTERM until continued
    if (!(await this.waitExit(graceMs))) {
      this.signal('SIGKILL');
      await this.waitExit(2000);
    }
  }

  async kill(): Promise<void> {
    if (!this.alive) return;
    this.signal('SIGKILL');
    await this.waitExit(2000);
  }

  exitDescription(): string {
    if (!this.lastExit) return 'still running';
    if (this.lastExit.error) return this.lastExit.error;
    return this.lastExit.signal ? `killed by ${this.lastExit.signal}` : `exited with code ${this.lastExit.code}`;
  }
}
