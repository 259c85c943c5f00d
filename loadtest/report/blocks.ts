/**
 * A report is a list of blocks built once from the results; Markdown and HTML are two pure
 * renderings of the same blocks, so the two reports cannot disagree on a number.
 */
export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; header: string[]; rows: string[][] }
  /** Rendered only in HTML (an inline SVG); Markdown shows the caption. */
  | { kind: 'chart'; caption: string; svg: string };

export const heading = (level: 1 | 2 | 3, text: string): Block => ({ kind: 'heading', level, text });
export const paragraph = (text: string): Block => ({ kind: 'paragraph', text });
export const list = (items: string[]): Block => ({ kind: 'list', items });
export const table = (header: string[], rows: string[][]): Block => ({ kind: 'table', header, rows });
export const chart = (caption: string, svg: string): Block => ({ kind: 'chart', caption, svg });

export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(digits)}%`;
export const fixed = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
export const int = (x: number | null | undefined): string =>
  x === null || x === undefined || Number.isNaN(x) ? 'n/a' : Math.round(x).toLocaleString('en-US');
/** +1.20 or −0.35: an added latency, with its sign. */
export const signed = (x: number): string => `${x < 0 ? '−' : '+'}${fixed(Math.abs(x), 2)}`;
