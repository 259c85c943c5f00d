import { SteppingClient } from './http';

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
  /** For each lost member: ms between its login and the reference moment (the kill); negative = before. */
  lostLoginOffsetsMs: number[];
}

export class SessionCohort {
  readonly members: CohortMember[] = [];
  /** Logins that did not answer 200 (Redis busy failing over, WAIT not acknowledged): not members. */
  failedLogins = 0;

  constructor(private readonly frontendUrl: string, private readonly username: string, private readonly password: string) {}

  async loginOne(): Promise<boolean> {
    const client = new SteppingClient(this.frontendUrl);
    const answer = await client.request('POST', '/redis/login', { username: this.username, password: this.password }).catch(() => undefined);
    if (answer?.status !== 200) {
      this.failedLogins++;
      return false;
    }
    this.members.push({ loggedInAt: Date.now(), client });
    return true;
  }

  /** Keep logging in, `concurrency` at a time, until `until()` says stop. */
  async loginUntil(until: () => boolean, concurrency = 2): Promise<void> {
    const worker = async (): Promise<void> => {
      while (!until()) await this.loginOne();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /**
   * Ask every member's `/redis/me` once Redis answers: 200 survived, 401 lost. 503 and transport
   * errors (Redis not back yet) are retried until `deadlineMs`.
   */
  async verify(referenceMs: number, deadlineMs = 15_000): Promise<CohortVerdict> {
    const deadline = Date.now() + deadlineMs;
    const verdict: CohortVerdict = { users: this.members.length, survived: 0, lost: 0, unknown: 0, lostLoginOffsetsMs: [] };
    for (const member of this.members) {
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
