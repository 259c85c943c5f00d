import { SWARM } from '../cluster/topology';
import { execCommand } from './compose-target';
import { NEW_REPLICA } from './scenarios/scale-out';
import { fetchProxyStatus, runShell, type BenchTarget, type FaultActions, type FaultVerb, type Frontend, type SwarmControl, type SwarmNode, type SwarmTask } from './target';

/**
 * `npm run bench -- --swarm [--stack NAME]`: a running `docker stack deploy` of docker-stack.yml,
 * driven through the docker CLI of a manager (DOCKER_HOST). The frontends' ports come from the proxy
 * service's published ports (host mode, on the node running the proxy, which must be this machine:
 * the bench sends load to 127.0.0.1 only). Faults are the swarm's own verbs: `docker service scale`
 * (scale-out), `docker node update --availability drain|active` (node-drain), `docker service update
 * --force` (rolling-deploy), and the user's commands for a node crash (node-crash). Replicas are
 * tasks swarm replaces by itself, so kill-, pause-replica and kill-redis are not offered.
 */
export interface SwarmOptions {
  stack: string;
  adminToken: string;
  /** The node to drain or crash; default: a worker running app tasks. */
  node?: string;
  /** Shell commands that crash the node and bring it back ($AUTHSCALE_NODE names it). */
  crashCommand?: string;
  restoreCommand?: string;
}

const docker = (args: readonly string[], timeoutMs = 60_000): Promise<string> => execCommand('docker', args, { cwd: process.cwd(), timeoutMs });

/** `docker service inspect … {{json .Endpoint.Ports}}` → published host port per container port (pure). */
export function publishedPorts(json: string): Map<number, number> {
  const ports = (JSON.parse(json || 'null') ?? []) as { TargetPort?: number; PublishedPort?: number }[];
  return new Map(ports.filter((p) => p.TargetPort && p.PublishedPort).map((p) => [p.TargetPort!, p.PublishedPort!]));
}

/** `docker node inspect --format '{{json .}}'` lines → nodes (pure). */
export function parseNodes(lines: string, selfId: string): SwarmNode[] {
  return lines.split('\n').filter(Boolean).map((line) => {
    const n = JSON.parse(line) as {
      ID: string; Spec: { Role: string; Availability: string }; Status: { State: string; Addr: string };
      Description: { Hostname: string; Resources: { NanoCPUs: number; MemoryBytes: number }; Engine: { EngineVersion: string } };
    };
    return {
      id: n.ID, hostname: n.Description.Hostname, role: n.Spec.Role, availability: n.Spec.Availability, state: n.Status.State,
      address: n.Status.Addr, cpus: n.Description.Resources.NanoCPUs / 1e9, memoryBytes: n.Description.Resources.MemoryBytes,
      engine: n.Description.Engine.EngineVersion, self: n.ID === selfId,
    };
  }).sort((a, b) => a.hostname.localeCompare(b.hostname));
}

/** `docker service ps --format '{{.ID}} {{.Name}} {{.Node}} {{.CurrentState}}'` lines → tasks (pure). */
export function parseTasks(lines: string): SwarmTask[] {
  return lines.split('\n').filter(Boolean).map((line) => {
    const [id, name, node, ...state] = line.trim().split(/\s+/);
    return { id, name, node, state: state.join(' ') };
  });
}

/**
 * The node node-drain and node-crash act on (pure): the one asked for, else the node other than the
 * bench's own (where the proxy and Redis are pinned) that runs the most app tasks; undefined when none.
 */
export function chooseNode(nodes: readonly SwarmNode[], tasks: readonly SwarmTask[], asked?: string): string | undefined {
  if (asked) return asked;
  const count = (hostname: string): number => tasks.filter((t) => t.node === hostname).length;
  return nodes.filter((n) => !n.self && n.state === 'ready' && n.availability === 'active')
    .sort((a, b) => count(b.hostname) - count(a.hostname) || a.hostname.localeCompare(b.hostname))[0]?.hostname;
}

/**
 * The proxy's first frontend as this node reaches it (`http://127.0.0.1:<published port>`), or why
 * there is none here: the proxy runs on another node, or does not publish that port.
 */
export async function localProxyUrl(stack: string): Promise<{ url: string } | string> {
  const proxyService = `${stack}_proxy`;
  const proxyNode = (await docker(['service', 'ps', proxyService, '--filter', 'desired-state=running', '--format', '{{.Node}}'])).split('\n')[0];
  const self = await docker(['node', 'inspect', 'self', '--format', '{{.Description.Hostname}}']);
  if (!proxyNode || proxyNode !== self) return `${proxyService} runs on node ${proxyNode || '(none yet)'}, not on ${self || 'this one'}`;
  const port = publishedPorts(await docker(['service', 'inspect', proxyService, '--format', '{{json .Endpoint.Ports}}'])).get(SWARM_FRONTEND_PORT);
  return port ? { url: `http://127.0.0.1:${port}` } : `${proxyService} does not publish port ${SWARM_FRONTEND_PORT}`;
}

export async function connectSwarm(options: SwarmOptions): Promise<BenchTarget> {
  const { stack } = options;
  const appService = `${stack}_${SWARM.appService}`;
  const proxyService = `${stack}_proxy`;
  const selfId = await docker(['node', 'inspect', 'self', '--format', '{{.ID}}'], 20_000).catch((error: Error) => {
    throw new Error(`the docker engine the bench talks to (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'default'}) is not a swarm manager: ${error.message}`);
  });
  const portsJson = await docker(['service', 'inspect', proxyService, '--format', '{{json .Endpoint.Ports}}'], 20_000).catch((error: Error) => {
    throw new Error(`no stack "${stack}" on this swarm (${error.message}); deploy it first: npm run swarm -- deploy --stack ${stack}`);
  });
  const published = publishedPorts(portsJson);
  const nodes = async (): Promise<SwarmNode[]> => parseNodes(await docker(['node', 'inspect', ...(await docker(['node', 'ls', '-q'])).split('\n').filter(Boolean), '--format', '{{json .}}']), selfId);
  const appTasks = async (): Promise<SwarmTask[]> =>
    parseTasks(await docker(['service', 'ps', appService, '--filter', 'desired-state=running', '--no-trunc', '--format', '{{.ID}} {{.Name}} {{.Node}} {{.CurrentState}}']));
  const local = await localProxyUrl(stack);
  if (typeof local === 'string') throw new Error(`${local}: the bench sends load to 127.0.0.1 only, so run it on the node that publishes the proxy's ports`);
  const { url } = local;
  const status = await fetchProxyStatus(url);
  const frontends: Frontend[] = status.frontends.map((f) => {
    const port = published.get(f.port);
    if (!port) throw new Error(`${proxyService} serves port ${f.port}, which it does not publish`);
    return { port, strategy: f.strategy, url: `http://127.0.0.1:${port}` };
  });
  const replicas = Number(await docker(['service', 'inspect', appService, '--format', '{{.Spec.Mode.Replicated.Replicas}}']));
  const node = chooseNode(await nodes(), await appTasks(), options.node);
  const rollingUpdateCommand = `docker service update --force ${appService}`;
  const swarm: SwarmControl = {
    stack, appService, replicas, node, nodes, appTasks, rollingUpdateCommand,
    rollingUpdate: async () => {
      // --detach=false: returns once the update has converged (every task replaced, one at a time).
      await docker(['service', 'update', '--force', '--detach=false', '--quiet', appService], 15 * 60_000);
    },
  };
  return {
    url,
    local: false,
    kind: 'docker swarm',
    frontends,
    // A swarm stack runs no HAProxy or nginx: the proxy is its only balancer.
    balancer: 'node',
    balancers: [{ name: 'node', frontends: frontends.map((f) => ({ ...f, balancer: 'node' })), cpuMicros: async () => undefined, cpuCounts: 'not read on a swarm' }],
    adminToken: options.adminToken,
    faults: swarmFaults(swarm, options),
    swarm,
    replicasThroughProxyOnly: true,
    status: () => fetchProxyStatus(url),
    close: async () => undefined,
  };
}

/** The proxy's first frontend inside its container (docker-stack.yml: 8080 round-robin). */
const SWARM_FRONTEND_PORT = 8080;

/**
 * The swarm's fault verbs. Scale-out's "start app4" is one more task (`docker service scale`), its
 * "stop" the scale back; node verbs act on the chosen node; replica and Redis kills are refused.
 */
export function swarmFaults(swarm: Pick<SwarmControl, 'appService' | 'replicas' | 'node'>, options: Pick<SwarmOptions, 'crashCommand' | 'restoreCommand'>): FaultActions {
  const scaleTo = (verb: FaultVerb): number => (verb === 'start' ? swarm.replicas + 1 : swarm.replicas);
  const nodeCommand = (verb: FaultVerb): string | undefined => (verb === 'crash' ? options.crashCommand : verb === 'restore' ? options.restoreCommand : undefined);
  const describe = (service: string, verb: FaultVerb): string => {
    if (service === NEW_REPLICA) return `docker service scale ${swarm.appService}=${scaleTo(verb)}`;
    if (verb === 'drain' || verb === 'activate') return `docker node update --availability ${verb === 'drain' ? 'drain' : 'active'} ${service}`;
    if (verb === 'crash' || verb === 'restore') return `${verb} ${service}: ${nodeCommand(verb) ?? '(no command)'}`;
    return `${verb} ${service}`;
  };
  return {
    describe,
    unavailable(service, verb) {
      if (service === NEW_REPLICA && (verb === 'start' || verb === 'stop')) return undefined;
      if (verb === 'drain' || verb === 'activate' || verb === 'crash' || verb === 'restore') {
        if (!swarm.node) return 'the swarm has no node besides the bench\'s own with app tasks to lose (one node, or every other node drained or down): give --node NAME';
        if (service !== swarm.node) return `the bench acts on node ${swarm.node} only (--node)`;
        if ((verb === 'crash' || verb === 'restore') && (!options.crashCommand || !options.restoreCommand)) {
          return `a node crash is a command the bench cannot give for you: --crash-node CMD stops ${swarm.node}'s engine the way a crash does (e.g. power it off), --restore-node CMD brings it back; both see the node's name in $AUTHSCALE_NODE`;
        }
        return undefined;
      }
      return `"${verb} ${service}" is not a swarm verb: swarm replaces a lost task by itself (kill-replica, pause-replica and kill-redis run on the bench's own cluster or --compose; on a swarm, rolling-deploy, node-drain and node-crash take replicas away)`;
    },
    async run(service, verb) {
      if (service === NEW_REPLICA) {
        // Detached: the scenario watches the proxy admit the new task (and let the old one go).
        await docker(['service', 'scale', '--detach=true', `${swarm.appService}=${scaleTo(verb)}`]);
        return;
      }
      if (verb === 'drain' || verb === 'activate') {
        await docker(['node', 'update', '--availability', verb === 'drain' ? 'drain' : 'active', service]);
        return;
      }
      const command = nodeCommand(verb);
      if (!command) throw new Error(`not offered on a swarm: ${verb} ${service}`);
      await runShell(command, 180_000, { AUTHSCALE_NODE: service });
    },
  };
}
