import fs from 'node:fs';
import path from 'node:path';
import { renderComposeFile } from './compose-file';
import { repoRoot } from './paths';

/** Writes docker-compose.yml from the topology; `--check` exits 1 when the committed file is stale. */
function main(): void {
  const file = path.join(repoRoot(), 'docker-compose.yml');
  const wanted = renderComposeFile();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== wanted) {
      process.stderr.write('docker-compose.yml differs from cluster/topology.ts: run node dist/cluster/generate-compose.js\n');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(file, wanted);
  process.stdout.write(`wrote ${file}\n`);
}

main();
