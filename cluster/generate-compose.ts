import fs from 'node:fs';
import path from 'node:path';
import { renderComposeFile, renderHaComposeFile } from './compose-file';
import { repoRoot } from './paths';

/** Writes docker-compose.yml and docker-compose.ha.yml from the topology; `--check` exits 1 when a committed file is stale. */
function main(): void {
  const files: [string, string][] = [
    [path.join(repoRoot(), 'docker-compose.yml'), renderComposeFile()],
    [path.join(repoRoot(), 'docker-compose.ha.yml'), renderHaComposeFile()],
  ];
  for (const [file, wanted] of files) {
    if (process.argv.includes('--check')) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== wanted) {
        process.stderr.write(`${path.basename(file)} differs from cluster/topology.ts: run node dist/cluster/generate-compose.js\n`);
        process.exit(1);
      }
      continue;
    }
    fs.writeFileSync(file, wanted);
    process.stdout.write(`wrote ${file}\n`);
  }
}

main();
