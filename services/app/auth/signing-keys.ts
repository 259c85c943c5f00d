import crypto from 'node:crypto';
import { DEVELOPMENT_SECRETS, secretWeakness } from '../../../common/config';

/**
 * The JWT key ring: every key that may verify a token, looked up by `kid`, and the one key that
 * signs. Each key is pinned to exactly one algorithm (RFC 8725 §3.1), decided by what the key
 * *is* (a secret → HS256, an EC P-256 key → ES256), never by the token's header.
 */
export const JWT_ALGORITHMS = ['HS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/**
 * A `kid` is only ever a key in a Map. Anything else (a path, a URL, SQL, a number, 10 kB) is
 * refused before any lookup, so no token can steer the server to read, fetch or query anything.
 */
export const KID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Plain, freezable description of one configured key (config holds this, not KeyObjects). */
export interface KeySpec {
  kid: string;
  algorithm: JwtAlgorithm;
  /** HS256: the secret; ES256: a PKCS#8 or SEC1 PEM private key. */
  material: string;
  /** A built-in development key: refused in production. */
  development: boolean;
}

export interface SigningKey {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  /** Signs (secret or private key). KeyObjects, not strings: a string costs ~50x per jsonwebtoken call, measured: docs/jwt.md. */
  readonly signWith: crypto.KeyObject;
  /** Verifies (the same secret, or the public key). */
  readonly verifyWith: crypto.KeyObject;
}

/** The kid the single-secret shorthand (`JWT_SECRET`) has always used: a digest of the key, not the key. */
export function kidForSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
}

export const DEVELOPMENT_ES256_KID = 'dev-es256';

/**
 * The development ES256 key pair, derived from a fixed seed so every replica (and every
 * restart) shares it without configuration. Public knowledge: production refuses it.
 */
export function developmentEs256Pem(): string {
  const d = crypto.createHash('sha256').update('authscale-development-es256-key').digest();
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const jwk = {
    kty: 'EC', crv: 'P-256', d: d.toString('base64url'),
    x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url'),
  };
  return crypto.createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Environment PEMs often arrive with their newlines written as `\n`. */
function pemText(material: string): string {
  return material.includes('\\n') ? material.replace(/\\n/g, '\n') : material;
}

function looksLikePem(material: string): boolean {
  return material.trimStart().startsWith('-----BEGIN');
}

/** Build the key objects of one spec; throws with a reason a human can act on. */
export function buildSigningKey(spec: KeySpec): SigningKey {
  if (spec.algorithm === 'HS256') {
    const secret = crypto.createSecretKey(Buffer.from(spec.material, 'utf8'));
    return Object.freeze({ kid: spec.kid, algorithm: 'HS256', signWith: secret, verifyWith: secret });
  }
  const privateKey = crypto.createPrivateKey(pemText(spec.material));
  const details = privateKey.asymmetricKeyDetails;
  if (privateKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'prime256v1') {
    throw new Error('ES256 needs an EC private key on curve P-256 (prime256v1)');
  }
  return Object.freeze({ kid: spec.kid, algorithm: 'ES256', signWith: privateKey, verifyWith: crypto.createPublicKey(privateKey) });
}

export interface KeyRingInput {
  appEnv: string;
  algorithm: JwtAlgorithm;
  /** `JWT_KEYS`: `kid:material` entries, comma-separated (a PEM contains no comma). */
  keys?: string;
  signingKid?: string;
  /** `JWT_SECRET`: the single-key HS256 shorthand. */
  secret?: string;
}

export interface KeyRingSpec {
  algorithm: JwtAlgorithm;
  signingKid: string;
  keys: KeySpec[];
}

/**
 * Config → key ring spec, or every problem found (config validation lists them all at once).
 * Builds each key once to prove it parses, and applies production's refusals.
 */
export function parseKeyRing(input: KeyRingInput): { spec?: KeyRingSpec; problems: { path: string; message: string }[] } {
  const problems: { path: string; message: string }[] = [];
  const production = input.appEnv === 'production';
  const specs: KeySpec[] = [];

  if (input.keys !== undefined && input.secret !== undefined) {
    problems.push({ path: 'JWT_SECRET', message: 'set either JWT_SECRET (one HS256 key) or JWT_KEYS (a key ring), not both' });
  }
  if (input.keys !== undefined) {
    const entries = input.keys.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
    if (entries.length === 0) problems.push({ path: 'JWT_KEYS', message: 'lists no key' });
    entries.forEach((entry, i) => {
      const colon = entry.indexOf(':');
      const kid = colon > 0 ? entry.slice(0, colon) : '';
      const material = colon > 0 ? entry.slice(colon + 1) : '';
      if (!KID_PATTERN.test(kid) || material.length === 0) {
        problems.push({ path: `JWT_KEYS.${i}`, message: 'must be kid:key with a kid of 1-64 letters, digits, _ or -' });
        return;
      }
      if (specs.some((s) => s.kid === kid)) {
        problems.push({ path: `JWT_KEYS.${i}`, message: `kid "${kid}" is listed twice` });
        return;
      }
      const algorithm: JwtAlgorithm = looksLikePem(material) ? 'ES256' : 'HS256';
      specs.push({ kid, algorithm, material, development: false });
    });
  } else if (input.algorithm === 'HS256') {
    if (production && input.secret === undefined) return { problems: [...problems, ...required(input.algorithm)] };
    const secret = input.secret ?? DEVELOPMENT_SECRETS.jwt;
    specs.push({ kid: kidForSecret(secret), algorithm: 'HS256', material: secret, development: input.secret === undefined });
  } else if (!production) {
    specs.push({ kid: DEVELOPMENT_ES256_KID, algorithm: 'ES256', material: developmentEs256Pem(), development: true });
  }

  for (const [i, spec] of specs.entries()) {
    const path = input.keys !== undefined ? `JWT_KEYS.${i}` : 'JWT_SECRET';
    try {
      buildSigningKey(spec);
    } catch (err) {
      problems.push({ path, message: `is not a usable ${spec.algorithm} key: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    if (!production) continue;
    if (spec.algorithm === 'HS256') {
      const weakness = secretWeakness(spec.material);
      if (weakness) problems.push({ path, message: weakness });
      else if (Buffer.byteLength(spec.material) < 32) problems.push({ path, message: 'HS256 needs at least 32 bytes' });
    } else if (isDevelopmentEs256(spec)) {
      problems.push({ path, message: 'is the built-in development ES256 key' });
    }
  }

  if (production && specs.length === 0) problems.push(...required(input.algorithm));

  const signingKid = input.signingKid ?? specs[0]?.kid;
  const signer = specs.find((s) => s.kid === signingKid);
  if (input.signingKid !== undefined && !signer) {
    problems.push({ path: 'JWT_SIGNING_KID', message: `names no key in JWT_KEYS (${specs.map((s) => s.kid).join(', ') || 'none'})` });
  } else if (signer && signer.algorithm !== input.algorithm) {
    problems.push({ path: 'JWT_ALGORITHM', message: `is ${input.algorithm} but the signing key "${signer.kid}" is an ${signer.algorithm} key` });
  }
  if (problems.length > 0 || !signer || signingKid === undefined) return { problems };
  return { spec: { algorithm: input.algorithm, signingKid, keys: specs }, problems };
}

function required(algorithm: JwtAlgorithm): { path: string; message: string }[] {
  return algorithm === 'HS256'
    ? [{ path: 'JWT_SECRET', message: 'is required in production (or JWT_KEYS)' }]
    : [{ path: 'JWT_KEYS', message: 'is required in production for ES256 (kid:PEM private key; no development key)' }];
}

function isDevelopmentEs256(spec: KeySpec): boolean {
  const dev = crypto.createPublicKey(developmentEs256Pem()).export({ format: 'jwk' });
  const mine = crypto.createPublicKey(pemText(spec.material)).export({ format: 'jwk' });
  return dev.x === mine.x && dev.y === mine.y;
}

/** A JSON Web Key of the public half of an asymmetric key (RFC 7517): never `d`, never a secret. */
export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
}

/** The built key ring: lookup by kid (a Map, nothing else) and the current signer. */
export class KeyRing {
  private readonly byKid: ReadonlyMap<string, SigningKey>;
  readonly signer: SigningKey;

  constructor(spec: KeyRingSpec) {
    this.byKid = new Map(spec.keys.map((k) => [k.kid, buildSigningKey(k)]));
    const signer = this.byKid.get(spec.signingKid);
    if (!signer) throw new Error(`signing kid ${spec.signingKid} is not in the key ring`);
    this.signer = signer;
  }

  /** The verification key for a token's `kid`, or undefined for anything not a well-formed, known kid. */
  find(kid: unknown): SigningKey | undefined {
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) return undefined;
    return this.byKid.get(kid);
  }

  get kids(): string[] {
    return [...this.byKid.keys()];
  }

  /** The public keys for /.well-known/jwks.json; symmetric keys are never published. */
  publicJwks(): { keys: PublicJwk[] } {
    const keys: PublicJwk[] = [];
    for (const key of this.byKid.values()) {
      if (key.algorithm === 'HS256') continue;
      const { kty, crv, x, y } = key.verifyWith.export({ format: 'jwk' });
      keys.push({ kty: kty as string, crv, x, y, kid: key.kid, alg: key.algorithm, use: 'sig' });
    }
    return { keys };
  }
}
