import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../cluster/paths';
import { renderErrorDocs } from './error-docs';

/** Writes docs/errors.md from the error catalogue; `--check` exits 1 when the committed file is stale. */
function main(): void {
  const file = path.join(repoRoot(), 'docs', 'errors.md');
  const wanted = renderErrorDocs();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== wanted) {
      process.stderr.write('docs/errors.md differs from common/errors.ts: run npm run docs:errors\n');
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(file, wanted);
  process.stdout.write(`wrote ${file}\n`);
}

main();
