import path from 'node:path';

export { repoRoot } from '../common/repo-root';

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
