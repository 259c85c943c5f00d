import fs from 'node:fs';
import path from 'node:path';
import { accessibleFile } from './files';

/** Whether `file` is a regular file this process may execute. */
export function isExecutable(file: string): boolean {
  return accessibleFile(file, fs.constants.X_OK);
}

/**
 * The binary `name` on PATH, else in the system directories a non-root PATH often lacks (Debian
 * installs haproxy and nginx in /usr/sbin); undefined when none is executable.
 */
export function findExecutable(name: string, pathVariable: string | undefined, systemDirs: readonly string[] = ['/usr/sbin', '/usr/local/sbin', '/sbin']): string | undefined {
  for (const dir of [...(pathVariable ?? '').split(path.delimiter), ...systemDirs]) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}
