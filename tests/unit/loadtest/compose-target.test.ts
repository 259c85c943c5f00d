import { composeFaultArgs, publishedUrl } from '../../../loadtest/compose-target';

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
});
