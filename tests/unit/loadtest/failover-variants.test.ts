import { chooseFailoverVariants, variantUnavailable, FAILOVER_VARIANTS, type FailoverTarget } from '../../../loadtest/scenarios/failover-redis';
import { nodeOfAddress, replicaOnline } from '../../../loadtest/scenarios/failover-stages';
import { SessionCohort } from '../../../loadtest/session-cohort';
import { SteppingClient } from '../../../loadtest/http';

const haStack: FailoverTarget = { kind: 'docker compose', sentinels: true, appendonly: true, waitReplicas: 0 };
const plainStack: FailoverTarget = { kind: 'docker compose', sentinels: false, appendonly: true, waitReplicas: 0 };
const ids = (plans: readonly { id: string }[]): string[] => plans.map((p) => p.id);

describe('failover-redis: which variants a target runs', () => {
  it('when the bench runs its own clusters, then every variant runs, in order', () => {
    expect(ids(chooseFailoverVariants({ kind: 'own clusters' }, []).run)).toEqual(['ha', 'ha-cut-off', 'ha-wait', 'single-aof', 'single-no-aof']);
  });

  it('when a compose stack runs Sentinels, then ha and ha-cut-off run and the others are left out with the reason', () => {
    const choice = chooseFailoverVariants(haStack, []);
    expect(ids(choice.run)).toEqual(['ha', 'ha-cut-off']);
    expect(choice.cannot).toEqual([]);
    expect(choice.notRun.map((n) => n.variant)).toEqual(['ha-wait', 'single-aof', 'single-no-aof']);
    expect(choice.notRun[0].reason).toMatch(/SESSION_WAIT_REPLICAS=0, not 1/);
    expect(choice.notRun[1].reason).toMatch(/the stack runs Sentinels/);
  });

  it('when a compose stack was started with SESSION_WAIT_REPLICAS=1, then ha + WAIT 1 runs there and the variants without WAIT say how the stack runs', () => {
    const choice = chooseFailoverVariants({ ...haStack, waitReplicas: 1 }, []);
    expect(ids(choice.run)).toEqual(['ha-wait']);
    expect(choice.notRun.find((n) => n.variant === 'ha')?.reason).toMatch(/^the stack's replicas run SESSION_WAIT_REPLICAS=1, not 0: start the stack with SESSION_WAIT_REPLICAS=0/);
    // Replicas that disagree (or cannot say) run no HA variant: which one was measured would be unknown.
    const unsure = chooseFailoverVariants({ ...haStack, waitReplicas: null }, ['ha']);
    expect(unsure.run).toEqual([]);
    expect(unsure.cannot[0].reason).toMatch(/did not all report one SESSION_WAIT_REPLICAS/);
  });

  it('when a compose stack runs one Redis with its append-only file on, then only single-aof runs', () => {
    const choice = chooseFailoverVariants(plainStack, []);
    expect(ids(choice.run)).toEqual(['single-aof']);
    expect(choice.notRun.find((n) => n.variant === 'ha')?.reason).toBe('no sentinel service in the stack (it runs one Redis): start it with docker compose -f docker-compose.yml -f docker-compose.ha.yml up --build -d');
    expect(choice.notRun.find((n) => n.variant === 'single-no-aof')?.reason).toMatch(/appendonly yes; the AOF-off variant runs on the bench's own clusters/);
    expect(ids(chooseFailoverVariants({ ...plainStack, appendonly: false }, []).run)).toEqual(['single-no-aof']);
  });

  it('when a variant asked for by name cannot run on the stack, then nothing runs and the reason is given (the bench exits 2)', () => {
    const choice = chooseFailoverVariants(plainStack, ['ha', 'single-aof']);
    expect(choice.run).toEqual([]);
    expect(choice.cannot).toEqual([{ variant: 'ha', reason: expect.stringMatching(/^no sentinel service in the stack/) }]);
    expect(ids(chooseFailoverVariants(haStack, ['ha-cut-off']).run)).toEqual(['ha-cut-off']);
  });

  it('when the target is --target (no containers or processes of its own to kill), then no variant runs and each says why', () => {
    const choice = chooseFailoverVariants({ kind: 'target' }, []);
    expect(choice.run).toEqual([]);
    expect(choice.cannot).toHaveLength(FAILOVER_VARIANTS.length);
    expect(choice.cannot[0].reason).toMatch(/run it without a target option, or with --compose/);
  });

  it('when the replicas did not report the Redis persistence, then the single variants say so instead of guessing', () => {
    expect(variantUnavailable({ ...plainStack, appendonly: null }, FAILOVER_VARIANTS.find((v) => v.id === 'single-aof')!)).toMatch(/did not say whether its append-only file is on/);
  });
});

describe('failover-redis on compose: reading the Redis pair', () => {
  const addresses = { redis: ['172.29.170.2'], redis2: ['172.29.170.3'] };

  it('when the Sentinels name the first primary by service and a promoted one by address, then both map to the container', () => {
    expect(nodeOfAddress('redis 6379', addresses)).toBe('redis');
    expect(nodeOfAddress('172.29.170.3 6379', addresses)).toBe('redis2');
  });

  it('when the address is nobody in the stack (or there is no answer), then no node is named', () => {
    expect(nodeOfAddress('10.0.0.9 6379', addresses)).toBeUndefined();
    expect(nodeOfAddress(undefined, addresses)).toBeUndefined();
    expect(nodeOfAddress('', addresses)).toBeUndefined();
  });

  it('when the primary lists an online replica link, then the replica is linked; a link still syncing is not', () => {
    expect(replicaOnline('# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=172.29.170.3,port=6379,state=online,offset=6995,lag=0\r\n')).toBe(true);
    expect(replicaOnline('role:master\nconnected_slaves:1\nslave0:ip=172.29.170.3,port=6379,state=wait_bgsave,offset=0,lag=0\n')).toBe(false);
    expect(replicaOnline('role:master\nconnected_slaves:0\n')).toBe(false);
  });
});

describe('failover-redis: the cohort counted exactly', () => {
  it('when a login was answered only after the kill, then it is left out of the count (its session may have been written after it), and said so', async () => {
    const cohort = new SessionCohort('http://127.0.0.1:9', ['alice'], 'pw');
    // Nothing to ask: the only member logged in after the reference moment.
    cohort.members.push({ loggedInAt: 2000, client: new SteppingClient('http://127.0.0.1:9') });
    expect(await cohort.verify(1000, 0)).toEqual({ users: 0, survived: 0, lost: 0, unknown: 0, late: 1, lostLoginOffsetsMs: [] });
  });
});
