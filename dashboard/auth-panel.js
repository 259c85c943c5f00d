// One login panel per auth mode: log in as a demo user, send requests to /{mode}/me, and show
// request by request which replica answered and whether the visitor is still logged in.
import { BEARER_MODES, appendBounded, classifyResponse, decodeJwtPayload, describeSummary, instanceSlot, panelAnswer, summariseRequests } from './model.js';
import { LiveChart } from './live-chart.js';
import { describeFailure } from './api.js';

const BATCH_SIZE = 20;

/** One sentence per panel: what the visitor sees and why. */
const EXPLANATIONS = {
  memory:
    'The session lives in the memory of the one replica that logged you in: a request another replica answers gets 401, and if that replica dies the session dies with it.',
  redis:
    'The session lives in Redis, which every replica reads: any replica can answer and a replica dying logs nobody out, but while Redis is down nobody on this panel can be served.',
  jwt:
    'The server keeps nothing: the signed token travels with every request and any replica can verify it alone, which is also why logging out cannot revoke it before it expires.',
  'jwt-revocable':
    'The same signed token, but every request also asks Redis whether it was revoked: logging out ends it at once on every replica, and while Redis is down nobody on this panel is served (it fails closed).',
};

const HOLDS = {
  memory: 'Your browser holds only the cookie sid_memory, an opaque signed id; it is HttpOnly, so this page cannot read it (nor could a script injected into it). The replica keeps:',
  redis: 'Your browser holds only the cookie sid_redis, an opaque signed id; it is HttpOnly, so this page cannot read it (nor could a script injected into it). Redis keeps:',
  'jwt-revocable': 'The server keeps nothing for you while you are logged in (stored: null); a logout adds the token to a denylist in Redis until it expires. This page holds the token in sessionStorage and sends it as Authorization: Bearer. Its payload, decoded here:',
  jwt: 'The server keeps nothing for you (stored: null). This page holds the token in sessionStorage, readable by any script on the page, and sends it as Authorization: Bearer. Its payload, decoded here (the page cannot check the signature, every replica can):',
};

export class AuthPanel {
  /**
   * @param {string} mode  memory | redis | jwt | jwt-revocable
   * @param {HTMLElement} root  a clone of the panel template, already in the document
   * @param {{ api: ReturnType<import('./api.js').createApi>, storage: Storage | null, now: () => Date }} deps
   */
  constructor(mode, root, deps) {
    this.mode = mode;
    this.root = root;
    this.deps = deps;
    this.log = [];
    this.busy = false;
    // Credentials the visitor has no reason to think invalid: a login or a 200 since the last 401 or logout.
    this.holdsCredentials = false;
    // This panel's 401s that were no logout (not logged in at the time): its chart takes them off the proxy's count.
    this.notLogouts = 0;
    // Logged in (here or before a reload) and not logged out by the visitor: auto-check keeps asking,
    // also after a 401, so a session that comes back (its replica unpaused, sticky again) shows.
    this.watching = false;
    this.bearer = BEARER_MODES.includes(mode);
    this.accessToken = this.bearer ? this.readToken() : null;
    // Session modes: the CSRF token of the current session (from login and /me), sent on logout.
    this.csrfToken = null;
    /** @type {(name: string) => HTMLElement} */
    this.el = (name) => /** @type {HTMLElement} */ (root.querySelector(`[data-part="${name}"]`));
    this.render();
    this.chart = new LiveChart(this.el('chart'), mode);
  }

  render() {
    const { mode, root } = this;
    root.id = `panel-${mode}`;
    root.dataset.testid = `panel-${mode}`;
    root.dataset.mode = mode;
    const title = this.el('title');
    title.textContent = `/${mode}`;
    title.id = `title-${mode}`;
    root.setAttribute('aria-labelledby', title.id);
    this.el('explanation').textContent = EXPLANATIONS[mode];
    this.el('holds').textContent = HOLDS[mode];
    for (const part of ['user', 'password', 'login', 'check', 'send20', 'logout', 'state', 'strip', 'summary', 'batch', 'stored', 'chart']) {
      const node = this.el(part);
      node.id = `${part}-${mode}`;
      node.dataset.testid = `${part}-${mode}`;
    }
    /** @type {HTMLLabelElement} */ (root.querySelector('label[data-for="user"]')).htmlFor = `user-${mode}`;
    /** @type {HTMLLabelElement} */ (root.querySelector('label[data-for="password"]')).htmlFor = `password-${mode}`;
    this.el('strip').setAttribute('aria-label', `Last requests on /${mode}, oldest first`);
    this.el('form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.login();
    });
    this.el('check').addEventListener('click', () => void this.guarded(() => this.check()));
    this.el('send20').addEventListener('click', () => void this.guarded(() => this.sendBatch(BATCH_SIZE)));
    this.el('logout').addEventListener('click', () => void this.guarded(() => this.logout()));
    this.setState('anonymous', 'Not logged in.');
  }

  /** On load: find out whether the browser already holds a valid cookie or token for this mode. */
  async discover() {
    if (this.bearer && !this.accessToken) return;
    const result = await this.deps.api.me(this.mode, this.accessToken);
    this.keepCsrfToken(result);
    const hadCredentials = this.answered(result);
    // A 401 here only means "not logged in yet": it is not drawn, so the strip starts clean.
    if (result.status === 200) {
      this.watching = true;
      this.record(result, 'me', true);
    } else if (result.status === 401 && this.bearer) {
      this.storeToken(null); // expired since the last visit: forget it
    }
    this.show(result, hadCredentials);
  }

  async login() {
    await this.guarded(async () => {
      const username = /** @type {HTMLInputElement} */ (this.el('user')).value;
      const password = /** @type {HTMLInputElement} */ (this.el('password')).value;
      const result = await this.deps.api.login(this.mode, username, password);
      this.keepCsrfToken(result);
      if (result.status === 200) {
        this.log = [];
        this.holdsCredentials = true;
        this.watching = true;
        if (this.bearer) this.storeToken(result.body?.accessToken ?? null);
        this.record(result, 'login', false);
        this.setState('logged-in', `Logged in as ${result.body?.user ?? username} by ${result.instance ?? 'an unknown replica'}.`, result.instance);
        this.el('batch').textContent = '';
        // Ask /me right away so the panel shows what the server keeps.
        await this.check();
      } else {
        this.record(result, 'login', false);
        this.setState(this.holdsCredentials ? this.root.dataset.state : 'anonymous', `Login refused: ${describeFailure(result)}`, result.instance);
      }
    });
  }

  async check() {
    const result = await this.deps.api.me(this.mode, this.accessToken);
    this.keepCsrfToken(result);
    const hadCredentials = this.answered(result);
    this.record(result, 'me', hadCredentials);
    this.show(result, hadCredentials);
    return { status: result.status, instance: result.instance, hadCredentials };
  }

  /** After an answer on this mode's routes (not login): what the panel holds now; returns what it held before. */
  answered(result) {
    const hadCredentials = this.holdsCredentials;
    const answer = panelAnswer(hadCredentials, result.status);
    this.holdsCredentials = answer.holdsCredentials;
    if (answer.outcome === 'anonymous') this.notLogouts += 1;
    return hadCredentials;
  }

  /** Sequential on purpose: the strip then reads in the order the proxy routed the requests. */
  async sendBatch(count) {
    const batch = [];
    for (let i = 0; i < count; i += 1) batch.push(await this.check());
    this.el('batch').textContent = `Last ${count}: ${describeSummary(summariseRequests(batch))}`;
  }

  async logout() {
    const result = await this.deps.api.logout(this.mode, this.accessToken, this.csrfToken);
    this.record(result, 'logout', this.answered(result));
    this.holdsCredentials = false;
    this.watching = false;
    if (this.bearer) {
      this.storeToken(null);
      const until = result.body?.validUntil ? ` The server says it stays valid until ${result.body.validUntil}.` : '';
      const revoked = result.status === 200 ? ` revoked: ${String(result.body?.revoked)}.` : ` (${describeFailure(result)})`;
      this.setState('anonymous', `Logged out: this page forgot the token;${revoked}${until}`, result.instance);
    } else if (result.status === 204) {
      this.setState('anonymous', `Logged out: ${result.instance ?? 'the replica'} destroyed the session.`, result.instance);
    } else {
      this.setState('anonymous', `Logout answered ${describeFailure(result)}; the cookie may still be valid somewhere.`, result.instance);
    }
    this.showStored(null);
  }

  /** A 200 from a session replica carries its session's CSRF token; a replica without the session does not. */
  keepCsrfToken(result) {
    if (result.status === 200 && typeof result.body?.csrfToken === 'string') this.csrfToken = result.body.csrfToken;
  }

  /** Auto-check tick: only panels logged in and not logged out by the visitor are checked, one request at a time. */
  async tick() {
    if (!this.watching || this.busy) return;
    await this.guarded(() => this.check());
  }

  async guarded(action) {
    if (this.busy) return;
    this.busy = true;
    this.root.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      this.busy = false;
      this.root.removeAttribute('aria-busy');
    }
  }

  /** The state line after an answer to /me; `hadCredentials`: the panel held them when it asked. */
  show(result, hadCredentials) {
    const who = result.instance ?? 'no replica';
    if (result.status === 200) {
      this.setState('logged-in', `Logged in as ${result.body?.user ?? '?'}: ${who} answered 200.`, result.instance);
      this.showStored(result.body);
    } else if (result.status === 401 && (hadCredentials || this.root.dataset.state === 'logged-out')) {
      this.setState('logged-out', `Logged out: ${who} answered 401, it does not accept your ${this.bearer ? 'token' : 'session'}.`, result.instance);
      this.showStored(null, `(${who} keeps nothing for this ${this.bearer ? 'token' : 'cookie'})`);
    } else if (result.status === 401) {
      this.setState('anonymous', 'Not logged in.', result.instance);
    } else {
      this.setState('error', `Cannot be served: ${describeFailure(result)}${result.instance ? ` (from ${result.instance})` : ''}.`, result.instance);
    }
  }

  setState(state, text, instance) {
    this.root.dataset.state = state;
    if (instance !== undefined) this.root.dataset.instance = instance ?? '';
    // Same text again is not rewritten, so a screen reader announces changes only.
    const stateNode = this.el('state');
    if (stateNode.textContent !== text) stateNode.textContent = text;
    this.el('summary').textContent = this.log.length ? `Strip: ${describeSummary(summariseRequests(this.log.filter((e) => e.kind === 'me')))}` : '';
  }

  record(result, kind, hadCredentials) {
    const entry = { status: result.status, instance: result.instance, hadCredentials, kind, at: this.deps.now() };
    this.log = appendBounded(this.log, entry);
    const strip = this.el('strip');
    const item = strip.ownerDocument.createElement('li');
    const outcome = kind === 'me' ? classifyResponse(result.status, hadCredentials) : result.status === 200 || result.status === 204 ? 'ok' : 'error';
    item.className = `cell slot-${instanceSlot(result.instance)} outcome-${outcome}`;
    item.dataset.instance = result.instance ?? '';
    item.dataset.status = String(result.status);
    const who = result.instance ?? '—';
    const mark = kind === 'login' ? 'in' : kind === 'logout' ? 'out' : result.status === 0 ? '×' : String(result.status);
    item.title = `${kind === 'me' ? 'GET' : 'POST'} /${this.mode}/${kind} → ${result.status || 'no answer'} from ${who}`;
    const whoNode = strip.ownerDocument.createElement('span');
    whoNode.className = 'who';
    whoNode.textContent = who.replace(/^app/, 'a');
    const markNode = strip.ownerDocument.createElement('span');
    markNode.className = 'mark';
    markNode.textContent = mark;
    item.append(whoNode, markNode);
    strip.append(item);
    while (strip.children.length > this.log.length) strip.firstElementChild.remove();
  }

  showStored(body, emptyText = '(nothing to show: not logged in)') {
    const target = this.el('stored');
    if (!body) {
      target.textContent = emptyText;
      return;
    }
    const shown = this.bearer ? (decodeJwtPayload(this.accessToken) ?? body.claims ?? null) : (body.stored ?? null);
    target.textContent = JSON.stringify(shown, null, 2);
  }

  /** One reading of the proxy's per-mode counters (every second): the chart draws the difference. */
  sample(modes, at) {
    this.chart.push(modes?.[this.mode], at, this.notLogouts);
  }

  readToken() {
    try {
      return this.deps.storage?.getItem(`authscale.${this.mode}.accessToken`) ?? null;
    } catch {
      return null;
    }
  }

  storeToken(token) {
    this.accessToken = token;
    try {
      if (token) this.deps.storage?.setItem(`authscale.${this.mode}.accessToken`, token);
      else this.deps.storage?.removeItem(`authscale.${this.mode}.accessToken`);
    } catch {
      // Storage refused (private mode): the token still lives in memory until the page reloads.
    }
  }
}
