import { DEFAULT_PORT_BASE, PORT_BLOCK, PORT_RANGES, ephemeralLow, freePort, freePortBase, portInUse, portOf } from '../../../common/ports';
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
