/**
 * How a service's output line is shown in `npm start`: `app2  | 12:00:01 INFO  listening port=8092`.
 * Pino JSON lines are made readable; anything else is shown as is. Pure, so it is unit-tested.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'instance', 'pid', 'hostname']);
const COLOURS = [36, 32, 33, 35, 34, 96, 92];
const LEVEL_COLOURS: Record<string, number> = { WARN: 33, ERROR: 31, FATAL: 31 };

export interface LineFormat {
  width: number;
  colour: boolean;
  /** Stable colour per service, by its position in the topology. */
  index: number;
}

function paint(text: string, code: number | undefined, on: boolean): string {
  return on && code !== undefined ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

export function readableLine(line: string, colour = false): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = LEVELS[Number(record.level)] ?? String(record.level ?? '');
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : typeof record.time === 'number' ? new Date(record.time).toISOString().slice(11, 19) : '';
  const extras = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${renderValue(value)}`);
  return [time, paint(level.padEnd(5), LEVEL_COLOURS[level], colour), record.msg ?? '', ...extras].filter((s) => s !== '').join(' ');
}

export function prefixedLine(service: string, line: string, format: LineFormat): string {
  const prefix = paint(`${service.padEnd(format.width)} |`, COLOURS[format.index % COLOURS.length], format.colour);
  return `${prefix} ${readableLine(line, format.colour)}`;
}
