import path from 'node:path';
import { writeOrCheckGenerated } from '../common/generated-file';
import { renderComposeFile } from './compose-file';
import { repoRoot } from './paths';

/** Writes docker-compose.yml from the topology; `--check` exits 1 when the committed file is stale. */
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.yml'), renderComposeFile(), 'npm run compose:generate');
