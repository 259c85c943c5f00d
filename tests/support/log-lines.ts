import { Writable } from 'node:stream';
import pino from 'pino';

/** Log lines a component wrote, parsed, for tests that assert on what an operator reads. */
export class LogLines {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger = pino({ level: 'info' }, new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString().split('\n')) if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }));

  messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }
}
