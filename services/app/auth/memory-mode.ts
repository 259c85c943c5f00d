import { AppError } from '../../../common/errors';
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import type { AuthMode } from './auth-mode';
import { BoundedMemoryStore } from './bounded-memory-store';
import { createSessionMode } from './session-mode';

/** `/memory`: sessions held in this replica's memory; another replica does not know them. */
export function createMemoryMode(config: AppConfig, deps: { clock: Clock; store: BoundedMemoryStore }): AuthMode {
  return createSessionMode({
    name: 'memory',
    store: deps.store,
    secrets: config.session.secrets,
    secureCookies: config.session.cookieSecure === 'always',
    timeouts: config.session,
    instance: config.instanceId,
    clock: deps.clock,
    // The in-process store cannot fail; if it ever does, it is a bug, not an outage.
    storeFailure: (cause) => new AppError('internal_error', undefined, { cause }),
  });
}
