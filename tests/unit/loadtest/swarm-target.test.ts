import { chooseNode, parseNodes, parseTasks, publishedPorts, swarmFaults } from '../../../loadtest/swarm-target';
import type { SwarmNode, SwarmTask } from '../../../loadtest/target';

const node = (hostname: string, partial: Partial<SwarmNode> = {}): SwarmNode => ({
  id: `id-${hostname}`, hostname, role: 'worker', availability: 'active', state: 'ready', address: '10.0.0.1', cpus: 2, memoryBytes: 1, engine: '20.10', self: false, ...partial,
});
const task = (name: string, nodeName: string): SwarmTask => ({ id: `t-${name}`, name, node: nodeName, state: 'Running 1 minute ago' });

describe('swarm target (--swarm): what the docker CLI says, read', () => {
  it('when the proxy publishes host-mode ports, then each container port maps to its published port', () => {
    const json = '[{"Protocol":"tcp","TargetPort":8080,"PublishedPort":22083,"PublishMode":"host"},{"Protocol":"tcp","TargetPort":8081,"PublishedPort":22084,"PublishMode":"host"}]';
    expect([...publishedPorts(json)]).toEqual([[8080, 22083], [8081, 22084]]);
    expect(publishedPorts('null').size).toBe(0);
  });

  it('when docker node inspect describes the nodes, then each has its role, state, address and resources, and the bench\'s own is marked', () => {
    const line = (id: string, host: string, role: string) => JSON.stringify({
      ID: id, Spec: { Role: role, Availability: 'active' }, Status: { State: 'ready', Addr: `10.77.0.${id === 'a' ? 1 : 2}` },
      Description: { Hostname: host, Resources: { NanoCPUs: 2e9, MemoryBytes: 25276510208 }, Engine: { EngineVersion: '20.10.24' } },
    });
    const nodes = parseNodes(`${line('b', 'swarm2', 'worker')}\n${line('a', 'vm', 'manager')}\n`, 'a');
    expect(nodes.map((n) => [n.hostname, n.role, n.self, n.cpus, n.address])).toEqual([['swarm2', 'worker', false, 2, '10.77.0.2'], ['vm', 'manager', true, 2, '10.77.0.1']]);
  });

  it('when docker service ps lists tasks, then each has its id, name, node and state', () => {
    expect(parseTasks('m0f0 h14_app.1 swarm2 Running 3 minutes ago\nlskw h14_app.2 vm Starting 2 seconds ago\n')).toEqual([
      { id: 'm0f0', name: 'h14_app.1', node: 'swarm2', state: 'Running 3 minutes ago' },
      { id: 'lskw', name: 'h14_app.2', node: 'vm', state: 'Starting 2 seconds ago' },
    ]);
  });

  it('when no node is asked for, then node-drain and node-crash act on the ready, active node other than the bench\'s that runs the most app tasks', () => {
    const nodes = [node('vm', { self: true, role: 'manager' }), node('w1'), node('w2'), node('w3', { availability: 'drain' })];
    const tasks = [task('a.1', 'vm'), task('a.2', 'w2'), task('a.3', 'w2'), task('a.4', 'w1'), task('a.5', 'w3')];
    expect(chooseNode(nodes, tasks)).toBe('w2');
    expect(chooseNode(nodes, tasks, 'w1')).toBe('w1');
    expect(chooseNode([node('vm', { self: true })], tasks)).toBeUndefined();
  });
});

describe('swarm target: its fault verbs', () => {
  const faults = swarmFaults({ appService: 'h14_app', replicas: 3, node: 'swarm2' }, { crashCommand: 'power-off', restoreCommand: 'power-on' });

  it('when scale-out starts and stops "app4", then that is docker service scale to one more task and back', () => {
    expect(faults.unavailable('app4', 'start')).toBeUndefined();
    expect(faults.describe?.('app4', 'start')).toBe('docker service scale h14_app=4');
    expect(faults.describe?.('app4', 'stop')).toBe('docker service scale h14_app=3');
  });

  it('when the chosen node is drained or crashed, then that is docker node update or the user\'s commands; another node is refused', () => {
    expect(faults.unavailable('swarm2', 'drain')).toBeUndefined();
    expect(faults.describe?.('swarm2', 'activate')).toBe('docker node update --availability active swarm2');
    expect(faults.unavailable('swarm2', 'crash')).toBeUndefined();
    expect(faults.describe?.('swarm2', 'crash')).toBe('crash swarm2: power-off');
    expect(faults.unavailable('vm', 'drain')).toMatch(/acts on node swarm2 only/);
  });

  it('when a replica or Redis is to be killed or paused, then the swarm target says why it does not offer it', () => {
    for (const [service, verb] of [['app2', 'kill'], ['app2', 'pause'], ['redis', 'kill']] as const) {
      expect(faults.unavailable(service, verb)).toMatch(/not a swarm verb: swarm replaces a lost task by itself/);
    }
  });

  it('when no crash commands were given or there is no second node, then node-crash and node-drain say what is missing', () => {
    const noCommands = swarmFaults({ appService: 'h14_app', replicas: 3, node: 'swarm2' }, {});
    expect(noCommands.unavailable('swarm2', 'crash')).toMatch(/--crash-node CMD .* --restore-node CMD/);
    const oneNode = swarmFaults({ appService: 'h14_app', replicas: 3, node: undefined }, {});
    expect(oneNode.unavailable('', 'drain')).toMatch(/no node besides the bench's own/);
  });
});
