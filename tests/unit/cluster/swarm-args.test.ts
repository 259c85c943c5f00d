import { SwarmUsageError, parseSwarmArgs } from '../../../cluster/swarm-args';

describe('npm run swarm command line', () => {
  it('when given deploy, rm, ps or scale N, then it names the verb, the stack and the options', () => {
    expect(parseSwarmArgs(['deploy'], 'authscale')).toEqual({ verb: 'deploy', stack: 'authscale', build: true });
    expect(parseSwarmArgs(['deploy', '--ship', 'copy-it', '--stack', 's1', '--no-build'], 'authscale')).toEqual({ verb: 'deploy', stack: 's1', build: false, ship: 'copy-it' });
    expect(parseSwarmArgs(['rm'], 'authscale')).toEqual({ verb: 'rm', stack: 'authscale' });
    expect(parseSwarmArgs(['ps', '--stack', 'x'], 'authscale')).toEqual({ verb: 'ps', stack: 'x' });
    expect(parseSwarmArgs(['scale', '5'], 'authscale')).toEqual({ verb: 'scale', stack: 'authscale', replicas: 5 });
  });

  it.each([[[]], [['up']], [['scale']], [['scale', '0']], [['scale', 'two']], [['deploy', 'extra']], [['ps', '--bogus']], [['rm', '--stack', 'bad name']]])(
    'when the command line is %j, then it is a usage error',
    (argv) => {
      expect(() => parseSwarmArgs(argv as string[], 'authscale')).toThrow(SwarmUsageError);
    },
  );
});
