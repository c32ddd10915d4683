import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { type CalendarFake, createCalendarFake } from '@qdn/local-cloud/fakes/calendar';
import { ConfigError } from '@qdn/shared/config';
import { isTransient, PermanentError, TransientError } from '@qdn/shared/errors';
import { InternalCalendarClient } from '../../src/adapters/internal-calendar-client.ts';
import type { InternalCalendarChange } from '../../src/domain/internal-calendar.ts';

// The internal calendar client against the local cloud's calendar fake: which answers retry (transient)
// and which are recorded and dropped (permanent).
const TOKEN = 'client-test-token';
let fake: CalendarFake;
let client: InternalCalendarClient;
let baseUrl: string;

beforeAll(async () => {
  fake = createCalendarFake({ dashboardToken: TOKEN });
  baseUrl = (await fake.listen()).url;
  // A trailing slash, as an operator might configure it.
  client = new InternalCalendarClient({
    baseUrl: `${baseUrl}/`,
    dashboardToken: async () => TOKEN,
    timeoutMs: 300,
  });
});

afterEach(() => {
  fake.clear();
  fake.clearFaults();
});

afterAll(async () => {
  await fake.close();
});

const put = (entryId: string): InternalCalendarChange => ({
  kind: 'put',
  entryId,
  body: {
    title: 'Junk removal – Lee',
    start: '2027-10-05T19:00:00.000Z',
    end: '2027-10-06T00:00:00.000Z',
    allDay: false,
    timeZone: 'America/Los_Angeles',
    location: '77 Pine St',
    description: 'Junk removal for Lee',
    status: 'scheduled',
    brand: 'QuickDumpNow',
    jobId: entryId,
    version: 1,
  },
});

describe('internal calendar client', () => {
  it('given a put then a delete, then the entry is stored under the job id with the token, then removed', async () => {
    await client.apply(put('qdn_1'));
    expect(fake.entries()).toEqual([expect.objectContaining({ id: 'qdn_1', title: 'Junk removal – Lee' })]);
    expect(fake.requests()[0]).toMatchObject({ method: 'PUT', path: '/entries/qdn_1', status: 201 });

    await client.apply({ kind: 'delete', entryId: 'qdn_1' });
    expect(fake.entries()).toEqual([]);
  });

  it('given an entry already gone, when deleted, then that is success', async () => {
    await expect(client.apply({ kind: 'delete', entryId: 'qdn_never' })).resolves.toBeUndefined();
  });

  it.each([
    ['a 503', { count: 1, status: 503 }],
    ['a 429', { count: 1, status: 429 }],
    ['a reset connection', { count: 1, kind: 'reset' }],
    ['no answer in time', { count: 1, kind: 'timeout' }],
  ])('given %s, then a transient error (SQS retries)', async (_case, fault) => {
    fake.injectFaults(fault);
    await expect(client.apply(put('qdn_2'))).rejects.toThrow(TransientError);
  });

  it.each([
    [
      'a 400',
      { count: 1, status: 400, body: { error: 'start must be before end' } },
      /400.*start must be before end/,
    ],
    ['a 409', { count: 1, status: 409 }, /409/],
  ])('given %s, then a permanent error that says why', async (_case, fault, message) => {
    fake.injectFaults(fault);
    const failure = client.apply(put('qdn_3'));
    await expect(failure).rejects.toThrow(PermanentError);
    await expect(failure).rejects.toThrow(message);
  });

  it('given a wrong token, then a configuration error: retried, parked, redriven once the token is fixed', async () => {
    const stranger = new InternalCalendarClient({
      baseUrl,
      dashboardToken: async () => 'wrong',
      timeoutMs: 300,
    });
    const refused = stranger.apply(put('qdn_4'));
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow('401');
    expect(isTransient(await refused.catch((error: unknown) => error))).toBe(true);
    expect(fake.entries()).toEqual([]);
  });

  it('given nothing listening, then a transient error', async () => {
    const nowhere = new InternalCalendarClient({
      baseUrl: 'http://127.0.0.1:9',
      dashboardToken: async () => TOKEN,
      timeoutMs: 300,
    });
    await expect(nowhere.apply(put('qdn_5'))).rejects.toThrow(TransientError);
  });
});
