import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../common/repo-root';
import { distanceComposeDocument } from '../../../cluster/compose-distance';
import { composeDocument } from '../../../cluster/compose-file';

/**
 * The runtime image copies only some of dist/ (Dockerfile). Every file a container's command
 * requires, transitively, must be among them: else the image builds and then fails at start.
 * Reads the built dist/ (npm test builds first).
 */
const root = repoRoot();
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const copied = [...dockerfile.matchAll(/^COPY --from=build \/app\/(dist\/\S+) /gm)].map((m) => m[1]);
const removed = [...dockerfile.matchAll(/^RUN rm -rf (dist\/\S+)/gm)].map((m) => m[1]);

function localRequires(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  for (const [, spec] of source.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
    const target = path.resolve(path.dirname(file), spec);
    localRequires(fs.existsSync(`${target}.js`) ? `${target}.js` : path.join(target, 'index.js'), seen);
  }
  return seen;
}

test('when a container runs its command, then every file it requires is in the runtime image', () => {
  const services = [composeDocument(), distanceComposeDocument()].flatMap((doc) => Object.values(doc.services as Record<string, unknown>));
  const commands = services
    .map((s) => (s as { command?: string[] }).command)
    .filter((c): c is string[] => Array.isArray(c) && c[0] === 'node')
    // node's own flags (the replicas run with --expose-gc) come before the script
    .map((c) => c.slice(1).filter((arg) => !arg.startsWith('-')));
  expect([...new Set(commands.map((c) => c[0]))].sort()).toEqual(['dist/latency/main.js', 'dist/proxy/main.js', 'dist/services/app/main.js']);
  const inImage = (rel: string) => copied.some((dir) => rel.startsWith(`${dir}/`)) && !removed.some((dir) => rel.startsWith(`${dir}/`));
  for (const [entry] of commands) {
    const needed = [...localRequires(path.join(root, entry))].map((f) => path.relative(root, f));
    expect(needed.filter((rel) => !inImage(rel))).toEqual([]);
  }
  // And the image leaves out what no container runs.
  expect(inImage('dist/loadtest/cli.js')).toBe(false);
  expect(inImage('dist/cluster/cli.js')).toBe(false);
  expect(inImage('dist/proxy/bench/proxy-bench.js')).toBe(false);
});
