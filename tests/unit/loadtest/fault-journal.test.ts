import { FaultJournal } from '../../../loadtest/fault-journal';
import type { FaultActions, FaultVerb } from '../../../loadtest/target';

function recording(): FaultActions & { calls: string[] } {
  const calls: string[] = [];
  return { calls, unavailable: () => undefined, run: async (service: string, verb: FaultVerb) => void calls.push(`${verb} ${service}`) };
}

describe('fault journal (what Ctrl-C undoes)', () => {
  it('when the run stops while app2 is killed, then undo starts app2, once', async () => {
    const actions = recording();
    const journal = new FaultJournal(actions);
    await journal.run('app2', 'kill');
    expect(journal.outstanding).toEqual(['start app2']);
    expect((await journal.undo()).done).toEqual(['start app2']);
    expect(actions.calls).toEqual(['kill app2', 'start app2']);
    expect((await journal.undo()).done).toEqual([]);
  });

  it('when a fault was recovered by its scenario, then there is nothing to undo', async () => {
    const journal = new FaultJournal(recording());
    await journal.run('app2', 'pause');
    await journal.run('app2', 'unpause');
    await journal.run('redis', 'kill');
    await journal.run('redis', 'start');
    await journal.run('app4', 'start');
    await journal.run('app4', 'stop');
    expect(journal.outstanding).toEqual([]);
  });

  it('when app2 is paused and app4 started, then undo unpauses app2 and stops app4, most recent first', async () => {
    const actions = recording();
    const journal = new FaultJournal(actions);
    await journal.run('app2', 'pause');
    await journal.run('app4', 'start');
    expect((await journal.undo()).done).toEqual(['stop app4', 'unpause app2']);
  });

  it('when a fault command fails, then it is not recorded as done and undo reports failures without throwing', async () => {
    const journal = new FaultJournal({ unavailable: () => undefined, run: async (s, v) => { if (v === 'start') throw new Error('engine gone'); void s; } });
    await journal.run('app2', 'kill');
    const result = await journal.undo();
    expect(result.done).toEqual([]);
    expect(result.failed[0]).toMatch(/start app2: engine gone/);
  });

  it('when a swarm node was drained or crashed, then undo makes it active or restores it, in the words of the target', async () => {
    const actions = { ...recording(), describe: (service: string, verb: FaultVerb) => `${verb} node ${service}` };
    const journal = new FaultJournal(actions);
    await journal.run('swarm2', 'drain');
    expect(journal.outstanding).toEqual(['activate node swarm2']);
    expect((await journal.undo()).done).toEqual(['activate node swarm2']);
    await journal.run('swarm2', 'crash');
    await journal.run('swarm2', 'restore');
    expect(journal.outstanding).toEqual([]);
  });
});
