import { ConfigError } from '../../../common/config';
import { loadAppConfig } from '../../../services/app/config';

/** The problems the app's config lists for `env`; fails the test when the config is accepted. */
export function problemsOf(env: Record<string, string>): string[] {
  try {
    loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}
