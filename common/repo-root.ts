import fs from 'node:fs';
import path from 'node:path';

/**
 * The checkout's root (or /app in the image): the nearest directory above `from` holding this
 * project's package.json. Works from the TypeScript sources (ts-jest) and from dist/ alike; a
 * layout without it is a broken install, said so rather than guessed (no cwd fallback).
 */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && packageName(manifest) === 'authscale') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the authscale package.json above ${from}`);
    dir = parent;
  }
}

function packageName(manifest: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}
