/**
 * One message of a command-line program on stderr: `<program>: <message>`, the program's name once.
 * A message from below may already open with it: a ConfigError names the configuration it
 * checked (`cluster: invalid configuration:` from the launcher's own options), and the CLI that
 * prints it must not name itself a second time.
 */
export function cliMessage(program: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith(`${program}: `) ? message : `${program}: ${message}`;
}
