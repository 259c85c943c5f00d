import type { FaultActions, FaultVerb } from './target';

/** The verb that undoes each fault verb: what the bench must do if it stops half-way. */
const UNDO: Readonly<Record<FaultVerb, FaultVerb | undefined>> = {
  kill: 'start', stop: 'start', pause: 'unpause', start: 'stop', unpause: undefined,
  // A drained swarm node is made active again, a crashed one restored.
  drain: 'activate', activate: undefined, crash: 'restore', restore: undefined,
};

/**
 * Fault actions that remember what they left undone (app2 killed, app2 paused, app4 started), so
 * an interrupted run (Ctrl-C) or a failed scenario puts the target back as it found it: starts
 * what it killed, unpauses what it paused, stops what it started.
 */
export class FaultJournal implements FaultActions {
  private readonly pending = new Map<string, FaultVerb>();
  /** The action running now: undo waits for it, so a fault that lands after an interrupt is still undone. */
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly actions: FaultActions) {}

  unavailable(service: string, verb: FaultVerb): string | undefined {
    return this.actions.unavailable(service, verb);
  }

  async run(service: string, verb: FaultVerb): Promise<void> {
    const action = this.actions.run(service, verb);
    this.running = action.catch(() => undefined);
    await action;
    if (this.pending.get(service) === verb) this.pending.delete(service);
    else if (!this.pending.has(service) && UNDO[verb]) this.pending.set(service, UNDO[verb]);
  }

  /** What is still to undo, as "verb service" (or as the target describes it). */
  get outstanding(): string[] {
    return [...this.pending].map(([service, verb]) => this.describe(service, verb));
  }

  describe(service: string, verb: FaultVerb): string {
    return this.actions.describe?.(service, verb) ?? `${verb} ${service}`;
  }

  /** Undo every outstanding fault, most recent first; returns what was done and what failed. */
  async undo(): Promise<{ done: string[]; failed: string[] }> {
    await this.running;
    const done: string[] = [];
    const failed: string[] = [];
    for (const [service, verb] of [...this.pending].reverse()) {
      try {
        await this.actions.run(service, verb);
        done.push(this.describe(service, verb));
      } catch (error) {
        failed.push(`${this.describe(service, verb)}: ${(error as Error).message}`);
      }
      this.pending.delete(service);
    }
    return { done, failed };
  }
}
