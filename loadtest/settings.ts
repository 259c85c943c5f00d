import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Versions of the parts that shape the numbers, read from this checkout's node_modules. */
export const MEASURED_PACKAGES = Object.freeze([
  'express', 'express-session', 'connect-redis', 'ioredis', 'jsonwebtoken', 'undici', 'autocannon',
]);

export function packageVersions(root: string): Record<string, string> {
  const versions: Record<string, string> = { node: process.version };
  for (const name of MEASURED_PACKAGES) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string };
      versions[name] = manifest.version ?? 'unknown';
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}

/**
 * A fingerprint of the built services (names, sizes, mtimes under dist/services and dist/proxy):
 * in a shared working tree someone may rebuild mid-run, and a replica restarted after that runs
 * different code from the others.
 */
export function buildFingerprint(root: string): string {
  const parts: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) {
        const stat = fs.statSync(full);
        parts.push(`${path.relative(root, full)}:${stat.size}:${stat.mtimeMs}`);
      }
    }
  };
  walk(path.join(root, 'dist', 'common'));
  walk(path.join(root, 'dist', 'services'));
  walk(path.join(root, 'dist', 'proxy'));
  return crypto.createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

export function machine(): { cpus: number; platform: string } {
  return { cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}, ${os.cpus()[0]?.model ?? 'unknown CPU'}` };
}
