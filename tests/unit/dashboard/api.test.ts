import { loadDashboardModule } from './load-module';

interface Api {
  describeFailure(result: { status: number; body: unknown }): string;
}

const api = loadDashboardModule<Api>('api.js');

describe('dashboard api: the line shown for a failed request', () => {
  test('when the answer is a catalogue error, then its status, code and message are shown', () => {
    expect(api.describeFailure({ status: 503, body: { error: 'session_store_unavailable', message: 'The session store (Redis) is unavailable.' } }))
      .toBe('503 session_store_unavailable: The session store (Redis) is unavailable.');
  });

  test('when nothing answered, then it says so instead of a status', () => {
    expect(api.describeFailure({ status: 0, body: { error: 'timeout', message: 'No answer within 12 s.' } })).toBe('no answer timeout: No answer within 12 s.');
  });

  test('when the body is empty or not the catalogue shape, then the status alone is still shown', () => {
    expect(api.describeFailure({ status: 502, body: null })).toBe('502 error');
    expect(api.describeFailure({ status: 500, body: { error: 42 } })).toBe('500 error');
  });
});
