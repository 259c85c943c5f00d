import { inParallel } from './http';
import type { AuthModeSpec } from './modes';
import { rampLogins, type RampResult } from './login-ramp';
import type { VirtualUser } from './virtual-user';

/**
 * Users logged in once per run and lent to every later cell: a login at the production hash cost
 * is ~0.3 s of CPU, and logging each cell's users in afresh made a compose `--quick` run spend
 * most of its minutes hashing. A lent credential is first checked through the cell's own
 * frontend; only one the target no longer honours (its replica was killed, Redis lost it) is
 * logged in again. The check is not measured: each cell still starts from logged-in users.
 */
export interface LoginPreparation extends RampResult {
  /** Users whose lent credential the target still honoured (no login needed). */
  reused: number;
}

/** One credential, asked this often behind round-robin, finds its session's replica unless the session is gone. */
const CHECK_ATTEMPTS = 10;
const CHECK_PARALLELISM = 16;

/** User indices (hence simulated client addresses) each pool key owns: slot k is user firstIndex(key) + k. */
const INDICES_PER_KEY = 10_000;

export class UserPool {
  private readonly slots = new Map<string, (VirtualUser | undefined)[]>();
  private readonly keys: string[] = [];

  /**
   * Where a mode's credentials can be reused. A session in process memory lives on one replica
   * and is found only through the routing of the frontend it was made behind; Redis sessions and
   * tokens work through any frontend of the same target.
   */
  static key(targetUrl: string, mode: AuthModeSpec, strategy: string): string {
    return mode.name === 'memory' ? `${targetUrl} ${mode.name} ${strategy}` : `${targetUrl} ${mode.name}`;
  }

  /**
   * The user index of the key's slot 0. A slot keeps its index, so a user lent to a later cell
   * claims the same client address, and consistent hashing sends it to the replica holding its session.
   */
  firstIndex(key: string): number {
    if (!this.keys.includes(key)) this.keys.push(key);
    return this.keys.indexOf(key) * INDICES_PER_KEY;
  }

  /** Each user adopts the credential last held in its slot (firstSlot + its position), if any; returns those who did. */
  lend(key: string, firstSlot: number, users: readonly VirtualUser[]): VirtualUser[] {
    const slots = this.slots.get(key) ?? [];
    const lent: VirtualUser[] = [];
    users.forEach((user, k) => {
      const holder = slots[firstSlot + k];
      if (!holder?.isLoggedIn) return;
      user.adopt(holder);
      lent.push(user);
    });
    return lent;
  }

  /** These users now hold the slots' credentials (their latest cookies and tokens). */
  keep(key: string, firstSlot: number, users: readonly VirtualUser[]): void {
    const slots = this.slots.get(key) ?? [];
    users.forEach((user, k) => {
      slots[firstSlot + k] = user;
    });
    this.slots.set(key, slots);
  }

  /**
   * Logged-in users for a cell: lent credentials that still work, the rest logged in through the
   * ramp. The users then hold the slots, so the cell's re-logins are lent onwards too.
   */
  async prepare(
    users: readonly VirtualUser[],
    at: { key: string; firstSlot: number; url: string; concurrency: number; signal: AbortSignal },
  ): Promise<LoginPreparation> {
    const lent = this.lend(at.key, at.firstSlot, users);
    let reused = 0;
    await inParallel(lent.length, CHECK_PARALLELISM, async (i) => {
      if (await honoured(lent[i], at.url, at.signal)) reused++;
      else lent[i].forget();
    });
    const ramp = await rampLogins(users.filter((u) => !u.isLoggedIn), at.url, { concurrency: at.concurrency, signal: at.signal });
    this.keep(at.key, at.firstSlot, users);
    return { ...ramp, users: users.length, loggedIn: users.filter((u) => u.isLoggedIn).length, reused };
  }
}

/** Whether the target still honours the user's credential: a 200 on its own `me` within a few asks. */
async function honoured(user: VirtualUser, url: string, signal: AbortSignal): Promise<boolean> {
  for (let attempt = 0; attempt < CHECK_ATTEMPTS && !signal.aborted; attempt++) {
    const request = user.nextRequest();
    if (request.method !== 'GET') return false; // its token expired: a login is due anyway
    const response = await fetch(`${url}${request.path}`, { headers: request.headers, signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
    if (!response) return false;
    const body = await response.text();
    user.onResponse(response.status, { 'set-cookie': response.headers.getSetCookie(), 'x-instance': response.headers.get('x-instance') ?? undefined }, body);
    if (response.status === 200) return true;
    if (response.status !== 401) return false;
  }
  return false;
}
