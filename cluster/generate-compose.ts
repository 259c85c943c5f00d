import fs from 'node:fs';
import path from 'node:path';
import { DISTANCE_COMPOSE_FILE, renderDistanceComposeFile } from './compose-distance';
import { renderComposeFile } from './compose-file';
import { repoRoot } from './paths';

/** Writes docker-compose.yml and its distance override from the topology; `--check` exits 1 when a committed file is stale. */
function main(): void {
  const files = [
    { name: 'docker-compose.yml', wanted: renderComposeFile() },
    { name: DISTANCE_COMPOSE_FILE, wanted: renderDistanceComposeFile() },
  ];
  let stale = false;
  for (const { name, wanted } of files) {
    const file = path.join(repoRoot(), name);
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== wanted) {
        process.stderr.write(`${name} differs from cluster/topology.ts: run node dist/cluster/generate-compose.js\n`);
        stale = true;
      }
      continue;
    }
    fs.writeFileSync(file, wanted);
    process.stdout.write(`wrote ${file}\n`);
  }
  if (stale) process.exit(1);
}

main();
