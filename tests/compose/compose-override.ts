import { execFile } from 'node:child_process';

/**
 * `docker compose -p PROJECT -f docker-compose.yml -f OVERRIDE …` in the stack's directory, for
 * the tests that restart run.sh's stack with an override file as a user would.
 */
export type ComposeCommand = (...args: string[]) => Promise<string>;

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())));
  });
}

export function composeOverride(dir: string, project: string, override: string): ComposeCommand {
  const compose = (process.env.AUTHSCALE_COMPOSE_CMD ?? 'docker compose').split(' ');
  return (...args) => run(compose[0], [...compose.slice(1), '-p', project, '-f', 'docker-compose.yml', '-f', override, ...args], dir, 300_000);
}

/** Every container of these services reports healthy. */
export async function composeHealthy(dc: ComposeCommand, services: readonly string[]): Promise<boolean> {
  for (const service of services) {
    const id = await dc('ps', '-q', service).catch(() => '');
    if (!id) return false;
    if ((await run('docker', ['inspect', '-f', '{{.State.Health.Status}}', id], '.', 30_000).catch(() => '')) !== 'healthy') return false;
  }
  return true;
}
