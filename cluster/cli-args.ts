import { MAX_PORT_BASE } from '../common/ports';
import { LOAD_BALANCERS, isOneOf, type ExternalBalancerName } from '../common/vocabulary';
import { LATENCY_PATHS, type LatencyPath } from './topology';

/**
 * Command line of `npm run cluster -- <verb> [options] [service...]`, parsed into plain data.
 * Pure (no process access), so every flag is unit-tested; cli.ts decides what to do with it.
 */
export const CLI_VERBS = ['up', 'down', 'ps', 'status', 'logs', 'kill', 'stop', 'start', 'restart', 'pause', 'unpause', 'help'] as const;
export type CliVerb = (typeof CLI_VERBS)[number];

export interface CliCommand {
  verb: CliVerb;
  services: string[];
  detach: boolean;
  daemonChild: boolean;
  json: boolean;
  follow: boolean;
  signal?: string;
  portBase?: number;
  controlUrl?: string;
  runDir?: string;
  withApp4: boolean;
  /** --redis single|ha|none (single by default, unless --redis-url names an external one). */
  redis?: RedisChoice;
  redisUrl?: string;
  redisBin?: string;
  persistence: boolean;
  /** --lb: HAProxy and/or nginx in front of the replicas beside the proxy (`node` alone: none). */
  balancers: ExternalBalancerName[];
  /** --latency redis,replicas: the latency injector on these paths (docs/distance.md); --latency-ms its start-up round trip. */
  latency?: LatencyPath[];
  latencyMs?: number;
}

export class CliUsageError extends Error {}

export const REDIS_CHOICES = ['single', 'ha', 'none'] as const;
export type RedisChoice = (typeof REDIS_CHOICES)[number];

const WITH_VALUE = new Set(['-s', '--signal', '--port-base', '--control-url', '--run-dir', '--redis-url', '--redis-bin', '--redis', '--lb', '--latency', '--latency-ms']);

export function parseCli(argv: readonly string[]): CliCommand {
  const command: CliCommand = {
    verb: 'help', services: [], detach: false, daemonChild: false, json: false, follow: false,
    withApp4: false, persistence: true, balancers: [],
  };
  let verbSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const [flag, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('-') && flag !== '-s' && flag !== '--signal')) throw new CliUsageError(`${flag} needs a value`);
      return v;
    };
    if (WITH_VALUE.has(flag)) {
      const v = value();
      if (flag === '-s' || flag === '--signal') command.signal = v;
      else if (flag === '--port-base') command.portBase = portNumber(v);
      else if (flag === '--control-url') command.controlUrl = v;
      else if (flag === '--run-dir') command.runDir = v;
      else if (flag === '--redis-url') command.redisUrl = v;
      else if (flag === '--redis') command.redis = redisChoice(v);
      else if (flag === '--lb') command.balancers = balancerChoice(v);
      else if (flag === '--latency') command.latency = latencyChoice(v);
      else if (flag === '--latency-ms') command.latencyMs = latencyMs(v);
      else command.redisBin = v;
    } else if (flag === '-d' || flag === '--detach') command.detach = true;
    else if (flag === '--daemon-child') command.daemonChild = true;
    else if (flag === '--json') command.json = true;
    else if (flag === '-f' || flag === '--follow') command.follow = true;
    else if (flag === '--with-app4') command.withApp4 = true;
    else if (flag === '--no-redis') throw new CliUsageError('--no-redis was replaced by --redis none (choices: --redis single|ha|none)');
    else if (flag === '--no-persistence') command.persistence = false;
    else if (flag === '-h' || flag === '--help') command.verb = 'help';
    else if (flag.startsWith('-')) throw new CliUsageError(`unknown option ${flag}`);
    else if (!verbSeen) {
      if (!(CLI_VERBS as readonly string[]).includes(flag)) throw new CliUsageError(`unknown command "${flag}"`);
      command.verb = flag as CliVerb;
      verbSeen = true;
    } else command.services.push(flag);
  }
  if (command.signal !== undefined && command.verb !== 'kill') throw new CliUsageError('-s/--signal only goes with kill');
  if (command.redis !== undefined && command.redis !== 'single' && command.redisUrl !== undefined) {
    throw new CliUsageError(`--redis ${command.redis} and --redis-url exclude each other: the URL names one Redis the launcher does not run`);
  }
  if (command.latencyMs !== undefined && command.latency === undefined) throw new CliUsageError('--latency-ms needs --latency redis|replicas|redis,replicas (which path to delay)');
  return command;
}

/** `redis`, `replicas` or both, comma-separated. */
function latencyChoice(text: string): LatencyPath[] {
  const names = text.split(',').map((x) => x.trim()).filter(Boolean);
  const wrong = names.filter((n) => !(LATENCY_PATHS as readonly string[]).includes(n));
  if (names.length === 0 || wrong.length > 0) throw new CliUsageError(`--latency takes ${LATENCY_PATHS.join(', ')} (comma-separated), not "${text}"`);
  return [...new Set(names as LatencyPath[])];
}

/** The round trip added at start-up, in ms, put on the request path as the distance scenario does. */
function latencyMs(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 10_000) throw new CliUsageError(`--latency-ms must be a number of ms from 0 to 10000, not "${text}"`);
  return n;
}

/** `haproxy`, `nginx`, `haproxy,nginx` or `node` (the proxy alone, which always runs). */
export function balancerChoice(text: string): ExternalBalancerName[] {
  const names = text.split(',').map((x) => x.trim()).filter(Boolean);
  const wrong = names.filter((n) => !isOneOf(LOAD_BALANCERS, n));
  if (names.length === 0 || wrong.length > 0) throw new CliUsageError(`--lb takes ${LOAD_BALANCERS.join(', ')} (comma-separated), not "${text}"`);
  return [...new Set(names.filter((n): n is ExternalBalancerName => n !== 'node'))];
}

function redisChoice(text: string): RedisChoice {
  if ((REDIS_CHOICES as readonly string[]).includes(text)) return text as RedisChoice;
  throw new CliUsageError(`--redis must be one of ${REDIS_CHOICES.join(', ')}, not "${text}"`);
}

function portNumber(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1024 || n > MAX_PORT_BASE) throw new CliUsageError(`--port-base must be an integer from 1024 to ${MAX_PORT_BASE}, not "${text}"`);
  return n;
}

export const USAGE = `Usage: npm run cluster -- <command> [options] [service...]
       npm start                       (= up, in the foreground; Ctrl-C stops everything)

Commands (the verbs of docker compose, applied to the local cluster):
  up [-d]                 start redis, app1..app3, proxy; -d runs the launcher in the background
  down                    stop every service and the launcher
  ps | status [--json]    state, pid and port of each service
  logs [-f] [service...]  print the services' logs; -f follows them
  kill [-s SIG] [svc...]  send a signal (default SIGKILL); no service = all
  stop [svc...]           graceful stop (SIGTERM, then SIGKILL after a grace period)
  start [svc...]          start stopped services (a killed replica stays dead until this)
  restart [svc...]        stop, then start
  pause [svc...]          SIGSTOP: the process hangs with its connections open
  unpause [svc...]        SIGCONT

Services: redis, app1, app2, app3, app4, proxy; with --redis ha also redis2, sentinel1, sentinel2, sentinel3;
          with --lb haproxy / nginx also haproxy / nginx

Options:
  --port-base N           frontends N..N+2, control N+10, apps N+11.., redis N+20, HA: sentinels N+21..23, redis2 N+28
                          (env AUTHSCALE_PORT_BASE, default 8080)
  --control-url URL       control API of a running launcher (env AUTHSCALE_CONTROL_URL)
  --run-dir DIR           logs and redis data (default .authscale/<port base>)
  up only:
  --with-app4             also start the fourth replica
  --redis-url URL         use a running Redis instead of starting redis-server (env REDIS_URL)
  --redis-bin PATH        redis-server binary (env REDIS_SERVER_BIN; default: on PATH)
  --redis single|ha|none  single: one redis-server (default); ha: primary redis, replica redis2 and three
                          Sentinels that promote the replica when the primary dies (docs/redis-ha.md);
                          none: no Redis (memory and jwt modes only)
  --no-persistence        Redis without append-only persistence
  --latency PATHS         the latency injector on redis (replicas→Redis) and/or replicas (proxy→replicas),
                          comma-separated; its control API on N+16 sets delays at run time (docs/distance.md)
  --latency-ms MS         with --latency: the round trip it adds from the start (default 0)
  --lb node|haproxy|nginx HAProxy and/or nginx (comma-separated) in front of the same replicas, beside the
                          proxy: haproxy on N+3..N+5, nginx on N+6..N+8 (round-robin, sticky-cookie, hash-ip);
                          configs generated from the topology (docs/proxy.md); node (default): the proxy alone
Environment: ADMIN_TOKEN (control API and proxy admin; development default), APP_ENV, secrets (README, "The cluster").
`;
