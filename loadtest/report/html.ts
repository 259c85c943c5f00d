import type { Block } from './blocks';
import { escapeXml } from './svg';

/** A self-contained HTML page of the report blocks (pure): inline CSS and SVG, no network. */
export function renderHtml(title: string, blocks: readonly Block[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...blocks.map(renderBlock),
    '</body></html>',
    '',
  ].join('\n');
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h${block.level}>${escapeXml(block.text)}</h${block.level}>`;
    case 'paragraph':
      return `<p>${escapeXml(block.text)}</p>`;
    case 'list':
      return `<ul>${block.items.map((i) => `<li>${escapeXml(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const head = `<tr>${block.header.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>`;
      const rows = block.rows.map((r) => `<tr>${r.map((c) => `<td class="${verdictClass(c)}">${escapeXml(c)}</td>`).join('')}</tr>`);
      return `<table>${head}${rows.join('')}</table>`;
    }
    case 'chart':
      if (block.caption === 'legend') return `<div>${block.svg}</div>`;
      // the SVG is produced by our own pure chart functions, which escape every text they embed
      return `<figure>${block.svg}<figcaption>${escapeXml(block.caption)}</figcaption></figure>`;
  }
}

function verdictClass(text: string): string {
  if (text === 'holds') return 'holds';
  if (text === 'does not hold') return 'fails';
  if (text === 'holds with caveat') return 'caveat';
  if (text === 'not measured') return 'unmeasured';
  return '';
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}',
  'table{border-collapse:collapse;margin:1em 0;font-size:13px}',
  'th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}',
  'th{background:#f3f3f3}',
  'td.holds{background:#e8f5e9}td.fails{background:#ffebee}td.caveat{background:#fff8e1}td.unmeasured{background:#eee}',
  'figure{display:inline-block;margin:4px}figcaption{font-size:11px;color:#555}',
].join('');
