import fs from 'node:fs';
import path from 'node:path';
import { renderStackFile, stackDocument } from '../../../cluster/stack-file';
import { SERVICES, SWARM } from '../../../cluster/topology';

const committed = fs.readFileSync(path.join(__dirname, '../../../docker-stack.yml'), 'utf8');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const doc = stackDocument() as Doc;

describe('docker-stack.yml', () => {
  it('when the topology is rendered, then it equals the committed docker-stack.yml', () => {
    expect(committed).toBe(renderStackFile());
  });

  it('when read, then the topology kinds are there: one app service for the replicas, the proxy and redis', () => {
    const kinds = new Set(SERVICES.map((s) => (s.kind === 'app' ? SWARM.appService : s.name)));
    expect(Object.keys(doc.services).sort()).toEqual([...kinds].sort());
    expect(doc.services.app.deploy.replicas).toBe(`\${AUTHSCALE_REPLICAS:-${SWARM.replicas}}`);
  });

  it('when read, then every service has a health check, uses dnsrr (no IPVS) and sits on the overlay network', () => {
    expect(doc.networks.cluster.driver).toBe('overlay');
    for (const service of Object.values(doc.services) as Doc[]) {
      expect(service.healthcheck).toBeDefined();
      expect(service.deploy.endpoint_mode).toBe('dnsrr');
      expect(service.networks).toEqual(['cluster']);
    }
  });

  it('when read, then replicas spread over nodes, stop gracefully one at a time, and proxy and redis are pinned to the manager', () => {
    const { app, proxy, redis } = doc.services;
    expect(app.deploy.placement.preferences).toEqual([{ spread: 'node.id' }]);
    expect(app.stop_grace_period).toBe(SWARM.stopGracePeriod);
    expect(app.deploy.update_config.parallelism).toBe(1);
    expect(proxy.deploy.placement.constraints).toEqual(['node.role == manager']);
    expect(redis.deploy.placement.constraints).toEqual(['node.role == manager']);
  });

  it('when read, then the proxy discovers tasks.app by DNS, publishes host-mode ports, and each task names its node and task', () => {
    const { app, proxy, redis } = doc.services;
    expect(proxy.environment.UPSTREAM_DNS).toBe('tasks.app:3000');
    expect(proxy.environment.UPSTREAMS).toBeUndefined();
    expect(proxy.ports.map((p: Doc) => p.mode)).toEqual(['host', 'host', 'host']);
    expect(redis.ports).toBeUndefined();
    expect(app.environment.INSTANCE_ID).toBe('{{.Node.Hostname}}.{{.Task.Name}}');
  });
});
