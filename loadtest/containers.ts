import { execFile } from 'node:child_process';

/**
 * The containers behind a docker target, for what only they can tell: each service's container
 * (its cgroup CPU accounting) and a command run inside one (redis-cli). Docker targets only.
 */
export interface ContainerAccess {
  /** The running container of a service, or undefined when it has none. */
  containerId(service: string): Promise<string | undefined>;
  /** `docker exec <container> …args`, its stdout. */
  exec(containerId: string, args: readonly string[]): Promise<string>;
  /** Host ports the stack publishes (docker-proxy forwards them). */
  publishedPorts: readonly number[];
}

export interface ComposeRunner {
  run(args: readonly string[], timeoutMs?: number): Promise<string>;
}

export function dockerExec(containerId: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', ['exec', containerId, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker exec ${containerId.slice(0, 12)} ${args.join(' ')} failed: ${(stderr || error.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** A compose stack's containers: `docker compose ps -q <service>` names each one. */
export function composeContainers(compose: ComposeRunner, publishedPorts: readonly number[]): ContainerAccess {
  return {
    async containerId(service) {
      const out = await compose.run(['ps', '-q', service], 30_000).catch(() => '');
      return out.trim().split('\n').find((line) => /^[0-9a-f]{12,}$/.test(line.trim()))?.trim();
    },
    exec: (containerId, args) => dockerExec(containerId, args),
    publishedPorts,
  };
}
