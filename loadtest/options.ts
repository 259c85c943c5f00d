import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, deepFreeze, formatZodIssues } from '../common/config';
import { EXTRA_SCENARIO_NAMES, FAILOVER_VARIANT_IDS, FULL_TIMING, QUICK_TIMING, SCENARIO_NAMES, type FailoverVariantId, type ScenarioName, type ScenarioTiming } from './scenarios';
import { BENCH_PORT_BASE, MAX_PORT_BASE } from '../common/ports';
import { LOAD_BALANCERS, type LoadBalancerName } from '../common/vocabulary';
import { SWARM } from '../cluster/topology';

const NAMED_SCENARIOS: readonly string[] = [...SCENARIO_NAMES, ...EXTRA_SCENARIO_NAMES];

/** The bench's configuration, validated once from argv and frozen. */
export interface BenchConfig {
  scenarios: ScenarioName[];
  quick: boolean;
  timing: ScenarioTiming;
  connections: number;
  target?: string;
  /** Drive a running `docker compose up` stack of this repo (project name when given with -p). */
  compose?: { project?: string };
  /** The balancer the scenarios go through: the proxy (node), or HAProxy / nginx in front of the same replicas. */
  lb: LoadBalancerName;
  /** Drive a `docker stack deploy` of docker-stack.yml (--swarm): the stack, the node to drain or crash, and the crash/restore commands. */
  swarm?: { stack: string; node?: string; crashCommand?: string; restoreCommand?: string };
  outDir: string;
  redisPersistence: boolean;
  portBase: number;
  hashCost: number;
  /** Whether --hash-cost was given: a cost other than production's is reported as such. */
  hashCostChosen: boolean;
  sessionTouch?: 'rolling' | 'always' | 'never';
  /** REDIS_AUTO_PIPELINING of the local replicas; unset: the app default. */
  redisAutoPipelining?: boolean;
  /** distance: nominal added round trips (ms), which paths to sweep, and (with --target) the injector's control API. */
  distance: { rttsMs: number[]; axes: ('redis' | 'replicas')[]; control?: string };
  /** failover-redis: the variants asked for by name; empty: every one the target can run. */
  failoverVariants: FailoverVariantId[];
  victim: string;
  /** Shell commands by "service verb", e.g. {"app2 kill": "docker compose kill app2"}. */
  commands: Record<string, string>;
  app4Url?: string;
  adminToken: string;
  clusterLogs: 'silent' | 'inherit';
}

export const USAGE = `Usage: npm run bench -- [options]

  --scenario <name>|all   ${SCENARIO_NAMES.join(', ')} (comma-separated list allowed; default all);
                          extra, by name only (never in all): ${EXTRA_SCENARIO_NAMES.join(', ')}
                          (distance runs alone: docs/distance.md)
  --quick                 the whole matrix in under 3 minutes (short cells, fewer users)
  --duration <s>          seconds per throughput cell (default 10, quick 3)
  --connections <n>       users per throughput cell (default 50)
  --out <dir>             where results.json, report.md, report.html go (default results/<timestamp>)
  --no-persistence        Redis without appendonly (local cluster), to show a restart losing sessions
  --compose               drive a running \`docker compose up\` stack of this repo: ports from
                          \`docker compose port\`, fault commands filled in (kill/start/pause/unpause,
                          Redis, app4 from the scale profile); compose file from the current
                          directory, else the repository's
  -p, --project <name>    with --compose: the compose project name (default $COMPOSE_PROJECT_NAME,
                          else compose's own default)
  --lb node|haproxy|nginx the balancer every scenario goes through (default node, this repo's proxy):
                          the bench's own cluster starts HAProxy or nginx beside the proxy; with
                          --compose, the stack must run that profile (--profile haproxy|nginx).
                          \`--scenario balancers\` compares all three side by side in one run
  --swarm                 drive a running \`npm run swarm -- deploy\` stack (docker-stack.yml) through the
                          docker CLI of its manager: ports from the proxy service, faults are swarm's own
                          (docker service scale, docker node update, docker service update --force)
  --stack <name>          with --swarm: the stack (default $AUTHSCALE_STACK, else authscale)
  --node <name>           with --swarm: the node node-drain and node-crash act on (default: a worker running app tasks)
  --crash-node <cmd>      with --swarm: shell command that crashes that node (its engine stopped as a crash
                          would, e.g. powered off); $AUTHSCALE_NODE names it
  --restore-node <cmd>    with --swarm: shell command that brings it back
  --target <url>          drive another running cluster (e.g. http://127.0.0.1:8080) with the
                          fault commands below
  --victim <replica>      the replica killed/paused (default app2)
  --kill <cmd>            shell command that SIGKILLs the victim, e.g. "docker compose kill app2"
  --restart <cmd>         shell command that starts it again, e.g. "docker compose start app2"
  --kill-redis <cmd>      / --restart-redis <cmd>   the same for Redis
  --pause <cmd>           / --unpause <cmd>         SIGSTOP / SIGCONT the victim
  --start-app4 <cmd>      / --stop-app4 <cmd>       bring app4 up / down (scale-out)
  --app4-url <url>        URL the proxy should use for app4 if its pool lacks it
  --admin-token <token>   proxy admin token (default $ADMIN_TOKEN or the development token)
  --port-base <n>         ports of the bench's own local cluster (default 18080: frontends 18080-18082);
                          with --compose, of the local cluster it compares /health with
  --hash-cost <n>         PASSWORD_HASH_COST of the local replicas (default 17, production's;
                          a cheaper cost is reported as such)
  --touch <policy>        SESSION_TOUCH of the local replicas: rolling, always, never (default: app default)
  --auto-pipelining <on|off>  REDIS_AUTO_PIPELINING of the local replicas (default: app default)
  --rtts <ms,...>         distance: nominal added round trips (default 0,1,2,5)
  --axes <path,...>       distance: redis (replicas→Redis), replicas (proxy→replicas); default both
  --variants <name,...>   failover-redis: ${FAILOVER_VARIANT_IDS.join(', ')} (default: every one
                          the target runs: all on the bench's own clusters; with --compose, ha and
                          ha-cut-off on a stack with docker-compose.ha.yml, else single-aof)
  --latency-control <url> distance with --target: the latency injector's control API (e.g. http://127.0.0.1:8095)
  --cluster-logs          show the local cluster's logs
  -h, --help              this text

Targets are exclusive: the bench's own cluster (no target option), --target, --compose or --swarm;
--lb combines with the bench's own cluster and --compose.
Without a target, faults use the local launcher; with --target, they use the commands above,
or the launcher's control API when /_proxy/status says control: "local"; with --compose,
docker compose itself; with --swarm, the swarm's own verbs. A scenario the target cannot run
ends the bench with exit code 2.`;

const intArg = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  scenario: z.string().default('all').transform((v, ctx) => {
    if (v === 'all') return [...SCENARIO_NAMES] as ScenarioName[];
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !NAMED_SCENARIOS.includes(n));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `unknown scenario ${unknown.join(', ') || '(empty)'}; choose from ${NAMED_SCENARIOS.join(', ')} or all` });
      return z.NEVER;
    }
    // The injector sits in every path of the cluster it measures: other scenarios must not run through it.
    if (names.includes('distance') && names.length > 1) {
      ctx.addIssue({ code: 'custom', message: 'distance runs on its own (its cluster has a latency injector in its paths; the other scenarios measure the cluster as it ships)' });
      return z.NEVER;
    }
    return names as ScenarioName[];
  }),
  quick: z.boolean().default(false),
  duration: intArg(1, 3600).optional(),
  connections: intArg(1, 1000).default(50),
  target: z.string().url().optional(),
  compose: z.boolean().default(false),
  lb: z.enum(LOAD_BALANCERS).default('node'),
  swarm: z.boolean().default(false),
  stack: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, 'must be a stack name (letters, digits, _ and -)').optional(),
  node: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'must be a node name as docker node ls shows it').optional(),
  'crash-node': z.string().min(1).optional(),
  'restore-node': z.string().min(1).optional(),
  project: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a compose project name (lowercase letters, digits, _ and -)').optional(),
  out: z.string().min(1).optional(),
  'no-persistence': z.boolean().default(false),
  victim: z.string().regex(/^app[1-9]$/, 'must be a replica id such as app2').default('app2'),
  kill: z.string().min(1).optional(),
  restart: z.string().min(1).optional(),
  'kill-redis': z.string().min(1).optional(),
  'restart-redis': z.string().min(1).optional(),
  pause: z.string().min(1).optional(),
  unpause: z.string().min(1).optional(),
  'start-app4': z.string().min(1).optional(),
  'stop-app4': z.string().min(1).optional(),
  'app4-url': z.string().url().optional(),
  'admin-token': z.string().min(1).optional(),
  'port-base': intArg(1024, MAX_PORT_BASE).default(BENCH_PORT_BASE),
  'hash-cost': intArg(4, 20).optional(),
  touch: z.enum(['rolling', 'always', 'never']).optional(),
  'auto-pipelining': z.enum(['on', 'off']).optional(),
  rtts: z.string().default('0,1,2,5').transform((v, ctx) => {
    const values = v.split(',').map((x) => Number(x.trim()));
    if (values.length === 0 || values.some((x) => !Number.isFinite(x) || x < 0 || x > 1000)) {
      ctx.addIssue({ code: 'custom', message: 'must be round trips in ms from 0 to 1000, comma-separated, e.g. 0,1,2,5' });
      return z.NEVER;
    }
    return [...new Set(values)].sort((a, b) => a - b);
  }),
  axes: z.string().default('redis,replicas').transform((v, ctx) => {
    const values = v.split(',').map((x) => x.trim()).filter(Boolean);
    if (values.length === 0 || values.some((x) => x !== 'redis' && x !== 'replicas')) {
      ctx.addIssue({ code: 'custom', message: 'must be redis, replicas or both (comma-separated)' });
      return z.NEVER;
    }
    return [...new Set(values)] as ('redis' | 'replicas')[];
  }),
  'latency-control': z.string().url().optional(),
  variants: z.string().optional().transform((v, ctx) => {
    if (v === undefined) return [] as FailoverVariantId[];
    const values = v.split(',').map((x) => x.trim()).filter(Boolean);
    const unknown = values.filter((x) => !(FAILOVER_VARIANT_IDS as readonly string[]).includes(x));
    if (values.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown failover-redis variant ${unknown.join(', ') || '(empty)'}; choose from ${FAILOVER_VARIANT_IDS.join(', ')}` });
      return z.NEVER;
    }
    return [...new Set(values)] as FailoverVariantId[];
  }),
  'cluster-logs': z.boolean().default(false),
}).superRefine((o, ctx) => {
  if (o.variants.length > 0 && !o.scenario.includes('failover-redis')) {
    ctx.addIssue({ code: 'custom', path: ['variants'], message: '--variants chooses failover-redis\'s variants: add --scenario failover-redis' });
  }
  if (o.scenario.includes('distance') && o.target && !o['latency-control']) {
    ctx.addIssue({ code: 'custom', path: ['latency-control'], message: 'distance against --target needs the latency injector\'s control API: start the cluster with it (docs/distance.md) and give --latency-control <url>' });
  }
});

const STRING_OPTIONS = [
  'scenario', 'duration', 'connections', 'target', 'out', 'victim', 'kill', 'restart', 'kill-redis', 'restart-redis',
  'pause', 'unpause', 'start-app4', 'stop-app4', 'app4-url', 'admin-token', 'port-base', 'hash-cost', 'touch', 'project',
  'auto-pipelining', 'rtts', 'axes', 'latency-control', 'stack', 'node', 'crash-node', 'restore-node', 'variants', 'lb',
] as const;

/** Production's PASSWORD_HASH_COST (the app's default): the bench's own cluster runs at it unless told otherwise. */
export const PRODUCTION_HASH_COST = 17;

/** Options that only shape the bench's own cluster, and the fault-command options of --target. */
const OWN_CLUSTER_OPTIONS = ['hash-cost', 'touch', 'no-persistence', 'cluster-logs'] as const;
const FAULT_COMMAND_OPTIONS = ['kill', 'restart', 'kill-redis', 'restart-redis', 'pause', 'unpause', 'start-app4', 'stop-app4', 'app4-url'] as const;
const SWARM_OPTIONS = ['stack', 'node', 'crash-node', 'restore-node'] as const;
const TARGET_NAMES: Readonly<Record<string, string>> = { target: '--target cluster', compose: 'compose stack', swarm: 'swarm stack' };

/** Every conflict between the target options (pure): targets are exclusive, and each has its own options. */
export function targetConflicts(values: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const given = (name: string): boolean => values[name] !== undefined && values[name] !== false;
  const targets = ['target', 'compose', 'swarm'].filter(given);
  if (targets.length > 1) problems.push(`choose one target: ${targets.map((t) => `--${t}`).join(' and ')} are mutually exclusive`);
  if (given('project') && !given('compose')) problems.push('-p/--project names a compose project: it needs --compose');
  for (const name of SWARM_OPTIONS.filter(given)) {
    if (!given('swarm')) problems.push(`--${name} is for a swarm stack: it needs --swarm`);
  }
  if (given('swarm') && given('crash-node') !== given('restore-node')) problems.push('--crash-node and --restore-node go together: the bench brings back the node it crashed');
  if (targets.length > 0) {
    for (const name of OWN_CLUSTER_OPTIONS.filter(given)) {
      problems.push(`--${name} sets up the bench's own cluster; a ${TARGET_NAMES[targets[0]]} runs with its own settings (for compose: PASSWORD_HASH_COST, SESSION_TOUCH in .env; for a swarm: in the shell's environment at deploy)`);
    }
  }
  for (const target of ['compose', 'swarm'].filter(given)) {
    for (const name of FAULT_COMMAND_OPTIONS.filter(given)) problems.push(`--${name} is for --target; --${target} fills in its own fault commands`);
  }
  if (given('target') && given('lb')) problems.push('--lb picks the balancer of the bench\'s own cluster or of --compose; with --target the bench goes through the frontend you name');
  return problems;
}

export type ParsedArgs = { help: true } | { help: false; config: BenchConfig };

/**
 * argv (after `node cli.js`) → a frozen BenchConfig, or a ConfigError listing every problem.
 * `defaults` carries what only the CLI may read: the environment's admin token, COMPOSE_PROJECT_NAME, AUTHSCALE_STACK and the clock.
 */
export function parseBenchArgs(argv: readonly string[], defaults: { adminToken: string; now: Date; composeProject?: string; swarmStack?: string }): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' as const }])),
        quick: { type: 'boolean' }, 'no-persistence': { type: 'boolean' }, 'cluster-logs': { type: 'boolean' }, compose: { type: 'boolean' }, swarm: { type: 'boolean' },
        project: { type: 'string', short: 'p' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new ConfigError('bench', [(error as Error).message]);
  }
  if (values.help) return { help: true };
  const result = schema.safeParse(values);
  const problems = [...(result.success ? [] : formatZodIssues(result.error)), ...targetConflicts(values)];
  if (!result.success || problems.length > 0) throw new ConfigError('bench', problems);
  const o = result.data;
  const base = o.quick ? QUICK_TIMING : FULL_TIMING;
  const commands: Record<string, string> = {};
  const add = (key: string, command: string | undefined): void => {
    if (command) commands[key] = command;
  };
  add(`${o.victim} kill`, o.kill);
  add(`${o.victim} start`, o.restart);
  add('redis kill', o['kill-redis']);
  add('redis start', o['restart-redis']);
  add(`${o.victim} pause`, o.pause);
  add(`${o.victim} unpause`, o.unpause);
  add('app4 start', o['start-app4']);
  add('app4 stop', o['stop-app4']);
  const stamp = defaults.now.toISOString().replace(/[:.]/g, '-');
  return {
    help: false,
    config: deepFreeze({
      scenarios: o.scenario,
      quick: o.quick,
      timing: { ...base, cellSeconds: o.duration ?? base.cellSeconds },
      connections: o.connections,
      target: o.target,
      compose: o.compose ? { project: o.project ?? defaults.composeProject } : undefined,
      lb: o.lb,
      swarm: o.swarm
        ? {
          stack: o.stack ?? defaults.swarmStack ?? SWARM.stack,
          ...(o.node ? { node: o.node } : {}),
          ...(o['crash-node'] ? { crashCommand: o['crash-node'], restoreCommand: o['restore-node'] } : {}),
        }
        : undefined,
      outDir: o.out ?? `results/${stamp}`,
      redisPersistence: !o['no-persistence'],
      portBase: o['port-base'],
      hashCost: o['hash-cost'] ?? PRODUCTION_HASH_COST,
      hashCostChosen: o['hash-cost'] !== undefined,
      sessionTouch: o.touch,
      redisAutoPipelining: o['auto-pipelining'] === undefined ? undefined : o['auto-pipelining'] === 'on',
      distance: { rttsMs: o.rtts, axes: o.axes, control: o['latency-control'] },
      failoverVariants: o.variants,
      victim: o.victim,
      commands,
      app4Url: o['app4-url'],
      adminToken: o['admin-token'] ?? defaults.adminToken,
      clusterLogs: o['cluster-logs'] ? 'inherit' : 'silent',
    }),
  };
}
