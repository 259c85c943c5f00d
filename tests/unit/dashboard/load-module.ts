import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const DASHBOARD_DIR = path.resolve(__dirname, '../../../dashboard');

/**
 * Load one of the dashboard's plain ES modules (the very file the browser loads) into a test.
 * Jest on Node 20 refuses ES modules without --experimental-vm-modules, so the file is
 * transpiled to CommonJS with TypeScript (a syntax-only rewrite of import/export) and run in
 * this realm. Only self-contained modules (no imports) are loaded this way.
 */
export function loadDashboardModule<T>(file: string): T {
  const filename = path.join(DASHBOARD_DIR, file);
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  const exports: Record<string, unknown> = {};
  const run = new Function('exports', 'require', outputText) as (e: object, r: (id: string) => never) => void;
  run(exports, (id) => {
    throw new Error(`${file} imports ${id}: only self-contained dashboard modules can be unit-tested`);
  });
  return exports as T;
}
