import path from 'node:path';
import { cliMessage } from '../common/cli-message';
import { ConfigError, DEVELOPMENT_SECRETS } from '../common/config';
import { runBench, TargetCannotRun } from './bench';
import { parseBenchArgs, USAGE } from './options';
import { formatProgress, formatSummary } from './progress';
import { repoRoot } from '../common/repo-root';
import { writeResults } from './write-results';

/** `npm run bench -- [options]`: parse, run, write the reports, print the verdicts. */
async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseBenchArgs(process.argv.slice(2), {
      adminToken: process.env.ADMIN_TOKEN || DEVELOPMENT_SECRETS.admin, now: new Date(), composeProject: process.env.COMPOSE_PROJECT_NAME || undefined,
      swarmStack: process.env.AUTHSCALE_STACK || undefined,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${cliMessage('bench', error)}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = parsed.config;
  if (config.target && config.scenarios.includes('failover-redis')) {
    process.stderr.write('bench: failover-redis cannot run against --target: it starts its own local clusters (HA and single Redis, one per variant). Run it without --target.\n');
    return 2;
  }
  const root = repoRoot();
  const live = process.stderr.isTTY === true;
  // npm runs scripts in the package root; INIT_CWD is where the user typed `npm run bench`.
  const run = runBench(config, { root, cwd: process.env.INIT_CWD ?? process.cwd() });
  run.on('progress', (p) => {
    // one rewritten line on a terminal, a line every update otherwise (CI logs)
    if (live) process.stderr.write(`\r\x1b[K${formatProgress(p)}`);
    else process.stderr.write(`${formatProgress(p)}\n`);
  });
  run.on('log', (message) => process.stderr.write(`${live ? '\r\x1b[K' : ''}${message}\n`));

  let stopping = false;
  const interrupt = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\ninterrupted: ${config.target || config.compose || config.swarm ? 'undoing the faults this run caused' : 'stopping the local cluster'}; partial results follow (Ctrl-C again to force)\n`);
    void run.abort().then((undone) => {
      if (undone.length > 0) process.stderr.write(`undone: ${undone.join(', ')}\n`);
    });
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  let results;
  try {
    results = await run;
  } catch (error) {
    if (error instanceof TargetCannotRun) {
      process.stderr.write(`${cliMessage('bench', error)}\n`);
      return 2;
    }
    throw error;
  }
  const outDir = path.resolve(config.outDir);
  await writeResults(outDir, results);
  if (live) process.stderr.write('\r\x1b[K');
  process.stdout.write(`${formatSummary(results, outDir)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`\nbench failed: ${error.message}\n`);
    process.exit(1);
  },
);
