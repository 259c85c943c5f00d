import { formatStages, profileStages, stageOf, type CpuProfile } from '../../../proxy/bench/profile-stages';

test('when profile frames are classified, then each lands in the stage a request meets it in', () => {
  expect(stageOf('writev', '')).toBe('socket writes (syscalls)');
  expect(stageOf('parserOnHeadersComplete', 'node:_http_common')).toBe('node http server');
  expect(stageOf('resOnFinish', 'node:_http_server')).toBe('node http server');
  expect(stageOf('processHeader', 'file:///w/node_modules/undici/lib/core/request.js')).toBe('undici');
  expect(stageOf('wasm-function[12]', 'wasm://wasm/0012abcd')).toBe('undici llhttp (wasm)');
  expect(stageOf('handle', 'file:///w/dist/proxy/forwarding/forwarder.js')).toBe('this proxy');
  expect(stageOf('emit', 'node:events')).toBe('node streams, events, timers');
  expect(stageOf('Writable.write', 'node:internal/streams/writable')).toBe('node streams, events, timers');
  expect(stageOf('(garbage collector)', '')).toBe('garbage collection');
  expect(stageOf('(program)', '')).toBe('native, unattributed');
  expect(stageOf('(idle)', '')).toBe('idle');
});

test('when a profile is summed, then idle time is left out of the shares and the stages add up to the busy time', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' } },
      { id: 2, callFrame: { functionName: '(idle)', url: '' } },
      { id: 3, callFrame: { functionName: 'writev', url: '' } },
      { id: 4, callFrame: { functionName: 'handle', url: 'file:///w/dist/proxy/forwarding/forwarder.js' } },
    ],
    startTime: 100_000,
    samples: [2, 3, 3, 4, 2],
    timeDeltas: [5000, 1000, 2000, 1000, 7000],
  };
  const result = profileStages(profile);
  expect(result.idleMs).toBe(12);
  expect(result.busyMs).toBe(4);
  expect(result.stages).toEqual([
    { stage: 'socket writes (syscalls)', ms: 3, share: 0.75 },
    { stage: 'this proxy', ms: 1, share: 0.25 },
  ]);
  const table = formatStages('proxy', result, { userMicrosPerRequest: 30, systemMicrosPerRequest: 20 });
  expect(table).toMatch(/kernel \(system time\)\s+\|\s+20\.0 \| .*socket calls were 75\.0 %/);
  // The socket calls' samples are the kernel's: the user time goes to the other stages alone.
  expect(table).toMatch(/this proxy\s+\|\s+30\.0 \| 100\.0 % of the user-space samples/);
});

test('when measured windows are given, then only the samples inside them count', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: 'wrapSafe', url: 'node:internal/modules/cjs/loader' } },
      { id: 2, callFrame: { functionName: 'handle', url: 'file:///w/dist/proxy/forwarding/forwarder.js' } },
    ],
    startTime: 0,
    // start-up (module loading) at 1 ms and 2 ms, then requests at 10 and 11 ms
    samples: [1, 1, 2, 2],
    timeDeltas: [1000, 1000, 8000, 1000],
  };
  const measured = profileStages(profile, [[9_000, 12_000]]);
  expect(measured.windowed).toBe(true);
  expect(measured.stages).toEqual([{ stage: 'this proxy', ms: 9, share: 1 }]);
  // A window no sample falls in (another clock): every sample counts, and the result says so.
  expect(profileStages(profile, [[50_000, 60_000]]).windowed).toBe(false);
});
