import { composeFaultArgs, primaryCli, publishedUrl, stackFiles } from '../../../loadtest/compose-target';
import { answerOf } from '../../../loadtest/redis-cli-session';

describe('compose target (pure parts)', () => {
  it('when docker compose port prints an address, then the bench reaches it on loopback', () => {
    expect(publishedUrl('127.0.0.1:33080\n')).toBe('http://127.0.0.1:33080');
    expect(publishedUrl('0.0.0.0:8080')).toBe('http://127.0.0.1:8080');
    expect(publishedUrl('[::]:8081')).toBe('http://127.0.0.1:8081');
  });

  it('when the port is not published (or the proxy is down), then there is no URL', () => {
    expect(publishedUrl('')).toBeUndefined();
    expect(publishedUrl(':0')).toBeUndefined();
  });

  it('when a fault is asked for, then it is the docker compose verb on that service, app4 from the scale profile', () => {
    expect(composeFaultArgs('app2', 'kill')).toEqual(['kill', 'app2']);
    expect(composeFaultArgs('app2', 'pause')).toEqual(['pause', 'app2']);
    expect(composeFaultArgs('redis', 'start')).toEqual(['start', 'redis']);
    expect(composeFaultArgs('app4', 'start')).toEqual(['--profile', 'scale', 'up', '-d', '--no-deps', 'app4']);
    expect(composeFaultArgs('app4', 'stop')).toEqual(['--profile', 'scale', 'stop', 'app4']);
  });

  it('when the stack was started with override files, then every command names the same files, resolved against its directory', () => {
    expect(stackFiles('docker-compose.yml,docker-compose.ha.yml', '/work/stack')).toEqual(['/work/stack/docker-compose.yml', '/work/stack/docker-compose.ha.yml']);
    expect(stackFiles('/abs/docker-compose.yml, /abs/docker-compose.distance.yml', '/elsewhere')).toEqual(['/abs/docker-compose.yml', '/abs/docker-compose.distance.yml']);
  });

  it('when the container carries no such label, then no file is named (compose\'s own default)', () => {
    expect(stackFiles(undefined, '/work')).toEqual([]);
    expect(stackFiles('<no value>', '/work')).toEqual([]);
    expect(stackFiles('', undefined)).toEqual([]);
  });

  it('when the stack runs Sentinels, then Redis is read on the node they name primary; else on redis', () => {
    expect(primaryCli(['redis', 'app1', 'proxy'])).toEqual(['redis', 'redis-cli']);
    const ha = primaryCli(['redis', 'redis2', 'sentinel1', 'sentinel2', 'sentinel3', 'app1']);
    expect(ha.slice(0, 3)).toEqual(['sentinel1', 'sh', '-c']);
    expect(ha[3]).toContain('redis-cli -p 26379 sentinel get-master-addr-by-name authscale');
  });
});

describe('a redis-cli kept open: where an answer ends', () => {
  it('when Redis echoes the end marker, then the answer is everything before its line', () => {
    expect(answerOf('# Memory\nused_memory:1\n__authscale_end__\n')).toBe('# Memory\nused_memory:1\n');
  });

  it('when a Sentinel (no ECHO) names the marker in an error line, then that line is not part of the answer', () => {
    expect(answerOf("redis\n6379\nERR unknown command 'ECHO', with args beginning with: '__authscale_end__' \n")).toBe('redis\n6379\n');
  });

  it('when the marker\'s line has not fully arrived, then there is no answer yet', () => {
    expect(answerOf('redis\n6379\n')).toBeUndefined();
    expect(answerOf('redis\n6379\nERR unknown command \'ECHO\', with args beginning with: \'__authscale_e')).toBeUndefined();
    expect(answerOf("redis\n6379\nERR unknown command 'ECHO', with args beginning with: '__authscale_end__' ")).toBeUndefined();
  });
});
