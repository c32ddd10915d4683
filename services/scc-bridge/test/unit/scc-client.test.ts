import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '@qdn/shared/config';
import { isTransient, PermanentError, TransientError } from '@qdn/shared/errors';
import { SccClient } from '../../src/adapters/scc-client.ts';

// How SCC's answers are sorted for the crew consumer, with SCC's HTTP answers scripted.
function clientAnswering(status: number) {
  return new SccClient({
    baseUrl: 'https://scc.example',
    serviceKey: async () => 'key',
    timeoutMs: 1_000,
    fetch: async () => new Response(JSON.stringify({ error: 'no' }), { status }),
  });
}

describe('SccClient', () => {
  it.each([401, 403])(
    'given SCC refuses our key (%i), then a ConfigError: retried, then parked for fix-then-redrive',
    async (status) => {
      const refused = clientAnswering(status).remove('evt_1');
      await expect(refused).rejects.toThrow(ConfigError);
      expect(isTransient(await refused.catch((error: unknown) => error))).toBe(true);
    },
  );

  it.each([
    [503, TransientError],
    [429, TransientError],
    [422, PermanentError],
  ])('given SCC answers %i, then %p', async (status, kind) => {
    await expect(clientAnswering(status).remove('evt_1')).rejects.toThrow(kind);
  });
});
