import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../../common/ports';
import { waitFor } from '../../../common/poll';
import { TestUpstream, request } from './support';

const MAIN = path.resolve(__dirname, '../../../dist/proxy/main.js');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('the proxy process (dist/proxy/main.js, as the launcher starts it)', () => {
  beforeAll(() => {
    if (!fs.existsSync(MAIN)) throw new Error('dist/proxy/main.js is missing: run npm run build (npm test does)');
  });

  it('when the configuration is invalid, then it exits 2 listing every problem', async () => {
    const proc = run({ FRONTENDS: '80800:round-robin', UPSTREAMS: 'nope', APP_ENV: 'production' });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toMatch(/FRONTENDS[\s\S]*UPSTREAMS[\s\S]*ADMIN_TOKEN[\s\S]*AFFINITY_SECRET/);
  });

  it('when sent SIGTERM during a slow request, then it finishes that request and exits 0', async () => {
    const up = await TestUpstream.start('app1');
    const port = await freePort();
    const proc = run({ FRONTENDS: `${port}:round-robin`, PROXY_HOST: '127.0.0.1', UPSTREAMS: `app1=${up.url}` });
    try {
      await waitFor(async () => (await request(`http://127.0.0.1:${port}/_proxy/status`)).status === 200, 10_000);
      up.behaviour = 'slow';
      const pending = request(`http://127.0.0.1:${port}/slow`);
      await waitFor(() => up.count() === 1, 2000, 5);
      proc.child.kill('SIGTERM');
      expect((await pending).status).toBe(200);
      expect(await proc.exited).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
      await up.stop();
    }
  });
});
