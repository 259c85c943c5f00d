import pino, { type Logger } from 'pino';

export type { Logger };

/** One root logger per process; components take `logger.child({ component })`. */
export function createLogger(options: { service: string; level?: string; instance?: string }): Logger {
  return pino({
    level: options.level ?? 'info',
    base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
