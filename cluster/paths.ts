import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository root, found by walking up to package.json. Works from the TypeScript sources
 * (tests run them through ts-jest) and from the compiled dist/cluster/ alike.
 */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'cluster'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the authscale repository above ${from}`);
    dir = parent;
  }
}

/** Built entry points the launcher runs (docs/architecture.md). */
export function entryPoints(root: string): { app: string; proxy: string; latency: string } {
  return {
    latency: path.join(root, 'dist', 'latency', 'main.js'),
    app: path.join(root, 'dist', 'services', 'app', 'main.js'),
    proxy: path.join(root, 'dist', 'proxy', 'main.js'),
  };
}

/** Default run directory (logs, redis data, launcher state), one per port base so clusters never share it. */
export function defaultRunDir(root: string, portBase: number): string {
  return path.join(root, '.authscale', String(portBase));
}
