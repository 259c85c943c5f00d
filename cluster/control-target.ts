import { DEVELOPMENT_SECRETS } from '../common/config';
import { MAX_PORT_BASE } from '../common/ports';
import { CliUsageError } from './cli-args';
import { ControlClient } from './control-client';
import { DEFAULT_PORT_BASE, localPorts } from './topology';

/**
 * Which running launcher a command drives: --port-base (else AUTHSCALE_PORT_BASE, else 8080) or
 * --control-url (else AUTHSCALE_CONTROL_URL). Shared by `npm run cluster` and `npm run rolling-restart`.
 */
export function portBaseOf(options: { portBase?: number }, env: NodeJS.ProcessEnv = process.env): number {
  if (options.portBase !== undefined) return options.portBase;
  const fromEnv = env.AUTHSCALE_PORT_BASE;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_PORT_BASE;
  const n = Number(fromEnv);
  if (!Number.isInteger(n) || n < 1024 || n > MAX_PORT_BASE) throw new CliUsageError(`AUTHSCALE_PORT_BASE must be an integer from 1024 to ${MAX_PORT_BASE}, not "${fromEnv}"`);
  return n;
}

export function controlClientOf(options: { portBase?: number; controlUrl?: string }, env: NodeJS.ProcessEnv = process.env): ControlClient {
  const url = options.controlUrl ?? env.AUTHSCALE_CONTROL_URL ?? `http://127.0.0.1:${localPorts(portBaseOf(options, env)).control}`;
  return new ControlClient(url.replace(/\/+$/, ''), env.ADMIN_TOKEN || DEVELOPMENT_SECRETS.admin);
}
