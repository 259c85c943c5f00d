import { MAX_PORT_BASE } from '../common/ports';

/**
 * Command line of `npm run rolling-restart -- [--compose [-p NAME] | --swarm [--stack NAME] | --port-base N]`,
 * as plain data (pure, unit-tested); rolling-restart-cli.ts does the work. One target, as on the bench's command line.
 */
export type RollingRestartCommand =
  | { target: 'local'; portBase?: number; controlUrl?: string }
  | { target: 'compose'; project?: string }
  | { target: 'swarm'; stack: string }
  | { target: 'help' };

export class RollingRestartUsageError extends Error {}

export const ROLLING_RESTART_USAGE = [
  'usage: npm run rolling-restart -- [--port-base N | --control-url URL]   the local launcher (npm start)',
  '       npm run rolling-restart -- --compose [-p NAME]                   a docker compose stack of this repo',
  '       npm run rolling-restart -- --swarm [--stack NAME]                the swarm stack: docker service update --force <stack>_app',
  '  Each replica in turn: graceful stop (SIGTERM), start, until the proxy admits it again; 2 s between replicas.',
].join('\n');

export function parseRollingRestartArgs(argv: readonly string[], defaults: { stack: string; project?: string }): RollingRestartCommand {
  let compose = false;
  let swarm = false;
  let project: string | undefined;
  let stack: string | undefined;
  let portBase: number | undefined;
  let controlUrl: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v === '' || v.startsWith('-')) throw new RollingRestartUsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--compose') compose = true;
    else if (arg === '--swarm') swarm = true;
    else if (arg === '-p' || arg === '--project') project = value();
    else if (arg === '--stack') stack = value();
    else if (arg === '--port-base') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1024 || n > MAX_PORT_BASE) throw new RollingRestartUsageError(`--port-base must be an integer from 1024 to ${MAX_PORT_BASE}`);
      portBase = n;
    } else if (arg === '--control-url') controlUrl = value();
    else if (arg === '-h' || arg === '--help') return { target: 'help' };
    else throw new RollingRestartUsageError(`unknown argument ${arg}`);
  }
  const problems: string[] = [];
  if (compose && swarm) problems.push('choose one target: --compose and --swarm are mutually exclusive');
  if (project !== undefined && !compose) problems.push('-p/--project names a compose project: it needs --compose');
  if (stack !== undefined && !swarm) problems.push('--stack names a swarm stack: it needs --swarm');
  if ((portBase !== undefined || controlUrl !== undefined) && (compose || swarm)) problems.push('--port-base and --control-url are for the local launcher, not --compose or --swarm');
  if (project !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(project)) problems.push(`compose project "${project}": lowercase letters, digits, _ and - only`);
  const chosenStack = stack ?? defaults.stack;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(chosenStack)) problems.push(`stack name "${chosenStack}": letters, digits, _ and - only`);
  if (problems.length > 0) throw new RollingRestartUsageError(problems.join('; '));
  if (compose) return { target: 'compose', ...(project ?? defaults.project ? { project: project ?? defaults.project } : {}) };
  if (swarm) return { target: 'swarm', stack: chosenStack };
  return { target: 'local', ...(portBase !== undefined ? { portBase } : {}), ...(controlUrl !== undefined ? { controlUrl } : {}) };
}
