import path from 'node:path';
import { writeOrCheckGenerated } from '../common/generated-file';
import { renderComposeFile } from './compose-file';
import { repoRoot } from './paths';
import { renderStackFile } from './stack-file';

/** Writes docker-compose.yml and docker-stack.yml from the topology; `--check` exits 1 when a committed file is stale. */
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.yml'), renderComposeFile(), 'npm run compose:generate');
writeOrCheckGenerated(path.join(repoRoot(), 'docker-stack.yml'), renderStackFile(), 'npm run compose:generate');
