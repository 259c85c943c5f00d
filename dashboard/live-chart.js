// A live per-second chart of one auth mode's answers (ok, logouts, errors) through the proxy,
// from the cumulative counters in /_proxy/status read every second: a Redis failover shows as
// a dip in ok and a spike in errors, a dead sticky replica as a spike in logouts.
import { CHART_SECONDS, chartPoints, chartSample } from './model.js';

const SVG = 'http://www.w3.org/2000/svg';
const SERIES = [
  { key: 'ok', label: 'ok/s' },
  { key: 'logouts', label: 'logouts/s' },
  { key: 'errors', label: 'errors/s' },
];
const WIDTH = 300;
const HEIGHT = 60;

export class LiveChart {
  /**
   * @param {HTMLElement} root  the panel's chart container
   * @param {string} mode
   */
  constructor(root, mode) {
    this.root = root;
    this.mode = mode;
    this.samples = [];
    this.previous = null;
    this.previousAt = 0;
    // The panel's own 401s that were no logout, as of the last reading, and those not yet taken off.
    this.previousPage = 0;
    this.carried = 0;
    const doc = root.ownerDocument;
    const svg = doc.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `/${mode}: answers per second through the proxy, last ${CHART_SECONDS} s`);
    this.lines = Object.fromEntries(SERIES.map(({ key }) => {
      const line = doc.createElementNS(SVG, 'polyline');
      line.setAttribute('class', `series series-${key}`);
      line.setAttribute('fill', 'none');
      svg.append(line);
      return [key, line];
    }));
    this.legend = doc.createElement('p');
    this.legend.className = 'chart-legend';
    this.legend.dataset.testid = `chart-legend-${mode}`;
    root.replaceChildren(svg, this.legend);
    this.render();
  }

  /**
   * A new reading of the mode's cumulative counters (undefined: the proxy did not answer), with the
   * panel's cumulative count of its own 401s that were no logout.
   */
  push(counters, at, pageNotLogouts = 0) {
    if (!counters) return;
    const { sample, carried } = chartSample(this.previous, counters, (at - this.previousAt) / 1000, pageNotLogouts - this.previousPage, this.carried);
    if (sample) {
      this.samples.push(sample);
      if (this.samples.length > CHART_SECONDS) this.samples.shift();
    }
    this.carried = carried;
    this.previousPage = pageNotLogouts;
    this.previous = counters;
    this.previousAt = at;
    this.render();
  }

  render() {
    const max = Math.max(1, ...this.samples.flatMap((s) => SERIES.map(({ key }) => s[key])));
    for (const { key } of SERIES) {
      this.lines[key].setAttribute('points', chartPoints(this.samples.map((s) => s[key]), { width: WIDTH, height: HEIGHT, max }));
    }
    const last = this.samples[this.samples.length - 1];
    // Peak errors in the window stay readable after the dip has scrolled past the newest second.
    const peakErrors = Math.max(0, ...this.samples.map((s) => s.errors));
    const peakLogouts = Math.max(0, ...this.samples.map((s) => s.logouts));
    this.root.dataset.peakErrors = String(peakErrors);
    this.root.dataset.peakLogouts = String(peakLogouts);
    this.root.dataset.lastOk = String(last?.ok ?? 0);
    this.legend.textContent = last
      ? `now ${SERIES.map(({ key, label }) => `${fmt(last[key])} ${label}`).join(' · ')}; last ${CHART_SECONDS} s peak: ${fmt(peakErrors)} errors/s, ${fmt(peakLogouts)} logouts/s (all frontends)`
      : 'Waiting for two readings of the proxy counters…';
  }
}

function fmt(x) {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}
