import { cliMessage } from '../../../common/cli-message';
import { ConfigError } from '../../../common/config';

describe('a command-line program\'s message', () => {
  it('when the error says nothing of the program, then the message opens with its name', () => {
    expect(cliMessage('cluster', new Error('no such service: app9'))).toBe('cluster: no such service: app9');
    expect(cliMessage('swarm', 'not converged after 240 s')).toBe('swarm: not converged after 240 s');
  });

  it('when the error already names the program (a ConfigError of its own options), then the name is there once', () => {
    const error = new ConfigError('cluster', ['redis.url: must be a redis:// URL']);
    expect(cliMessage('cluster', error)).toBe('cluster: invalid configuration:\n  - redis.url: must be a redis:// URL');
  });

  it('when the error names another part, then the program still names itself first', () => {
    expect(cliMessage('bench', new ConfigError('cluster', ['x: y']))).toBe('bench: cluster: invalid configuration:\n  - x: y');
    // Only a whole name followed by ": " counts: "clusters" is not "cluster".
    expect(cliMessage('cluster', new Error('clusters: two'))).toBe('cluster: clusters: two');
  });
});
