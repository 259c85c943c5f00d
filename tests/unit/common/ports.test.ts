import { DEFAULT_PORT_BASE, PORT_BLOCK, PORT_RANGES, drawRange, ephemeralLow, freePort, freePortBase, portInUse, portOf } from '../../../common/ports';
import { localPorts } from '../../../cluster/topology';

test('when the ports table is laid out, then no two ranges overlap and all fit in one block', () => {
  const taken = new Map<number, string>();
  for (const [name, { offset, count }] of Object.entries(PORT_RANGES)) {
    for (let i = 0; i < count; i++) {
      expect(taken.get(offset + i)).toBeUndefined();
      taken.set(offset + i, name);
    }
    expect(offset + count).toBeLessThanOrEqual(PORT_BLOCK);
  }
});

test('when npm start uses the default base, then the documented ports come out', () => {
  const ports = localPorts(DEFAULT_PORT_BASE);
  expect(ports.frontends.map((f) => `${f.port}:${f.strategy}`)).toEqual(['8080:round-robin', '8081:sticky-cookie', '8082:hash-ip']);
  expect(ports.control).toBe(8090);
  expect(ports.apps).toEqual({ app1: 8091, app2: 8092, app3: 8093, app4: 8094 });
  expect(ports.redis).toBe(8100);
  expect(() => portOf(DEFAULT_PORT_BASE, 'apps', 4)).toThrow(/apps has 4 ports/);
});

test('when a test asks for a free port or port base, then it is below the ephemeral range and free', async () => {
  const port = await freePort();
  expect(port).toBeLessThan(ephemeralLow());
  expect(await portInUse(port)).toBe(false);
  const base = await freePortBase();
  expect(base % PORT_BLOCK).toBe(0);
  expect(base + PORT_BLOCK).toBeLessThanOrEqual(ephemeralLow());
});

test('when AUTHSCALE_PORT_RANGE names a block (a shared machine), then free ports and port bases come from inside it; a malformed one is refused', async () => {
  expect(drawRange({ AUTHSCALE_PORT_RANGE: '23000-23999' })).toEqual({ low: 23000, high: 24000 });
  expect(drawRange({})).toEqual({ low: 10_000, high: ephemeralLow() });
  expect(() => drawRange({ AUTHSCALE_PORT_RANGE: '23000' })).toThrow('AUTHSCALE_PORT_RANGE must be LOW-HIGH');
  expect(() => drawRange({ AUTHSCALE_PORT_RANGE: '23000-23010' })).toThrow('at least 60 ports wide');
  const saved = process.env.AUTHSCALE_PORT_RANGE;
  process.env.AUTHSCALE_PORT_RANGE = '23000-23999';
  try {
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      expect(port >= 23000 && port <= 23999).toBe(true);
      const base = await freePortBase();
      expect(base >= 23000 && base + PORT_BLOCK - 1 <= 23999).toBe(true);
    }
  } finally {
    if (saved === undefined) delete process.env.AUTHSCALE_PORT_RANGE;
    else process.env.AUTHSCALE_PORT_RANGE = saved;
  }
});
