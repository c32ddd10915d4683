import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud, todayIn } from '@qdn/local-cloud/test-harness';
import { addDays } from '@qdn/shared/zoned-time';

// Web bookings nobody confirmed expire on the jobs service's schedule (jobs.expireRequests, `rate(1
// hour)`), run by the local cloud's schedule trigger; the test fires it for days ahead instead of waiting.
let jobs: TestCloud;

beforeAll(async () => {
  jobs = await startTestCloud('request-expiry', { capture: ['qdn.jobs'] });
}, 90_000);

afterAll(async () => {
  await jobs?.stop();
});

const DAY = 86_400_000;
const PHONE = '+16195550166';

describe('unconfirmed web bookings expire', () => {
  it('given a QuickDumpNow booking (3 days to confirm), then kept on day 2, expired on day 4, shown to staff, never texted', async () => {
    // Prepare
    const booked = await jobs.api('POST', '/bookings', {
      body: {
        brandId: 'qdn',
        name: 'Ines Ortega',
        phone: '(619) 555-0166',
        address: { text: '2710 Garnet Ave, San Diego' },
        serviceType: 'junk_removal',
        preferredDate: addDays(todayIn(), 6),
        smsConsent: true,
      },
    });
    expect(booked.status).toBe(201);
    const { jobId } = booked.body;
    const now = Date.now();

    // Act
    const early = await jobs.cloud.runSchedule('jobs.expireRequests', new Date(now + 2 * DAY));
    const stillWaiting = await jobs.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    const due = await jobs.cloud.runSchedule('jobs.expireRequests', new Date(now + 4 * DAY));
    const expired = await jobs.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' });
    const inbox = await jobs.api('GET', '/requests', { role: 'dispatcher' });

    // Assess
    expect(early).toMatchObject({ expired: [] });
    expect(stillWaiting.body.job.status).toBe('requested');
    expect(due).toMatchObject({ expired: [jobId] });
    expect(expired.body.job).toMatchObject({ status: 'cancelled', version: 2 });
    expect(Date.parse(expired.body.job.expiredAt)).toBe(Math.floor((now + 4 * DAY) / 1000) * 1000);
    expect(expired.body.job.statusHistory.at(-1)).toMatchObject({
      status: 'cancelled',
      note: 'expired: not confirmed within 3 days',
    });
    expect(inbox.body.jobs.map((job: { jobId: string }) => job.jobId)).not.toContain(jobId);

    // The cancellation went on the bus like any other, and nothing reached the customer.
    const events = await jobs.eventsFor(jobId, 2);
    expect(events.map((event) => event['detail-type'])).toEqual(['JobCreated', 'JobStatusChanged']);
    expect(events[1]?.detail.data).toMatchObject({ previousStatus: 'requested', status: 'cancelled' });
    await jobs.settled();
    expect(jobs.cloud.twilio.messages().filter((message) => message.to === PHONE)).toEqual([]);
  }, 60_000);

  it('given the schedule runs again, then an expired request is not touched twice', async () => {
    const again = await jobs.cloud.runSchedule('jobs.expireRequests', new Date(Date.now() + 30 * DAY));
    expect(again).toEqual({ expired: [], waiting: 0 });
  });
});
