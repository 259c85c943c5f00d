// Every HTTP call the page makes, same-origin through the frontend that served it. A call never
// throws: a network failure or a timeout is an answer too (status 0), and the page shows it.

/** App requests wait past the proxy's own upstream timeout (10 s) so its 504 can be shown. */
const APP_TIMEOUT_MS = 12_000;
const STATUS_TIMEOUT_MS = 3_000;

/**
 * @param {typeof fetch} fetchImpl  the browser's fetch (passed in so the module has no hidden global)
 * @returns an object with one method per route the dashboard uses
 */
export function createApi(fetchImpl) {
  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, bearer?: string, csrfToken?: string, timeoutMs?: number }} [options]
   */
  async function call(method, path, { body, bearer, csrfToken, timeoutMs = APP_TIMEOUT_MS } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    // Session modes refuse a state-changing request without the session's CSRF token (README, "Security").
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    const started = Date.now();
    try {
      const response = await fetchImpl(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
        signal: window.AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return {
        status: response.status,
        instance: response.headers.get('X-Instance'),
        body: parseJson(text),
        ms: Date.now() - started,
      };
    } catch (error) {
      const timedOut = error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return {
        status: 0,
        instance: null,
        body: { error: timedOut ? 'timeout' : 'network_error', message: timedOut ? `No answer within ${timeoutMs / 1000} s.` : 'The proxy could not be reached.' },
        ms: Date.now() - started,
      };
    }
  }

  return {
    proxyStatus: () => call('GET', '/_proxy/status', { timeoutMs: STATUS_TIMEOUT_MS }),
    clusterServices: () => call('GET', '/_proxy/cluster/services', { timeoutMs: STATUS_TIMEOUT_MS }),
    ready: () => call('GET', '/ready', { timeoutMs: STATUS_TIMEOUT_MS }),
    control: (service, verb, adminToken) =>
      call('POST', `/_proxy/cluster/services/${encodeURIComponent(service)}/${encodeURIComponent(verb)}`, { bearer: adminToken }),
    login: (mode, username, password) => call('POST', `/${mode}/login`, { body: { username, password } }),
    me: (mode, accessToken) => call('GET', `/${mode}/me`, { bearer: accessToken }),
    logout: (mode, accessToken, csrfToken) => call('POST', `/${mode}/logout`, { bearer: accessToken, csrfToken }),
  };
}

function parseJson(text) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: 'not_json', message: text.slice(0, 200) };
  }
}

/** The human line for an error answer: the catalogue's `{error, message}` when there is one. */
export function describeFailure(result) {
  const body = result.body && typeof result.body === 'object' ? result.body : {};
  const code = typeof body.error === 'string' ? body.error : 'error';
  const message = typeof body.message === 'string' ? body.message : '';
  const status = result.status === 0 ? 'no answer' : String(result.status);
  return `${status} ${code}${message ? `: ${message}` : ''}`;
}
