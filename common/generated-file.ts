import fs from 'node:fs';

/**
 * A committed file generated from code (docker-compose.yml, docs/errors.md): write it, or with
 * `--check` in argv exit 1 when the committed copy is stale, naming the command that fixes it.
 */
export function writeOrCheckGenerated(file: string, wanted: string, regenerate: string, argv: readonly string[] = process.argv): void {
  if (argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== wanted) {
      process.stderr.write(`${file} is stale: run ${regenerate}\n`);
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(file, wanted);
  process.stdout.write(`wrote ${file}\n`);
}
