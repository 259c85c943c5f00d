import crypto from 'node:crypto';
import { promisify } from 'node:util';
import type { ScryptDerive } from './scrypt-workers';

/** crypto.scrypt on the libuv pool: start-up hashing and tests; logins use the niced workers. */
export const poolScrypt = promisify(crypto.scrypt) as ScryptDerive;

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const BLOCK_SIZE = 8; // r
const PARALLELISM = 1; // p

/** A stored password: the scrypt parameters travel with the hash so the cost can change later. */
export interface PasswordHash {
  readonly cost: number; // log2(N)
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function scryptOptions(cost: number): crypto.ScryptOptions {
  const N = 2 ** cost;
  // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) refuses N=2^17 (128 MiB).
  return { N, r: BLOCK_SIZE, p: PARALLELISM, maxmem: scryptMemoryBytes(cost) + 16 * 1024 * 1024 };
}

/** Bytes one scrypt at this cost allocates (128·N·r): what each concurrent login holds. */
export function scryptMemoryBytes(cost: number): number {
  return 128 * 2 ** cost * BLOCK_SIZE;
}

export async function hashPassword(password: string, cost: number): Promise<PasswordHash> {
  const salt = crypto.randomBytes(SALT_LENGTH);
  const hash = await poolScrypt(password, salt, KEY_LENGTH, scryptOptions(cost));
  return Object.freeze({ cost, salt, hash });
}

export async function verifyPassword(password: string, stored: PasswordHash, derive: ScryptDerive = poolScrypt): Promise<boolean> {
  const candidate = await derive(password, stored.salt, KEY_LENGTH, scryptOptions(stored.cost));
  return crypto.timingSafeEqual(candidate, stored.hash);
}

/** The demo users (docs/design.md). */
export const DEMO_USERNAMES = Object.freeze(['alice', 'bob', 'carol']);

/**
 * Who may log in. An unknown user is checked against a dummy hash of the same cost, so the
 * answer (and its timing) is the same as for a known user with a wrong password.
 */
export class UserDirectory {
  private constructor(
    private readonly users: ReadonlyMap<string, PasswordHash>,
    private readonly dummy: PasswordHash,
  ) {}

  static async create(credentials: Readonly<Record<string, string>>, cost: number): Promise<UserDirectory> {
    const entries = await Promise.all(
      Object.entries(credentials).map(async ([user, password]) => [user, await hashPassword(password, cost)] as const),
    );
    const dummy = await hashPassword(crypto.randomBytes(16).toString('hex'), cost);
    return new UserDirectory(new Map(entries), dummy);
  }

  static demo(password: string, cost: number): Promise<UserDirectory> {
    return UserDirectory.create(Object.fromEntries(DEMO_USERNAMES.map((u) => [u, password])), cost);
  }

  /** The username when the password is right, else undefined; always one full hash (by `derive`). */
  async authenticate(username: string, password: string, derive?: ScryptDerive): Promise<string | undefined> {
    const stored = this.users.get(username);
    const ok = await verifyPassword(password, stored ?? this.dummy, derive);
    return ok && stored ? username : undefined;
  }
}
