import { describe, expect, it } from '@jest/globals';
import type { DomainEvent } from '@qdn/shared/events';
import {
  consentRestoredEventsOf,
  restoreConsentAfterMisreading,
} from '../../src/domain/consent-restoration.ts';
import type { JobSnapshot, TimelineEntry } from '../../src/domain/ports.ts';
import { memoryStore } from './fakes.ts';

const PHONE = '+16195550177';
const NOW = new Date('2026-12-04T17:00:00.000Z');
const misreadReply: TimelineEntry = {
  jobId: 'qdn_01',
  at: '2026-12-04T16:00:00.000Z',
  type: 'SmsReceived',
  eventId: 'inbound:SM1:SmsReceived',
  messageSid: 'SM1',
  from: PHONE,
  body: 'stop by the gate please, remove me from the list of people waiting',
  revokedConsent: true,
};

function setUp(entries: TimelineEntry[]) {
  const published: DomainEvent[] = [];
  // What the messages table's stream publisher would publish for each restoration recorded.
  const store = memoryStore(undefined, (record) =>
    published.push(...consentRestoredEventsOf(undefined, record)),
  );
  store.jobs.set('qdn_01', { jobId: 'qdn_01', brandId: 'qdn', phone: PHONE } as JobSnapshot);
  store.timeline = async (jobId) => ({
    entries: jobId === 'qdn_01' ? entries : [],
    deliveries: new Map(),
  });
  const deps = { store, now: () => NOW };
  return { store, published, deps };
}

describe('undoing an opt-out read into a reply', () => {
  it('given a reply read as a revocation, then the number is texted again, audited, and the timeline hears who did it', async () => {
    const { store, published, deps } = setUp([misreadReply]);
    await store.suppress(PHONE, 'reply', NOW);

    const outcome = await restoreConsentAfterMisreading(deps, {
      jobId: 'qdn_01',
      messageSid: 'SM1',
      dispatcherId: 'dispatcher-7',
    });

    expect(outcome).toEqual({ restored: true, phone: PHONE });
    expect(await store.isSuppressed(PHONE)).toBe(false);
    expect(store.restorations).toEqual([{ phone: PHONE, by: 'dispatcher-7', messageSid: 'SM1', at: NOW }]);
    expect(published).toEqual([
      expect.objectContaining({
        detailType: 'SmsConsentRestored',
        detail: expect.objectContaining({
          meta: expect.objectContaining({ jobId: 'qdn_01', brandId: 'qdn', actor: 'dispatcher-7' }),
          data: { messageSid: 'SM1', phone: PHONE },
        }),
      }),
    ]);
  });

  it('given the number is no longer opted out (START, or undone already), then nothing changes and it says so', async () => {
    const { published, deps } = setUp([misreadReply]);
    const outcome = await restoreConsentAfterMisreading(deps, {
      jobId: 'qdn_01',
      messageSid: 'SM1',
      dispatcherId: 'dispatcher-7',
    });
    expect(outcome).toEqual({ restored: false, phone: PHONE, reason: 'not-opted-out' });
    expect(published).toEqual([]);
  });

  it('given the customer also texted STOP, then 409: only they can opt back in', async () => {
    const { store, published, deps } = setUp([misreadReply]);
    await store.suppress(PHONE, 'keyword', NOW);
    await expect(
      restoreConsentAfterMisreading(deps, { jobId: 'qdn_01', messageSid: 'SM1', dispatcherId: 'd' }),
    ).rejects.toMatchObject({ statusCode: 409, message: expect.stringMatching(/texted STOP/) });
    expect(await store.isSuppressed(PHONE)).toBe(true);
    expect(published).toEqual([]);
  });

  it.each([
    ['a reply that revoked nothing', { ...misreadReply, revokedConsent: undefined }, 'qdn_01', 'SM1'],
    ['another message', misreadReply, 'qdn_01', 'SM2'],
    ['another job', misreadReply, 'qdn_02', 'SM1'],
  ])('given %s, then the same 404', async (_case, entry, jobId, messageSid) => {
    const { store, deps } = setUp([entry as TimelineEntry]);
    await store.suppress(PHONE, 'reply', NOW);
    await expect(
      restoreConsentAfterMisreading(deps, { jobId, messageSid, dispatcherId: 'd' }),
    ).rejects.toMatchObject({ statusCode: 404, message: 'No reply of this job was read as an opt-out' });
    expect(await store.isSuppressed(PHONE)).toBe(true);
  });
});
