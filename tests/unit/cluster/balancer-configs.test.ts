import fs from 'node:fs';
import path from 'node:path';
import { affinityValue, DEV_AFFINITY_SECRET } from '../../../common/balancing';
import { clientAddressKey } from '../../../common/client-address';
import { DEVELOPMENT_SECRETS } from '../../../common/config';
import { balancerFrontends } from '../../../cluster/balancers';
import { balancerChoice, CliUsageError, parseCli } from '../../../cluster/cli-args';
import {
  BALANCER_FILES, HAPROXY_ENV, NGINX_INCLUDES, haproxyEnvironment, nginxIncludes, renderComposeBalancerConfig,
} from '../../../cluster/compose-balancers';
import { composeDocument } from '../../../cluster/compose-file';
import { localBalancerConfig, planBalancers } from '../../../cluster/local-services';
import { loadProxyConfig } from '../../../proxy/config';

const root = path.join(__dirname, '../../..');
const committed = (name: 'haproxy' | 'nginx'): string => fs.readFileSync(path.join(root, BALANCER_FILES[name]), 'utf8');
/** One section of a generated config: from its header line to the next blank line. */
const section = (text: string, header: string): string => text.split(`\n${header}\n`)[1]?.split('\n\n')[0] ?? '';
/** One nginx block at the http level: from its header line to its closing brace. */
const block = (text: string, header: string): string => text.split(`\n${header}\n`)[1]?.split('\n  }')[0] ?? '';
const local = (name: 'haproxy' | 'nginx', replicas = ['app1', 'app2', 'app3']): string => localBalancerConfig({
  name, portBase: 21080, replicas, adminToken: 'a-test-admin-token', affinitySecret: 'a-test-affinity-secret', dir: '/run/x',
});
const proxyDefaults = loadProxyConfig({});

describe('balancers/haproxy.cfg and balancers/nginx.conf (compose)', () => {
  it('when the topology is rendered, then each equals its committed file', () => {
    expect(committed('haproxy')).toBe(renderComposeBalancerConfig('haproxy'));
    expect(committed('nginx')).toBe(renderComposeBalancerConfig('nginx'));
  });

  it('when read, then they hold no secret: the key and the cookie values come from the entry at start', () => {
    for (const name of ['haproxy', 'nginx'] as const) {
      const text = committed(name);
      expect(text).not.toContain(clientAddressKey(DEVELOPMENT_SECRETS.admin));
      expect(text).not.toContain(affinityValue(DEV_AFFINITY_SECRET, 'app1'));
      expect(text).not.toContain(DEVELOPMENT_SECRETS.admin);
    }
    expect(committed('haproxy')).toContain(`-m str "\${${HAPROXY_ENV.clientKey}}"`);
    expect(committed('haproxy')).toContain(`cookie "\${${HAPROXY_ENV.affinityPrefix}APP2}"`);
    expect(committed('nginx')).toContain(`include ${NGINX_INCLUDES.clientKey};`);
    expect(block(committed('nginx'), '  upstream hash_ip {')).toContain(`include ${NGINX_INCLUDES.servers};`);
  });

  it('when the entry prepares a container, then it sets every variable HAProxy expands and writes the files nginx includes', () => {
    const env = haproxyEnvironment('token-x', 'secret-y');
    for (const [, variable] of committed('haproxy').matchAll(/"\$\{([A-Z0-9_]+)\}"/g)) expect(env[variable]).toBeDefined();
    expect(env[HAPROXY_ENV.clientKey]).toBe(clientAddressKey('token-x'));
    expect(env[`${HAPROXY_ENV.affinityPrefix}APP3`]).toBe(affinityValue('secret-y', 'app3'));
    const files = nginxIncludes('token-x', ['app1', 'app3']);
    expect(files[NGINX_INCLUDES.clientKey]).toBe(`"${clientAddressKey('token-x')}" 1;\n`);
    // A replica whose name does not resolve (app4 not started, app2 stopped) is left out: nginx refuses to start on it.
    expect(files[NGINX_INCLUDES.servers]).toBe('server app1:3000 max_fails=1 fail_timeout=2s;\nserver app3:3000 max_fails=1 fail_timeout=2s;\n');
  });

  it('when docker-compose.yml is read, then haproxy and nginx start only with their profile, published on loopback, after the proxy', () => {
    const services = composeDocument().services as Record<string, { profiles: string[]; ports: string[]; depends_on: Record<string, unknown>; build: { target: string } }>;
    expect(services.haproxy.profiles).toEqual(['haproxy']);
    expect(services.nginx.profiles).toEqual(['nginx']);
    expect(services.haproxy.ports).toEqual(['8083', '8084', '8085'].map((p, i) => `127.0.0.1:\${AUTHSCALE_PORT_HAPROXY_${['ROUND_ROBIN', 'STICKY', 'HASH'][i]}:-${p}}:${p}`));
    expect(services.nginx.ports[0]).toBe('127.0.0.1:${AUTHSCALE_PORT_NGINX_ROUND_ROBIN:-8086}:8086');
    expect(Object.keys(services.nginx.depends_on)).toEqual(['app1', 'app2', 'app3', 'proxy']);
    expect(services.haproxy.build.target).toBe('balancers');
  });
});

describe('haproxy.cfg from the topology', () => {
  const cfg = local('haproxy');

  it('when rendered for a local cluster, then its three frontends bind the ports table\'s haproxy range on loopback', () => {
    expect(balancerFrontends('haproxy', 21080).map((f) => f.port)).toEqual([21083, 21084, 21085]);
    expect(section(cfg, 'frontend round_robin')).toContain('bind 127.0.0.1:21083');
    expect(section(cfg, 'frontend sticky_cookie')).toContain('bind 127.0.0.1:21084');
    expect(section(cfg, 'frontend hash_ip')).toContain('bind 127.0.0.1:21085');
  });

  it('when a backend is read, then round-robin, the inserted cookie and the consistent hash of the client are the strategies', () => {
    expect(section(cfg, 'backend round_robin')).toContain('balance roundrobin');
    expect(section(cfg, 'backend sticky_cookie')).toContain('cookie lb insert indirect nocache httponly attr "SameSite=Lax"');
    expect(section(cfg, 'backend hash_ip')).toMatch(/balance hash var\(txn\.client\)\n\s+hash-type consistent/);
  });

  it('when the sticky backend names its servers, then each cookie value is the Node proxy\'s for that replica, so one reads the other\'s cookie', () => {
    for (const id of ['app1', 'app2', 'app3']) {
      expect(section(cfg, 'backend sticky_cookie')).toContain(`server ${id} 127.0.0.1:${21090 + Number(id.slice(3))} cookie "${affinityValue('a-test-affinity-secret', id)}"`);
    }
  });

  it('when health and retries are read, then they are the Node proxy\'s defaults: /health every second, fall and rise, a timeout per attempt', () => {
    const defaults = section(cfg, 'defaults');
    expect(defaults).toContain(`default-server check inter ${proxyDefaults.health.intervalMs}ms fall ${proxyDefaults.health.fall} rise ${proxyDefaults.health.rise}`);
    expect(defaults).toContain('on-error mark-down');
    expect(defaults).toContain(`timeout check ${proxyDefaults.health.timeoutMs}ms`);
    expect(defaults).toContain(`timeout server ${proxyDefaults.upstreamTimeoutMs}ms`);
    expect(defaults).toContain(`timeout http-request ${proxyDefaults.limits.headersTimeoutSeconds}s`);
    expect(defaults).toContain('http-check send meth GET uri /health');
    expect(defaults).toContain('option redispatch 1');
    // A POST already sent is not retried (reset or timeout): only idempotent methods are.
    expect(section(cfg, 'frontend round_robin')).toContain('http-request disable-l7-retry unless { method GET HEAD OPTIONS TRACE PUT DELETE }');
  });

  it('when a frontend reads the client address, then it believes the claim only with the key and sets X-Forwarded-For, never appends', () => {
    const fe = section(cfg, 'frontend hash_ip');
    expect(fe).toContain(`acl claim_key req.hdr(x-authscale-client-key) -m str "${clientAddressKey('a-test-admin-token')}"`);
    expect(fe).toContain('http-request del-header x-authscale-client-key');
    expect(fe).toContain('http-request set-header X-Forwarded-For %[var(txn.client)]');
    expect(fe).not.toContain('option forwardfor');
    expect(fe).toContain('use_backend node_proxy if { path_beg /_proxy/ /_dashboard }');
  });
});

describe('nginx.conf from the topology', () => {
  const conf = local('nginx');

  it('when an upstream is read, then round-robin is the default, sticky hashes the lb cookie and hash-ip the client, each consistently', () => {
    expect(block(conf, '  upstream round_robin {')).not.toContain('hash ');
    expect(block(conf, '  upstream sticky_cookie {')).toContain('hash $authscale_affinity consistent;');
    expect(block(conf, '  upstream hash_ip {')).toContain('hash $authscale_client consistent;');
    expect(block(conf, '  upstream hash_ip {')).toContain('server 127.0.0.1:21092 max_fails=1 fail_timeout=2s;');
    expect(block(conf, '  upstream hash_ip {')).toContain('keepalive');
  });

  it('when the sticky frontend answers a client without the cookie, then it sets a random one ($request_id) that its upstream hashes', () => {
    expect(conf).toMatch(/map \$cookie_lb \$authscale_affinity \{\n\s+default \$cookie_lb;\n\s+"" \$request_id;/);
    expect(conf).toContain('"" "lb=$request_id; Path=/; HttpOnly; SameSite=Lax";');
    expect(conf).toContain('add_header Set-Cookie $authscale_set_affinity always;');
  });

  it('when health is read, then it is passive only (no active check exists in open-source nginx) and a refused attempt goes to the next server', () => {
    expect(conf).not.toMatch(/health_check|check interval/);
    expect(conf).toContain('proxy_next_upstream error timeout;');
    expect(conf).toContain(`proxy_read_timeout ${proxyDefaults.upstreamTimeoutMs / 1000}s;`);
  });

  it('when the claim is read, then the key is a map entry and the address is believed only behind it; both headers are cleared', () => {
    expect(conf).toContain(`"${clientAddressKey('a-test-admin-token')}" 1;`);
    expect(conf).toContain('"~^1:(?<claimed>[0-9A-Fa-f:.]+)$" $claimed;');
    expect(conf).toContain('proxy_set_header X-Forwarded-For $authscale_client;');
    expect(conf).toContain('proxy_set_header X-Authscale-Client-Key "";');
  });

  it('when app4 has been started, then the next config lists it (a reload admits it)', () => {
    expect(block(local('nginx', ['app1', 'app2', 'app3', 'app4']), '  upstream round_robin {')).toContain('server 127.0.0.1:21094');
    expect(block(conf, '  upstream round_robin {')).not.toContain('21094');
  });
});

describe('--lb', () => {
  it('when given node, haproxy, nginx or a list, then the launcher gets the external balancers to start', () => {
    expect(balancerChoice('node')).toEqual([]);
    expect(balancerChoice('haproxy,nginx')).toEqual(['haproxy', 'nginx']);
    expect(parseCli(['up', '--lb', 'nginx']).balancers).toEqual(['nginx']);
    expect(() => balancerChoice('envoy')).toThrow(CliUsageError);
  });

  it('when a balancer is not installed, then the plan names it and how to install it', () => {
    const [plan] = planBalancers(['haproxy'], { PATH: '/nonexistent', HAPROXY_BIN: '/nonexistent/haproxy' });
    expect(plan).toEqual({ name: 'haproxy', missing: expect.stringContaining('apt-get install haproxy') });
  });
});
