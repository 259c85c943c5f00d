import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CliUsageError, USAGE, parseCli, type CliCommand } from './cli-args';
import { servicesTable, upBanner } from './cli-output';
import { ControlUnreachableError } from './control-client';
import { controlClientOf, portBaseOf } from './control-target';
import { startCluster, type LaunchOptions, type RunningCluster } from './launcher';
import { prefixedLine } from './log-format';
import { defaultRunDir, repoRoot } from './paths';
import { ALL_SERVICE_NAMES } from './topology';
import { cliMessage } from '../common/cli-message';
import { pollUntil } from '../common/poll';

/**
 * `npm start` / `npm run cluster -- <verb>`: a thin shell over startCluster() (for `up`) and the
 * control API (every other verb). The only file of cluster/ that reads argv/env or exits.
 */

const out = (text: string): boolean => process.stdout.write(text);
const err = (text: string): boolean => process.stderr.write(text);

function launchOptions(command: CliCommand, logs: LaunchOptions['logs']): LaunchOptions {
  const redisUrl = command.redisUrl ?? process.env.REDIS_URL;
  return {
    portBase: portBaseOf(command),
    withApp4: command.withApp4,
    redis: command.redis === 'none' ? 'none' : command.redis === 'ha' ? 'ha' : redisUrl && command.redis === undefined ? { url: redisUrl } : 'spawn',
    redisAppendonly: command.persistence,
    balancers: command.balancers,
    // The whole round trip on the request path, as the distance scenario sets it (docs/distance.md).
    ...(command.latency ? { latency: { paths: command.latency, upMs: command.latencyMs ?? 0 } } : {}),
    logs,
    ...(command.runDir ? { runDir: path.resolve(command.runDir) } : {}),
    ...(command.redisBin ? { redisServerBin: command.redisBin } : {}),
  };
}

/** Foreground launcher: runs until Ctrl-C, SIGTERM, `down`, or an uncaught error — and always stops every service. */
async function upForeground(command: CliCommand): Promise<number> {
  let cluster: RunningCluster;
  try {
    cluster = await startCluster(launchOptions(command, command.daemonChild ? 'silent' : 'inherit'));
  } catch (error) {
    err(`${cliMessage('cluster', error)}\n`);
    return 1;
  }
  out(upBanner(cluster, !command.daemonChild));
  let stopping = false;
  const stop = (why: string): void => {
    if (stopping) {
      err('cluster: second signal, exiting now (the orphan guard kills what is left)\n');
      process.exit(130);
    }
    stopping = true;
    out(`cluster: ${why}, stopping all services…\n`);
    void cluster.close();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  process.on('uncaughtException', (error) => {
    err(`cluster: unexpected error: ${error.stack ?? error.message}\n`);
    stop('uncaught error');
  });
  await cluster.closed;
  return 0;
}

/** `up -d`: the same launcher as a detached process writing to <run dir>/launcher.log; we wait until it answers. */
async function upDetached(command: CliCommand): Promise<number> {
  const client = controlClientOf(command);
  const already = await client.info(1000).catch(() => undefined);
  if (already) {
    err(`cluster: already running (launcher pid ${already.pid}) at ${client.url}\n`);
    return 1;
  }
  const runDir = command.runDir ? path.resolve(command.runDir) : defaultRunDir(repoRoot(), portBaseOf(command));
  fs.mkdirSync(runDir, { recursive: true });
  const logFile = path.join(runDir, 'launcher.log');
  const fd = fs.openSync(logFile, 'w');
  const args = process.argv.slice(2).filter((a) => a !== '-d' && a !== '--detach');
  const child = spawn(process.execPath, [__filename, ...args, '--daemon-child'], { detached: true, stdio: ['ignore', fd, fd], env: process.env });
  fs.closeSync(fd);
  let exited = false;
  child.once('exit', () => { exited = true; });
  child.unref();
  // The control API opens before the proxy; `up` is done when the proxy (and HAProxy, nginx: started after it) run too.
  const up = await pollUntil(async () => {
    const services = await client.services();
    return [...(['proxy'] as string[]), ...command.balancers].every((name) => services.find((s) => s.name === name)?.state === 'running');
  },
    { timeoutMs: 120_000, stepMs: 250, stop: () => exited });
  const info = up ? await client.info(1000).catch(() => undefined) : undefined;
  if (info) {
    out(upBanner(info, false));
    out(`  launcher       pid ${info.pid}, log ${logFile}\n`);
    return 0;
  }
  // The log is the launcher's own output (its messages carry their prefix already): quoted below, not run on.
  err(`cluster: the launcher did not come up; its log, ${logFile}:\n${fs.readFileSync(logFile, 'utf8').trimEnd()}\n`);
  if (!exited && child.pid) process.kill(child.pid, 'SIGTERM');
  return 1;
}

async function down(command: CliCommand): Promise<number> {
  const client = controlClientOf(command);
  const info = await client.info(2000);
  await client.down();
  const stopped = await pollUntil(async () => !(await client.info(500).then(() => true, () => false)) && !processAlive(info.pid),
    { timeoutMs: 30_000, stepMs: 200 });
  if (stopped) {
    out('cluster: stopped\n');
    return 0;
  }
  err(`cluster: launcher pid ${info.pid} still alive after 30 s\n`);
  return 1;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function act(command: CliCommand): Promise<number> {
  const client = controlClientOf(command);
  const unknown = command.services.filter((s) => !ALL_SERVICE_NAMES.includes(s));
  if (unknown.length > 0) throw new CliUsageError(`no such service: ${unknown.join(', ')} (services: ${ALL_SERVICE_NAMES.join(', ')})`);
  let targets = command.services;
  if (targets.length === 0) {
    // Like docker compose: no service means all of them (that can take the action).
    const states = await client.services();
    const live = (s: { state: string }) => ['running', 'paused', 'starting'].includes(s.state);
    // `created` (app4 never started) is left alone, as compose leaves a profile's services alone.
    const wanted = (s: { state: string }): boolean =>
      command.verb === 'start' ? s.state === 'exited' : command.verb === 'restart' ? live(s) || s.state === 'exited' : live(s);
    targets = states.filter(wanted).map((s) => s.name);
  }
  let failed = 0;
  for (const service of targets) {
    try {
      const state = await client.act(service, command.verb, command.signal);
      out(`${service}: ${state.state}${state.pid ? ` (pid ${state.pid})` : ''}\n`);
    } catch (error) {
      failed++;
      err(`${service}: ${(error as Error).message}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function logs(command: CliCommand): Promise<number> {
  const info = await controlClientOf(command).info(1000).catch(() => undefined);
  const runDir = command.runDir ? path.resolve(command.runDir) : info?.runDir ?? defaultRunDir(repoRoot(), portBaseOf(command));
  const services = command.services.length > 0 ? command.services : [...ALL_SERVICE_NAMES, 'cluster'];
  const colour = process.stdout.isTTY === true;
  const offsets = new Map<string, number>();
  const print = (service: string, index: number): void => {
    const file = path.join(runDir, 'logs', `${service}.log`);
    if (!fs.existsSync(file)) return;
    const text = fs.readFileSync(file, 'utf8');
    const from = offsets.get(service) ?? 0;
    const end = text.lastIndexOf('\n') + 1;
    if (end <= from) return;
    for (const line of text.slice(from, end).split('\n').filter(Boolean)) {
      out(`${prefixedLine(service, line, { width: 7, colour, index })}\n`);
    }
    offsets.set(service, end);
  };
  services.forEach(print);
  if (offsets.size === 0) err(`cluster: no logs in ${runDir}/logs (has the cluster run with this port base?)\n`);
  if (!command.follow) return 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    services.forEach(print);
  }
}

async function main(argv: string[]): Promise<number> {
  const command = parseCli(argv);
  switch (command.verb) {
    case 'help':
      out(USAGE);
      return 0;
    case 'up':
      return command.detach ? upDetached(command) : upForeground(command);
    case 'down':
      return down(command);
    case 'ps':
    case 'status': {
      const client = controlClientOf(command);
      const services = await client.services();
      out(command.json ? `${JSON.stringify({ controlUrl: client.url, services }, null, 2)}\n` : servicesTable(services));
      return 0;
    }
    case 'logs':
      return logs(command);
    default:
      return act(command);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliUsageError) err(`${cliMessage('cluster', error)}\n\n${USAGE}`);
    else if (error instanceof ControlUnreachableError) err(`${cliMessage('cluster', error)}. Start one with \`npm start\` or \`npm run cluster -- up -d\` (or pass --port-base).\n`);
    else err(`${cliMessage('cluster', error)}\n`);
    process.exit(error instanceof CliUsageError ? 2 : 1);
  },
);
