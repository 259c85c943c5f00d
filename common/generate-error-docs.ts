import path from 'node:path';
import { repoRoot } from './repo-root';
import { renderErrorDocs } from './error-docs';
import { writeOrCheckGenerated } from './generated-file';

/** Writes docs/errors.md from the error catalogue; `--check` exits 1 when the committed file is stale. */
writeOrCheckGenerated(path.join(repoRoot(), 'docs', 'errors.md'), renderErrorDocs(), 'npm run docs:errors');
