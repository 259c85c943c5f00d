import fs from 'node:fs';
import path from 'node:path';
import { DISTANCE_COMPOSE_FILE, renderDistanceComposeFile } from '../../../cluster/compose-distance';
import { composeDocument, haComposeDocument, renderComposeFile, renderHaComposeFile, renderProductionOverride } from '../../../cluster/compose-file';
import { APP_REPLICAS, CPU_QUOTA_VARIABLES, SERVICES, SERVICE_NAMES, localPorts } from '../../../cluster/topology';
import { toYaml, yamlScalar } from '../../../cluster/yaml';
import { loadAppConfig } from '../../../services/app/config';

const committed = fs.readFileSync(path.join(__dirname, '../../../docker-compose.yml'), 'utf8');

describe('docker-compose.yml', () => {
  it('when the topology is rendered, then it equals the committed docker-compose.yml', () => {
    expect(committed).toBe(renderComposeFile());
  });

  it('when read, then every topology service is there with a health check and no automatic restart', () => {
    for (const name of SERVICE_NAMES) {
      const block = committed.split(`\n  ${name}:\n`)[1]?.split(/\n {2}\S/)[0];
      expect(block).toBeDefined();
      expect(block).toContain('healthcheck:');
      expect(block).toContain('restart: "no"');
    }
  });

  it('when read, then app4 only starts with the scale profile and redis is not published', () => {
    const app4 = committed.split('\n  app4:\n')[1].split('\n  proxy:\n')[0];
    expect(app4).toMatch(/profiles:\n\s+- scale/);
    const redis = committed.split('\n  redis:\n')[1].split('\n  app1:\n')[0];
    expect(redis).not.toContain('ports:');
    expect(redis).toContain('--appendonly');
  });
});

describe('CPU quotas', () => {
  it('when rendered, then every service takes its kind\'s quota variable through deploy.resources.limits.cpus, 0 (none) by default', () => {
    const services = composeDocument().services as Record<string, { deploy?: { resources?: { limits?: { cpus?: string } } } }>;
    for (const spec of SERVICES) {
      if (spec.kind === 'sentinel' || spec.kind === 'balancer') throw new Error(`a ${spec.kind} among SERVICES: ${spec.name}`);
      expect(services[spec.name].deploy?.resources?.limits?.cpus).toBe(`\${${CPU_QUOTA_VARIABLES[spec.kind]}:-0}`);
    }
    expect(new Set(Object.values(CPU_QUOTA_VARIABLES)).size).toBe(3);
  });
});

describe('docker-compose.distance.yml', () => {
  const distance = fs.readFileSync(path.join(__dirname, '../../../', DISTANCE_COMPOSE_FILE), 'utf8');

  it('when the topology is rendered, then it equals the committed override', () => {
    expect(distance).toBe(renderDistanceComposeFile());
  });

  it('when read, then every replica reaches Redis and the proxy reaches every replica through the injector, whose control port is on loopback only', () => {
    for (const name of APP_REPLICAS) {
      const block = distance.split(`\n  ${name}:\n`)[1].split(/\n {2}\S/)[0];
      expect(block).toContain('@latency:6379"');
      expect(block).toMatch(/depends_on:\n\s+latency:\n\s+condition: service_healthy/);
    }
    const proxy = distance.split('\n  proxy:\n')[1];
    expect(proxy).toContain(APP_REPLICAS.map((name, i) => `${name}=http://latency:${3001 + i}`).join(','));
    const latency = distance.split('\n  latency:\n')[1].split('\n  app1:\n')[0];
    expect(latency).toMatch(/ports:\n\s+- "127\.0\.0\.1:\$\{AUTHSCALE_PORT_LATENCY:-8095\}:8095"/);
    expect(latency).toContain('restart: "no"');
  });
});

describe('docker-compose.production.yml', () => {
  const production = fs.readFileSync(path.join(__dirname, '../../../docker-compose.production.yml'), 'utf8');

  it('when the topology is rendered, then it equals the committed override', () => {
    expect(production).toBe(renderProductionOverride());
  });

  it('when read, then every app and the proxy run in production and the proxy reads a certificate and is probed over HTTPS', () => {
    for (const name of SERVICE_NAMES.filter((n) => n !== 'redis')) {
      expect(production.split(`\n  ${name}:\n`)[1]?.split(/\n {2}\S/)[0]).toContain('APP_ENV: production');
    }
    const proxy = production.split('\n  proxy:\n')[1];
    expect(proxy).toContain('TLS_CERT_FILE: /run/authscale-tls/cert.pem');
    expect(proxy).toMatch(/AUTHSCALE_TLS_DIR:-\.\/tls\}:\/run\/authscale-tls:ro/);
    expect(proxy).toContain("require('node:https')");
  });
});

describe('docker-compose.ha.yml (HA Redis override)', () => {
  const ha = fs.readFileSync(path.join(__dirname, '../../../docker-compose.ha.yml'), 'utf8');

  it('when the topology is rendered, then it equals the committed docker-compose.ha.yml', () => {
    expect(ha).toBe(renderHaComposeFile());
  });

  it('when read, then every Redis node and Sentinel is known by its service name alone (a node known by name and by address is two nodes to a Sentinel)', () => {
    for (const node of ['redis', 'redis2']) {
      expect(ha.split(`\n  ${node}:\n`)[1].split(/\n {2}\S/)[0]).toContain(`--replica-announce-ip ${node} `);
    }
    for (const sentinel of ['sentinel1', 'sentinel2', 'sentinel3']) {
      expect(ha.split(`\n  ${sentinel}:\n`)[1].split(/\n {2}\S/)[0]).toContain(`\\"sentinel announce-ip ${sentinel}\\"`);
    }
  });

  it('when a Redis node starts, then it asks the Sentinels which node is primary and starts as its replica, or as the primary when it is the one they name', () => {
    const redis = ha.split('\n  redis:\n')[1].split('\n  redis2:\n')[0];
    expect(redis).toContain('sentinel get-master-addr-by-name authscale');
    expect(redis).toContain('[ -n \\"$$primary\\" ] || primary=redis; if [ \\"$$primary\\" = redis ]; then set --;');
  });

  it('when read, then redis2 replicates redis, three Sentinels watch it, and every app replica asks them', () => {
    // redis2 replicates the node the Sentinels name primary, redis on the first `up` (none answers yet).
    expect(ha.split('\n  redis2:\n')[1].split('\n  sentinel1:\n')[0]).toContain('[ -n \\"$$primary\\" ] || primary=redis; if [ \\"$$primary\\" = redis2 ]; then set --; else set -- --replicaof \\"$$primary\\" 6379; fi');
    for (const name of ['sentinel1', 'sentinel2', 'sentinel3']) {
      const block = ha.split(`\n  ${name}:\n`)[1]?.split(/\n {2}\S/)[0];
      expect(block).toContain('sentinel monitor authscale redis 6379 2');
      expect(block).toContain('healthcheck:');
      expect(block).not.toContain('ports:');
    }
    for (const app of APP_REPLICAS) {
      expect(ha.split(`\n  ${app}:\n`)[1]).toMatch(/^ {4}environment:\n {6}REDIS_SENTINELS: "sentinel1:26379,sentinel2:26379,sentinel3:26379"/);
    }
  });

  it('when SESSION_WAIT_REPLICAS is set in the shell or .env, then every replica of the HA stack WAITs for that many replicas, as the launcher\'s do; unset, the app\'s default', () => {
    type Services = Record<string, { environment?: Record<string, string> }>;
    const base = composeDocument().services as Services;
    const override = haComposeDocument().services as Services;
    // What compose does with `${NAME:-default}`: the shell's (or .env's) value when set and not empty.
    const substitute = (value: string, shell: Record<string, string>): string =>
      value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) => shell[name] || fallback);
    for (const app of APP_REPLICAS) {
      const environment = { ...base[app].environment, ...override[app].environment };
      const replica = (shell: Record<string, string>) =>
        loadAppConfig(Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, substitute(value, shell)])), 2);
      expect(replica({ SESSION_WAIT_REPLICAS: '1' }).sessionWait).toEqual({ replicas: 1, timeoutMs: 250 });
      expect(replica({ SESSION_WAIT_REPLICAS: '1', SESSION_WAIT_TIMEOUT_MS: '800', REDIS_COMMAND_TIMEOUT_MS: '1000' }).sessionWait).toEqual({ replicas: 1, timeoutMs: 800 });
      expect(replica({}).sessionWait).toEqual(loadAppConfig({}, 2).sessionWait);
    }
  });
});

describe('local ports', () => {
  it('when the port base is 8080, then frontends, control, apps and redis get the contract ports', () => {
    const ports = localPorts(8080);
    expect(ports.frontends.map((f) => f.port)).toEqual([8080, 8081, 8082]);
    expect(ports.control).toBe(8090);
    expect(APP_REPLICAS.map((a) => ports.apps[a])).toEqual([8091, 8092, 8093, 8094]);
    expect(ports.redis).toBe(8100);
  });
});

describe('yaml writer', () => {
  it('when a string could be misread (yes, a port pair, a variable), then it is quoted', () => {
    expect(yamlScalar('yes')).toBe('"yes"');
    expect(yamlScalar('127.0.0.1:8080:8080')).toBe('"127.0.0.1:8080:8080"');
    expect(yamlScalar('${X:-a}')).toBe('"${X:-a}"');
    expect(yamlScalar('redis')).toBe('redis');
  });

  it('when given nested maps, lists of maps and comments, then it indents them as YAML', () => {
    expect(toYaml({ a: { '#': 'why', b: [1, 'x'], c: [{ d: 'e', f: 'g' }], h: {} } })).toBe(
      'a:\n  # why\n  b:\n    - 1\n    - x\n  c:\n    - d: e\n      f: g\n  h: {}\n',
    );
  });
});
