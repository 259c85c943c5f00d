import { TrustedProxies, normalizeAddress, parseCidr } from '../../../proxy/net/cidr';
import { clientAddress, setForwardedHeaders } from '../../../proxy/net/forwarded';
import { filterRawResponseHeaders, filterResponseHeaders, stripRequestHopByHop } from '../../../proxy/net/hop-by-hop';

const trusted = new TrustedProxies(['127.0.0.0/8', '::1/128', '10.0.0.0/8'].map((c) => parseCidr(c)!));

describe('CIDR parsing', () => {
  it('when given blocks or bare addresses, then they parse with their family and prefix', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('::1')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('192.168.1.1')).toEqual({ address: '192.168.1.1', prefix: 32, family: 'ipv4' });
  });

  it.each(['10.0.0.0/33', 'nope', '10.0.0.0/8/1', '10.0.0/8', '::1/129', '1.2.3.4/-1', ''])('when given "%s", then it is refused', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('when an IPv4 peer is reported in IPv6-mapped form, then it matches IPv4 rules', () => {
    expect(normalizeAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(trusted.has(normalizeAddress('::ffff:10.1.2.3'))).toBe(true);
    expect(trusted.has('192.168.0.1')).toBe(false);
    expect(trusted.has('not-an-ip')).toBe(false);
  });
});

describe('client address and X-Forwarded-For', () => {
  it('when the peer is not trusted, then its own address is the client, whatever XFF says', () => {
    expect(clientAddress({ address: '203.0.113.5', trusted: false }, '1.1.1.1', trusted)).toBe('203.0.113.5');
  });

  it('when the peer is trusted, then the client is the last untrusted XFF entry', () => {
    const peer = { address: '127.0.0.1', trusted: true };
    expect(clientAddress(peer, '198.51.100.9, 203.0.113.1, 10.0.0.2', trusted)).toBe('203.0.113.1');
    expect(clientAddress(peer, ['198.51.100.9', '10.0.0.3'], trusted)).toBe('198.51.100.9');
    expect(clientAddress(peer, '10.0.0.7, 10.0.0.2', trusted)).toBe('10.0.0.7');
    expect(clientAddress(peer, undefined, trusted)).toBe('127.0.0.1');
  });

  it('when the peer is untrusted, then client-sent X-Forwarded-* are overwritten', () => {
    const headers: Record<string, string> = { host: 'example.test:8080', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test' };
    setForwardedHeaders(headers, { address: '203.0.113.5', trusted: false }, false);
    expect(headers).toMatchObject({ 'x-forwarded-for': '203.0.113.5', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'example.test:8080' });
  });

  it('when the peer is trusted, then it is appended to the chain and the original proto/host kept', () => {
    const headers: Record<string, string> = { host: 'internal:8080', 'x-forwarded-for': '198.51.100.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.test' };
    setForwardedHeaders(headers, { address: '10.0.0.2', trusted: true }, false);
    expect(headers).toMatchObject({ 'x-forwarded-for': '198.51.100.9, 10.0.0.2', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'public.test' });
  });
});

describe('hop-by-hop headers', () => {
  it('when a request carries hop-by-hop headers and headers named in Connection, then they are all removed', () => {
    const headers: Record<string, string> = {
      host: 'h', connection: 'keep-alive, X-Secret-Hop', 'x-secret-hop': '1', 'keep-alive': 'timeout=5', te: 'trailers',
      trailer: 'x', 'transfer-encoding': 'chunked', upgrade: 'h2c', 'proxy-authorization': 'Basic x', 'proxy-connection': 'keep-alive', cookie: 'a=1',
    };
    stripRequestHopByHop(headers);
    expect(headers).toEqual({ host: 'h', cookie: 'a=1' });
  });

  it('when a response carries hop-by-hop headers, then only end-to-end ones are kept, repeated Set-Cookie included', () => {
    const raw = ['Content-Type', 'text/plain', 'Connection', 'keep-alive, X-Hop', 'Keep-Alive', 'timeout=5', 'X-Hop', 'secret',
      'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Instance', 'app1', 'Proxy-Authenticate', 'Basic', 'Upgrade', 'x', 'Trailer', 'y', 'TE', 'z'];
    expect(filterResponseHeaders(raw)).toEqual(['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-Instance', 'app1']);
  });

  it('when a header named in Connection comes before it, in any spelling, from undici\'s raw buffers, then it is dropped too and values pass byte for byte', () => {
    const raw = ['X-Hop', 'secret', 'x-instance', 'app1', 'CONNECTION', 'close, X-HOP', 'Date', 'd', 'KEEP-ALIVE', 'timeout=5', 'X-Latin', 'caf\u00e9']
      .map((v) => Buffer.from(v, 'latin1'));
    expect(filterRawResponseHeaders(raw)).toEqual(['x-instance', 'app1', 'Date', 'd', 'X-Latin', 'caf\u00e9']);
    // The same names again (now remembered per spelling) give the same answer.
    expect(filterRawResponseHeaders(raw)).toEqual(['x-instance', 'app1', 'Date', 'd', 'X-Latin', 'caf\u00e9']);
  });
});
