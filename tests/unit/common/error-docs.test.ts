import fs from 'node:fs';
import path from 'node:path';
import { renderErrorDocs } from '../../../common/error-docs';
import { ERRORS } from '../../../common/errors';

const committed = fs.readFileSync(path.join(__dirname, '../../../docs/errors.md'), 'utf8');

describe('docs/errors.md', () => {
  it('when the error catalogue is rendered, then it equals the committed docs/errors.md (else: npm run docs:errors)', () => {
    expect(committed).toBe(renderErrorDocs());
  });

  it('when read, then every catalogue code has one row with its HTTP status', () => {
    for (const [code, { status }] of Object.entries(ERRORS)) {
      expect(committed.split('\n').filter((line) => line.startsWith(`| \`${code}\` | ${status} |`))).toHaveLength(1);
    }
  });

  it('when a message holds a pipe or angle brackets, then the table cell stays one cell and shows them as text', () => {
    const doc = renderErrorDocs({ odd: { status: 400, message: 'a | b <TOKEN>' } });
    expect(doc).toContain('| `odd` | 400 | a \\| b &lt;TOKEN&gt; |');
  });
});
