import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { frontendsFromStatus, shellFaults } from '../../../loadtest/target';

describe('bench target', () => {
  it('when the proxy reports its frontends, then their URLs use the target host and each reported port', () => {
    const status = { upstreams: [], frontends: [{ port: 8080, strategy: 'round-robin' }, { port: 8082, strategy: 'hash-ip' }] };
    expect(frontendsFromStatus('http://127.0.0.1:8080', status)).toEqual([
      { port: 8080, strategy: 'round-robin', url: 'http://127.0.0.1:8080' },
      { port: 8082, strategy: 'hash-ip', url: 'http://127.0.0.1:8082' },
    ]);
  });

  it('when a fault command is given, then it runs in a shell; a failing command rejects with its stderr', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-faults-'));
    const marker = path.join(dir, 'killed');
    const faults = shellFaults({ 'app2 kill': `touch ${marker}`, 'redis kill': 'echo nope >&2; exit 3' });
    await faults.run('app2', 'kill');
    expect(fs.existsSync(marker)).toBe(true);
    await expect(faults.run('redis', 'kill')).rejects.toThrow(/exit 3.*nope/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('when no command and no fallback exist for a fault, then it is reported unavailable with the option to give', () => {
    const faults = shellFaults({ 'app2 kill': 'true' });
    expect(faults.unavailable('app2', 'kill')).toBeUndefined();
    expect(faults.unavailable('app2', 'start')).toMatch(/no command for "start app2".*--restart/);
  });

  it('when a command is missing but a fallback exists, then the fallback decides', async () => {
    const calls: string[] = [];
    const fallback = { unavailable: () => undefined, run: async (s: string, v: string) => { calls.push(`${s} ${v}`); } };
    const faults = shellFaults({}, fallback);
    expect(faults.unavailable('redis', 'start')).toBeUndefined();
    await faults.run('redis', 'start');
    expect(calls).toEqual(['redis start']);
  });
});
