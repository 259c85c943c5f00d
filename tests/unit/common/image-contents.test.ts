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
/** One Dockerfile stage's text, from its FROM line to the next. */
const stage = (name: string): string => dockerfile.split(/^(?=FROM )/m).find((s) => new RegExp(`^FROM \\S+ AS ${name}\\s*$`, 'm').test(s)) ?? '';
const copiesOf = (text: string): string[] => [...text.matchAll(/^COPY --from=build \/app\/(dist\/\S+) /gm)].map((m) => m[1]);
const copied = copiesOf(stage('runtime'));
/** The balancers stage is the runtime plus its own copies. */
const copiedForBalancers = [...copied, ...copiesOf(stage('balancers'))];
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
    .map((s) => s as { command?: string[]; build?: unknown })
    .filter((s): s is { command: string[]; build?: unknown } => Array.isArray(s.command) && s.command[0] === 'node')
    // node's own flags (the replicas run with --expose-gc) come before the script
    .map((s) => ({ args: s.command.slice(1).filter((arg) => !arg.startsWith('-')), target: (s.build as { target?: string } | undefined)?.target }));
  expect([...new Set(commands.map((c) => c.args[0]))].sort()).toEqual(['dist/cluster/balancer-entry.js', 'dist/latency/main.js', 'dist/proxy/main.js', 'dist/services/app/main.js']);
  const inStage = (copies: string[]) => (rel: string) => copies.some((dir) => rel.startsWith(`${dir}/`)) && !removed.some((dir) => rel.startsWith(`${dir}/`));
  const inImage = inStage(copied);
  for (const { args: [entry], target } of commands) {
    const inItsImage = target === 'balancers' ? inStage(copiedForBalancers) : inImage;
    const needed = [...localRequires(path.join(root, entry))].map((f) => path.relative(root, f));
    expect({ entry, missing: needed.filter((rel) => !inItsImage(rel)) }).toEqual({ entry, missing: [] });
  }
  // The balancers read their committed configs from the image.
  expect(stage('balancers')).toMatch(/^COPY balancers \.\/balancers$/m);
  // And the image leaves out what no container runs.
  expect(inImage('dist/loadtest/cli.js')).toBe(false);
  expect(inImage('dist/cluster/cli.js')).toBe(false);
  expect(inImage('dist/proxy/bench/proxy-bench.js')).toBe(false);
});
