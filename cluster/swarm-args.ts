/**
 * Command line of `npm run swarm -- deploy|rm|ps|scale N [--stack NAME] [--ship CMD]`, as plain
 * data. Pure, so every form is unit-tested; swarm-cli.ts runs the docker commands.
 */
export type SwarmCommand =
  | { verb: 'deploy'; stack: string; ship?: string; build: boolean }
  | { verb: 'rm' | 'ps'; stack: string }
  | { verb: 'scale'; stack: string; replicas: number };

export class SwarmUsageError extends Error {}

export const SWARM_USAGE = [
  'usage: npm run swarm -- deploy [--ship CMD] [--no-build] | rm | ps | scale N   [--stack NAME]',
  '  deploy   build the image, run --ship CMD (copies it to the other nodes: no registry), docker stack deploy, wait until every task is running',
  '  rm       docker stack rm',
  '  ps       every task: node, state, error',
  '  scale N  docker service scale <stack>_app=N (N >= 1)',
].join('\n');

export function parseSwarmArgs(argv: readonly string[], defaultStack: string): SwarmCommand {
  const [verb, ...rest] = argv;
  let stack = defaultStack;
  let ship: string | undefined;
  let build = true;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--stack' || arg === '--ship') {
      const value = rest[++i];
      if (value === undefined || value === '') throw new SwarmUsageError(`${arg} needs a value`);
      if (arg === '--stack') stack = value;
      else ship = value;
    } else if (arg === '--no-build') build = false;
    else if (arg.startsWith('-')) throw new SwarmUsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/.test(stack)) throw new SwarmUsageError(`stack name "${stack}": letters, digits, _ and - only`);
  switch (verb) {
    case 'deploy':
      if (positional.length > 0) throw new SwarmUsageError(`deploy takes no argument (got ${positional.join(' ')})`);
      return { verb, stack, build, ...(ship !== undefined ? { ship } : {}) };
    case 'rm':
    case 'ps':
      if (positional.length > 0) throw new SwarmUsageError(`${verb} takes no argument`);
      return { verb, stack };
    case 'scale': {
      const n = positional.length === 1 && /^\d+$/.test(positional[0]) ? Number(positional[0]) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) throw new SwarmUsageError('scale needs one whole number of replicas >= 1, e.g. scale 4');
      return { verb, stack, replicas: n };
    }
    default:
      throw new SwarmUsageError(verb === undefined ? 'no command given' : `unknown command "${verb}"`);
  }
}
