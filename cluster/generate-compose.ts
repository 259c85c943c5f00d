import path from 'node:path';
import { writeOrCheckGenerated } from '../common/generated-file';
import { renderComposeFile, renderHaComposeFile } from './compose-file';
import { repoRoot } from './paths';

/** Writes docker-compose.yml and the HA override docker-compose.ha.yml from the topology; `--check` exits 1 when one is stale. */
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.yml'), renderComposeFile(), 'npm run compose:generate');
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.ha.yml'), renderHaComposeFile(), 'npm run compose:generate');
