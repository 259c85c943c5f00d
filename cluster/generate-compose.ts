import fs from 'node:fs';
import path from 'node:path';
import { renderComposeFile, renderProductionOverride } from './compose-file';
import { repoRoot } from './paths';

const FILES: readonly { name: string; render: () => string }[] = [
  { name: 'docker-compose.yml', render: renderComposeFile },
  { name: 'docker-compose.production.yml', render: renderProductionOverride },
];

/** Writes the compose files from the topology; `--check` exits 1 when a committed file is stale. */
function main(): void {
  for (const { name, render } of FILES) {
    const file = path.join(repoRoot(), name);
    const wanted = render();
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== wanted) {
        process.stderr.write(`${name} differs from cluster/topology.ts: run node dist/cluster/generate-compose.js\n`);
        process.exitCode = 1;
      }
      continue;
    }
    fs.writeFileSync(file, wanted);
    process.stdout.write(`wrote ${file}\n`);
  }
}

main();
