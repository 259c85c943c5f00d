// Entry point of the dashboard: wires the HTTP calls, the cluster view and the four login panels
// to the page, and runs the two loops (cluster refresh, auto-check of logged-in panels).
import { createApi } from './api.js';
import { AuthPanel } from './auth-panel.js';
import { ClusterView } from './cluster-view.js';
import { MODES } from './model.js';

const REFRESH_MS = 1000;
const AUTO_CHECK_MS = 2000;

function sessionStore() {
  try {
    return window.sessionStorage;
  } catch {
    return null; // storage disabled: tokens live in memory only
  }
}

/** Run `task` `ms` after the previous run finished, so a slow proxy never stacks requests. */
function every(ms, task) {
  const run = async () => {
    try {
      await task();
    } catch (error) {
      console.error('dashboard: refresh failed', error);
    }
    setTimeout(run, ms);
  };
  setTimeout(run, ms);
}

const api = createApi(window.fetch.bind(window));
const storage = sessionStore();
const now = () => new Date();

const template = /** @type {HTMLTemplateElement} */ (document.getElementById('panel-template'));
const container = document.getElementById('panels');
const panels = MODES.map((mode) => {
  const root = /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true));
  container.append(root);
  return new AuthPanel(mode, root, { api, storage, now });
});
// Every cluster refresh (1 s) hands the proxy's per-mode counters to the panels' live charts.
/** @param {{ modes?: Record<string, { ok: number, logouts: number, errors: number }> } | null} status */
const onStatus = (status) => panels.forEach((p) => p.sample(status?.modes, Date.now()));
const cluster = new ClusterView(document, { api, storage, here: location, now, onStatus });

const autoCheck = /** @type {HTMLInputElement} */ (document.getElementById('auto-check'));
const firstRefresh = cluster.refresh();
Promise.all([firstRefresh, ...panels.map((p) => p.discover())]).finally(() => {
  // A marker for people and tests alike: the page has asked everything once.
  document.body.dataset.ready = 'true';
  every(REFRESH_MS, () => cluster.refresh());
  every(AUTO_CHECK_MS, () => (autoCheck.checked ? Promise.all(panels.map((p) => p.tick())) : undefined));
});
