import path from 'node:path';
import { writeOrCheckGenerated } from '../common/generated-file';
import { DISTANCE_COMPOSE_FILE, renderDistanceComposeFile } from './compose-distance';
import { renderComposeFile, renderHaComposeFile, renderProductionOverride } from './compose-file';
import { BALANCER_FILES, renderComposeBalancerConfig } from './compose-balancers';
import { repoRoot } from './paths';
import { EXTERNAL_BALANCERS } from '../common/vocabulary';
import { renderStackFile } from './stack-file';

/** Writes docker-compose.yml, its overrides (production, HA), docker-stack.yml and the balancers' configs from the topology; `--check` exits 1 when one is stale. */
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.yml'), renderComposeFile(), 'npm run compose:generate');
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.production.yml'), renderProductionOverride(), 'npm run compose:generate');
writeOrCheckGenerated(path.join(repoRoot(), 'docker-compose.ha.yml'), renderHaComposeFile(), 'npm run compose:generate');
writeOrCheckGenerated(path.join(repoRoot(), DISTANCE_COMPOSE_FILE), renderDistanceComposeFile(), 'npm run compose:generate');
writeOrCheckGenerated(path.join(repoRoot(), 'docker-stack.yml'), renderStackFile(), 'npm run compose:generate');
for (const name of EXTERNAL_BALANCERS) writeOrCheckGenerated(path.join(repoRoot(), BALANCER_FILES[name]), renderComposeBalancerConfig(name), 'npm run compose:generate');
