import { CLIENT_ADDRESS_HEADER, CLIENT_KEY_HEADER, clientAddressKey } from '../common/client-address';
import { SteppingClient } from './http';
import { clientAddressFor } from './virtual-user';

/**
 * Users who log in to `/redis` at known moments and are asked later, one by one, whether their
 * session is still there: the exact count of sessions a failover or a restart lost (not an
 * estimate from replication offsets). A member is never used in between, so nothing but the
 * fault can have ended its session.
 */
export interface CohortMember {
  /** Epoch ms the login was answered 200. */
  loggedInAt: number;
  client: SteppingClient;
}

export interface CohortVerdict {
  users: number;
  survived: number;
  lost: number;
  /** Members that could not be asked (Redis still unreachable at the deadline): neither survived nor lost. */
  unknown: number;
  /** Logins answered only after the reference moment (in flight at the kill): their session may have been written after it, so they are not counted. */
  late: number;
  /** For each lost member: ms between its login and the reference moment (the kill); negative = before. */
  lostLoginOffsetsMs: number[];
}

/**
 * Each member a different person to the login throttle, as every other bench user: its own
 * simulated address, claimed with the key derived from the admin token (docs/security.md). All
 * from one address, a handful of refused logins per run locked the account out for minutes (429).
 */
export interface CohortClaims {
  adminToken: string;
  /** The first member's user index (its address is clientAddressFor(index)); pick one no other users of the run take. */
  firstIndex: number;
}

export class SessionCohort {
  readonly members: CohortMember[] = [];
  /** Logins that did not answer 200 (Redis busy failing over, WAIT not acknowledged): not members. */
  failedLogins = 0;
  private attempts = 0;

  /** Members log in as `usernames` in turn (one account's throttle counts every login in flight). */
  constructor(private readonly frontendUrl: string, private readonly usernames: readonly string[], private readonly password: string, private readonly claims?: CohortClaims) {}

  private client(): SteppingClient {
    if (!this.claims) return new SteppingClient(this.frontendUrl);
    const address = clientAddressFor(this.claims.firstIndex + this.attempts);
    return new SteppingClient(this.frontendUrl, { [CLIENT_ADDRESS_HEADER]: address, [CLIENT_KEY_HEADER]: clientAddressKey(this.claims.adminToken) });
  }

  /** One login; on a refusal, how long to wait before the next (admission control's Retry-After, at most a second). */
  async loginOne(): Promise<{ ok: boolean; waitMs: number }> {
    const client = this.client();
    const username = this.usernames[this.attempts++ % this.usernames.length];
    const answer = await client.request('POST', '/redis/login', { username, password: this.password }).catch(() => undefined);
    if (answer?.status !== 200) {
      this.failedLogins++;
      const retryAfter = Number(answer?.retryAfter ?? '');
      return { ok: false, waitMs: Math.min(1000, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250) };
    }
    this.members.push({ loggedInAt: Date.now(), client });
    return { ok: true, waitMs: 0 };
  }

  /** Keep logging in, `concurrency` at a time, until `until()` says stop; a refused login waits before the next. */
  async loginUntil(until: () => boolean, concurrency = 2): Promise<void> {
    const worker = async (): Promise<void> => {
      while (!until()) {
        const { waitMs } = await this.loginOne();
        if (waitMs > 0 && !until()) await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /**
   * Ask every member logged in by `referenceMs` (the kill) its `/redis/me` once Redis answers: 200
   * survived, 401 lost. 503 and transport errors (Redis not back yet) are retried until `deadlineMs`.
   */
  async verify(referenceMs: number, deadlineMs = 15_000): Promise<CohortVerdict> {
    const deadline = Date.now() + deadlineMs;
    const counted = this.members.filter((m) => m.loggedInAt <= referenceMs);
    const verdict: CohortVerdict = { users: counted.length, survived: 0, lost: 0, unknown: 0, late: this.members.length - counted.length, lostLoginOffsetsMs: [] };
    for (const member of counted) {
      let status = 0;
      while (Date.now() < deadline) {
        status = (await member.client.request('GET', '/redis/me').catch(() => undefined))?.status ?? 0;
        if (status === 200 || status === 401) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      if (status === 200) verdict.survived++;
      else if (status === 401) {
        verdict.lost++;
        verdict.lostLoginOffsetsMs.push(member.loggedInAt - referenceMs);
      } else verdict.unknown++;
    }
    return verdict;
  }
}
