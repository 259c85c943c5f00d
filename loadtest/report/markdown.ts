import type { Block } from './blocks';

/** Markdown rendering of report blocks (pure). Pipes in cells are escaped so tables hold. */
export function renderMarkdown(blocks: readonly Block[]): string {
  return mergeCharts(blocks).map(renderBlock).join('\n\n') + '\n';
}

/** Consecutive charts become one line naming them: Markdown cannot show them, report.html does. */
function mergeCharts(blocks: readonly Block[]): Block[] {
  const merged: Block[] = [];
  for (const block of blocks) {
    const last = merged[merged.length - 1];
    if (block.kind === 'chart' && last?.kind === 'chart') {
      merged[merged.length - 1] = { ...last, caption: `${last.caption}; ${block.caption}` };
    } else {
      merged.push(block);
    }
  }
  return merged;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `${'#'.repeat(block.level)} ${block.text}`;
    case 'paragraph':
      return block.text;
    case 'list':
      return block.items.map((item) => `- ${item}`).join('\n');
    case 'table': {
      const row = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
      return [row(block.header), `|${block.header.map(() => '---').join('|')}|`, ...block.rows.map(row)].join('\n');
    }
    case 'chart':
      return `_Charts in report.html: ${block.caption}._`;
  }
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
