import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, deepFreeze, formatZodIssues } from '../common/config';
import { EXTRA_SCENARIO_NAMES, FULL_TIMING, QUICK_TIMING, SCENARIO_NAMES, type ScenarioName, type ScenarioTiming } from './scenarios';
import { BENCH_PORT_BASE, MAX_PORT_BASE } from '../common/ports';

const NAMED_SCENARIOS: readonly string[] = [...SCENARIO_NAMES, ...EXTRA_SCENARIO_NAMES];

/** The bench's configuration, validated once from argv and frozen. */
export interface BenchConfig {
  scenarios: ScenarioName[];
  quick: boolean;
  timing: ScenarioTiming;
  connections: number;
  target?: string;
  outDir: string;
  redisPersistence: boolean;
  portBase: number;
  hashCost: number;
  sessionTouch?: 'rolling' | 'always' | 'never';
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
  --quick                 the whole matrix in under 3 minutes (short cells, fewer users)
  --duration <s>          seconds per throughput cell (default 10, quick 3)
  --connections <n>       users per throughput cell (default 50)
  --out <dir>             where results.json, report.md, report.html go (default results/<timestamp>)
  --no-persistence        Redis without appendonly (local cluster), to show a restart losing sessions
  --target <url>          drive a running cluster (e.g. http://127.0.0.1:8080) instead of starting one
  --victim <replica>      the replica killed/paused (default app2)
  --kill <cmd>            shell command that SIGKILLs the victim, e.g. "docker compose kill app2"
  --restart <cmd>         shell command that starts it again, e.g. "docker compose start app2"
  --kill-redis <cmd>      / --restart-redis <cmd>   the same for Redis
  --pause <cmd>           / --unpause <cmd>         SIGSTOP / SIGCONT the victim
  --start-app4 <cmd>      / --stop-app4 <cmd>       bring app4 up / down (scale-out)
  --app4-url <url>        URL the proxy should use for app4 if its pool lacks it
  --admin-token <token>   proxy admin token (default $ADMIN_TOKEN or the development token)
  --port-base <n>         ports of the bench's own local cluster (default 18080: frontends 18080-18082)
  --hash-cost <n>         PASSWORD_HASH_COST of the local replicas (default 10; production is 17)
  --touch <policy>        SESSION_TOUCH of the local replicas: rolling, always, never (default: app default)
  --cluster-logs          show the local cluster's logs
  -h, --help              this text

Without --target, faults use the local launcher; with --target, they use the commands above,
or the launcher's control API when /_proxy/status says control: "local".`;

const intArg = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  scenario: z.string().default('all').transform((v, ctx) => {
    if (v === 'all') return [...SCENARIO_NAMES];
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !NAMED_SCENARIOS.includes(n));
    if (unknown.length > 0 || names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `unknown scenario ${unknown.join(', ') || '(empty)'}; choose from ${NAMED_SCENARIOS.join(', ')} or all` });
      return z.NEVER;
    }
    return names as ScenarioName[];
  }),
  quick: z.boolean().default(false),
  duration: intArg(1, 3600).optional(),
  connections: intArg(1, 1000).default(50),
  target: z.string().url().optional(),
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
  'hash-cost': intArg(4, 20).default(10),
  touch: z.enum(['rolling', 'always', 'never']).optional(),
  'cluster-logs': z.boolean().default(false),
});

const STRING_OPTIONS = [
  'scenario', 'duration', 'connections', 'target', 'out', 'victim', 'kill', 'restart', 'kill-redis', 'restart-redis',
  'pause', 'unpause', 'start-app4', 'stop-app4', 'app4-url', 'admin-token', 'port-base', 'hash-cost', 'touch',
] as const;

export type ParsedArgs = { help: true } | { help: false; config: BenchConfig };

/**
 * argv (after `node cli.js`) → a frozen BenchConfig, or a ConfigError listing every problem.
 * `defaults` carries what only the CLI may read: the environment's admin token and the clock.
 */
export function parseBenchArgs(argv: readonly string[], defaults: { adminToken: string; now: Date }): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(STRING_OPTIONS.map((name) => [name, { type: 'string' as const }])),
        quick: { type: 'boolean' }, 'no-persistence': { type: 'boolean' }, 'cluster-logs': { type: 'boolean' },
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
  if (!result.success) throw new ConfigError('bench', formatZodIssues(result.error));
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
      outDir: o.out ?? `results/${stamp}`,
      redisPersistence: !o['no-persistence'],
      portBase: o['port-base'],
      hashCost: o['hash-cost'],
      sessionTouch: o.touch,
      victim: o.victim,
      commands,
      app4Url: o['app4-url'],
      adminToken: o['admin-token'] ?? defaults.adminToken,
      clusterLogs: o['cluster-logs'] ? 'inherit' : 'silent',
    }),
  };
}
