/**
 * The auth modes the bench measures, as data: a mode joins every scenario by adding one entry
 * (for instance `/jwt-revocable` once the lifecycle work lands).
 */
export type Credential = 'cookie' | 'bearer' | 'none';

export interface AuthModeSpec {
  /** Name used in results and reports, and the path prefix on the replica. */
  readonly name: string;
  readonly prefix: string;
  readonly credential: Credential;
  /** Where the server keeps per-user state: what claim 7 and the fault scenarios are about. */
  readonly state: 'replica memory' | 'redis' | 'none';
  /** Whether the mode depends on Redis for every authenticated request. */
  readonly needsRedis: boolean;
  /** Whether a logout makes the credential useless at once (claim 8). */
  readonly revocable: boolean;
}

export const AUTH_MODES: readonly AuthModeSpec[] = Object.freeze([
  { name: 'memory', prefix: '/memory', credential: 'cookie', state: 'replica memory', needsRedis: false, revocable: true },
  { name: 'redis', prefix: '/redis', credential: 'cookie', state: 'redis', needsRedis: true, revocable: true },
  { name: 'jwt', prefix: '/jwt', credential: 'bearer', state: 'none', needsRedis: false, revocable: false },
  // The same tokens plus a Redis denylist check per request (README, "JWT lifecycle"): no per-user
  // state (only revoked tokens are kept), but Redis on every request — the price claim 8 measures.
  { name: 'jwt-revocable', prefix: '/jwt-revocable', credential: 'bearer', state: 'none', needsRedis: true, revocable: true },
]);

/** The no-auth baseline: `GET /health`, so throughput ratios compare like with like in one run. */
export const BASELINE_MODE: AuthModeSpec = Object.freeze({
  name: 'none', prefix: '', credential: 'none', state: 'none', needsRedis: false, revocable: false,
});

export { STRATEGIES, type StrategyName } from '../common/vocabulary';

export function modeByName(name: string): AuthModeSpec | undefined {
  return [...AUTH_MODES, BASELINE_MODE].find((m) => m.name === name);
}
