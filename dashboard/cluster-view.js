// The cluster as the proxy and the replicas report it, refreshed live, with the controls to
// break it: buttons through the proxy's relay to the local launcher, or the docker command.
import { describeFrontend, dockerCommand, frontendLinks, instanceSlot, redisPrimary, serviceRows, verbsFor } from './model.js';
import { describeFailure } from './api.js';

const TOKEN_KEY = 'authscale.adminToken';

export class ClusterView {
  /**
   * @param {Document} doc
   * @param {{ api: ReturnType<import('./api.js').createApi>, storage: Storage | null, here: Location, now: () => Date,
   *          onStatus?: (status: object | null) => void }} deps
   */
  constructor(doc, deps) {
    this.doc = doc;
    this.deps = deps;
    this.control = undefined;
    /** @type {string | null} the Redis node the Sentinels call primary (HA), if any */
    this.primary = null;
    doc.getElementById('kill-redis-primary').addEventListener('click', () => {
      if (this.primary) void this.act(this.primary, 'kill');
    });
    this.tokenInput = /** @type {HTMLInputElement} */ (doc.getElementById('admin-token'));
    this.message = doc.getElementById('control-message');
    this.tokenInput.value = this.readToken();
    this.tokenInput.addEventListener('change', () => this.storeToken(this.tokenInput.value.trim()));
    doc.getElementById('admin-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.storeToken(this.tokenInput.value.trim());
      this.say('Token kept for this tab.', true);
    });
  }

  /** One refresh: the proxy's view, the launcher's processes (local cluster only), Redis via /ready. */
  async refresh() {
    const { api } = this.deps;
    const [status, ready] = await Promise.all([api.proxyStatus(), api.ready()]);
    const proxyUp = status.status === 200 && status.body && typeof status.body === 'object';
    this.control = proxyUp ? (status.body.control ?? null) : this.control;
    const services = this.control === 'local' ? await api.clusterServices() : null;
    const redisCheck = redisHealth(ready);
    const rows = serviceRows(proxyUp ? status.body : null, services?.status === 200 ? services.body?.services : null, redisCheck);
    this.deps.onStatus?.(proxyUp ? status.body : null);
    this.renderLinks(proxyUp ? status.body.frontends : []);
    this.renderRows(rows);
    this.renderMode();
    this.renderTopology(rows, ready);
    const updated = this.doc.getElementById('cluster-updated');
    updated.textContent = proxyUp
      ? `Updated ${this.deps.now().toLocaleTimeString()}; /ready answered by ${ready.instance ?? 'no replica'}.`
      : `The proxy does not answer /_proxy/status (${describeFailure(status)}); retrying.`;
    updated.dataset.ok = String(Boolean(proxyUp));
  }

  /** Which Redis the replicas write to: the Sentinels' primary (HA, local), or what /ready reports. */
  renderTopology(rows, ready) {
    this.primary = redisPrimary(rows);
    const line = this.doc.getElementById('redis-topology');
    const nodes = rows.filter((r) => r.kind === 'redis');
    const sentinels = rows.filter((r) => r.kind === 'sentinel');
    let text;
    if (sentinels.length > 0) {
      const replicas = nodes.filter((r) => r.role === 'replica').map((r) => r.id);
      const up = sentinels.filter((r) => r.health === 'up').length;
      text = `Redis HA: primary ${this.primary ?? 'none right now (failover in progress?)'}${replicas.length ? `, replica ${replicas.join(', ')}` : ', no live replica'}; ${up} of ${sentinels.length} Sentinels up (quorum 2).`;
    } else {
      const node = ready.body?.redis?.node;
      text = node ? `Redis: ${ready.instance ?? 'a replica'} writes to ${node}${ready.body?.redis?.sentinel ? ' (found through the Sentinels)' : ''}.` : '';
    }
    if (line.textContent !== text) line.textContent = text;
    line.dataset.primary = this.primary ?? '';
    this.doc.getElementById('redis-ha-controls').hidden = !(this.control === 'local' && this.primary);
  }

  renderMode() {
    const local = this.control === 'local';
    this.doc.getElementById('controls-local').hidden = !local;
    this.doc.getElementById('controls-docker').hidden = local;
    this.doc.body.dataset.control = local ? 'local' : 'docker';
  }

  renderLinks(frontends) {
    const nav = this.doc.getElementById('frontend-links');
    const links = frontendLinks(frontends, this.deps.here);
    const key = JSON.stringify(links);
    if (nav.dataset.key === key) return;
    nav.dataset.key = key;
    const list = this.doc.createElement('ul');
    for (const link of links) {
      const item = this.doc.createElement('li');
      const anchor = this.doc.createElement('a');
      anchor.href = link.url;
      anchor.textContent = `:${link.port} ${link.strategy}`;
      anchor.dataset.testid = `frontend-${link.port}`;
      if (link.current) anchor.setAttribute('aria-current', 'page');
      item.append(anchor);
      list.append(item);
    }
    nav.replaceChildren(list);
    this.doc.getElementById('current-strategy').textContent = describeFrontend(links.find((l) => l.current));
  }

  /** Rows are updated in place, so a button keeps keyboard focus across the 1 s refresh. */
  renderRows(rows) {
    const body = this.doc.getElementById('cluster-rows');
    const local = this.control === 'local';
    const existing = new Map([...body.children].map((tr) => [/** @type {HTMLElement} */ (tr).dataset.id, tr]));
    const ordered = rows.map((row) => {
      const tr = existing.get(row.id) ?? this.createRow(row);
      this.updateRow(tr, row, local);
      return tr;
    });
    ordered.forEach((tr, index) => {
      if (body.children[index] !== tr) body.insertBefore(tr, body.children[index] ?? null);
    });
    while (body.children.length > ordered.length) body.lastElementChild.remove();
  }

  createRow(row) {
    const doc = this.doc;
    const tr = doc.createElement('tr');
    tr.dataset.id = row.id;
    tr.dataset.testid = `service-${row.id}`;
    const name = doc.createElement('th');
    name.scope = 'row';
    const swatch = doc.createElement('span');
    swatch.className = `swatch slot-${row.kind === 'redis' || row.kind === 'sentinel' ? 'redis' : instanceSlot(row.id)}`;
    swatch.setAttribute('aria-hidden', 'true');
    name.append(swatch, row.id);
    tr.append(name);
    for (const part of ['health', 'state', 'requests', 'inflight', 'failures', 'actions']) {
      const td = doc.createElement('td');
      td.dataset.part = part;
      // A flex box inside the cell (not on it) keeps the table layout intact.
      if (part === 'actions') td.append(Object.assign(doc.createElement('div'), { className: 'actions' }));
      tr.append(td);
    }
    return tr;
  }

  updateRow(tr, row, local) {
    tr.dataset.health = row.health;
    tr.dataset.state = row.state ?? '';
    tr.dataset.role = row.role ?? '';
    const cell = (part) => tr.querySelector(`td[data-part="${part}"]`);
    const health = cell('health');
    health.className = `health health-${row.health.replace(/\W+/g, ' ').trim().replace(/\s+/g, '-')}`;
    health.textContent = row.health;
    const text = (value) => (value === null || value === undefined ? '—' : String(value));
    cell('state').textContent = text(row.state);
    cell('requests').textContent = text(row.requests);
    cell('inflight').textContent = text(row.inFlight);
    cell('failures').textContent = text(row.failures);
    const verbs = local ? verbsFor(row.state) : ['kill', 'start'];
    const actionsKey = `${local}:${verbs.join(',')}`;
    const actions = cell('actions').firstElementChild;
    if (actions.dataset.key === actionsKey) return;
    actions.dataset.key = actionsKey;
    actions.replaceChildren(...verbs.map((verb) => (local ? this.controlButton(row.id, verb) : this.dockerHint(row.id, verb))));
  }

  controlButton(service, verb) {
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.textContent = verb;
    button.className = `verb verb-${verb}`;
    button.dataset.testid = `control-${service}-${verb}`;
    button.setAttribute('aria-label', `${verb} ${service}`);
    button.addEventListener('click', () => void this.act(service, verb));
    return button;
  }

  dockerHint(service, verb) {
    const code = this.doc.createElement('code');
    code.textContent = dockerCommand(verb, service);
    code.dataset.testid = `docker-${service}-${verb}`;
    return code;
  }

  async act(service, verb) {
    const token = this.tokenInput.value.trim();
    if (!token) {
      this.say(`Enter the admin token first: "${verb} ${service}" needs it.`, false);
      this.tokenInput.focus();
      return;
    }
    this.storeToken(token);
    this.say(`${verb} ${service}…`, true);
    const result = await this.deps.api.control(service, verb, token);
    if (result.status === 200) {
      const state = result.body?.service?.state;
      this.say(`${verb} ${service}: done${state ? `, now ${state}` : ''}.`, true);
    } else if (result.status === 401) {
      this.say(`${verb} ${service}: the proxy refused the admin token (401).`, false);
    } else {
      this.say(`${verb} ${service}: ${describeFailure(result)}`, false);
    }
    await this.refresh();
  }

  say(text, ok) {
    this.message.textContent = text;
    this.message.dataset.ok = String(ok);
  }

  readToken() {
    try {
      return this.deps.storage?.getItem(TOKEN_KEY) ?? '';
    } catch {
      return '';
    }
  }

  storeToken(token) {
    try {
      if (token) this.deps.storage?.setItem(TOKEN_KEY, token);
      else this.deps.storage?.removeItem(TOKEN_KEY);
    } catch {
      // Storage refused: the field still holds the token for this page.
    }
  }
}

/** Redis health as the replica that answered /ready sees it; "unknown" when no replica answered. */
function redisHealth(ready) {
  const value = ready.body?.checks?.redis;
  if (typeof value === 'string') return value;
  if (ready.status === 200) return 'up';
  return 'unknown';
}
