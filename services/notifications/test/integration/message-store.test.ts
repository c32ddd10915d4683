import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobOnBus } from '@qdn/local-cloud/test-factories';
import { eventually, startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';
import { DynamoNotificationStore } from '../../src/adapters/notification-store.ts';

// The messages table's store against the local cloud's DynamoDB: the reads and writes issue 21 folded
// together (fewer calls per SMS) still answer what they answered before.
let harness: TestCloud;
let db: DynamoDBDocumentClient;
let store: DynamoNotificationStore;

beforeAll(async () => {
  harness = await startTestCloud('message-store');
  db = DynamoDBDocumentClient.from(harness.cloud.clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  store = new DynamoNotificationStore(db, 'qdn-notifications-local-messages', { sendRecordTtlDays: 30 });
}, 90_000);

/**
 * The store over a client that fails each call `fails` picks (by its command), as a throttled write or a
 * Lambda that dies part way would: what was written before stays, nothing after it is.
 */
function storeFailing(fails: (command: { input: Record<string, unknown> }, call: number) => boolean) {
  let calls = 0;
  const failing = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: { input: Record<string, unknown> }) =>
        fails(command, ++calls)
          ? Promise.reject(new Error(`injected failure of call ${calls}`))
          : target.send(command as never);
    },
  });
  return new DynamoNotificationStore(failing, 'qdn-notifications-local-messages', { sendRecordTtlDays: 30 });
}

afterAll(async () => {
  await harness?.stop();
});

let seq = 0;
const newPhone = () => `+1619556${String(seq++).padStart(4, '0')}`;
const newJobId = () => `qdn_store${String(seq++).padStart(4, '0')}`;
const now = new Date('2026-12-04T10:00:00Z');

describe('textingPermission', () => {
  it('given a number with a consent, a review request and a text on record, then one read says texted, consented and not opted out', async () => {
    const phone = newPhone();
    await store.observeJob(
      jobOnBus({ jobId: newJobId(), version: 1, customer: { name: 'Mark', firstName: 'Mark', phone } }),
      now,
    );
    await store.claimReviewRequest(phone, 'qdn', 'review:job', now, new Date(now.getTime() - 86_400_000));
    expect(await store.textingPermission(phone, 'qdn')).toEqual({
      optedOut: false,
      consented: true,
      texted: false,
    });

    await store.markTexted(phone, now);
    await store.suppress(phone, 'keyword', now);

    expect(await store.textingPermission(phone, 'qdn')).toEqual({
      optedOut: true,
      consented: true,
      texted: true,
    });
    // Another brand has no consent of its own; the number's opt-out and first text are the number's.
    expect(await store.textingPermission(phone, 'other-brand')).toEqual({
      optedOut: true,
      consented: false,
      texted: true,
    });
  });
});

describe('observeJob', () => {
  it.each([1, 2, 3, 4])(
    'given the first attempt dies after %i call(s), when the event is retried, then replies, #refs and the consent find the job',
    async (calls) => {
      const phone = newPhone();
      const jobId = newJobId();
      const job = jobOnBus({ jobId, version: 1, customer: { name: 'Mark', firstName: 'Mark', phone } });

      await storeFailing((_command, call) => call > calls)
        .observeJob(job, now)
        .catch(() => undefined);
      await store.observeJob(job, now);

      expect((await store.jobsForPhone(phone)).map((found) => found.jobId)).toEqual([jobId]);
      expect((await store.jobByRef(jobId.slice(-6)))?.jobId).toBe(jobId);
      expect((await store.consentHistory(phone)).consents).toEqual([
        expect.objectContaining({ brandId: 'qdn', jobId, at: job.smsConsent!.at }),
      ]);
      expect(await store.textingPermission(phone, 'qdn')).toMatchObject({ consented: true });
    },
  );

  it("given a new number and a new consent whose writes fail, when a later version comes before the retry, then the later version's event writes them", async () => {
    const [first, second] = [newPhone(), newPhone()];
    const jobId = newJobId();
    const job = (version: number, phone: string) =>
      jobOnBus({
        jobId,
        version,
        customer: { name: 'Mark', firstName: 'Mark', phone },
        // A new number comes with its own consent (the dispatcher's, when the number changed).
        smsConsent: {
          phone,
          source: 'dispatcher',
          statement: 'Customer asked by phone for texts about this job',
          at: phone === first ? '2026-11-28T10:00:00.000Z' : '2026-11-29T10:00:00.000Z',
          by: 'dispatcher-1',
        },
      });
    await store.observeJob(job(1, first), now);

    // Every call but those on the job item fails: the number's and the consent's items are not written.
    await storeFailing((command) => (command.input.Key as { sk?: string } | undefined)?.sk !== 'JOB')
      .observeJob(job(2, second), now)
      .catch(() => undefined);
    await store.observeJob(job(3, second), now);
    const retried = await store.observeJob(job(2, second), now);

    expect(retried).toMatchObject({ stale: true });
    expect((await store.jobsForPhone(second)).map((found) => found.version)).toEqual([3]);
    expect(await store.textingPermission(second, 'qdn')).toMatchObject({ consented: true });
  });
});

describe('observeJob: which later changes make a late event out of date', () => {
  it('given a job created and then geocoded, then its creation seen again is older but not overtaken; after a move it is', async () => {
    const jobId = newJobId();
    const created = jobOnBus({ jobId, version: 1 });
    const created_ = { statusChanged: true, scheduleChanged: true };
    expect(await store.observeJob(created, now, created_)).toMatchObject({ stale: false });
    await store.observeJob(
      jobOnBus({ jobId, version: 2, address: { text: created.address.text, lat: 32.71, lng: -117.16 } }),
      now,
    );

    expect(await store.observeJob(created, now, created_)).toEqual({
      stale: true,
      statusChangedSince: false,
      scheduleChangedSince: false,
      numberChangedSince: false,
    });
    // The geocoder's write changed nothing of the job's state as the projection shows it.
    expect(await store.job(jobId)).toMatchObject({ version: 2, statusVersion: 1, scheduleVersion: 1 });

    await store.observeJob(
      jobOnBus({ jobId, version: 3, schedule: { date: '2026-12-02', window: 'afternoon' } }),
      now,
      { scheduleChanged: true },
    );
    expect(await store.observeJob(created, now, created_)).toEqual({
      stale: true,
      statusChangedSince: false,
      scheduleChangedSince: true,
      numberChangedSince: false,
    });
    expect(await store.job(jobId)).toMatchObject({ version: 3, date: '2026-12-02', scheduleVersion: 3 });
  });

  it('given a job whose number a dispatcher corrected, then its creation seen again is to a number the job no longer has', async () => {
    const jobId = newJobId();
    const created = jobOnBus({ jobId, version: 1 });
    const created_ = { statusChanged: true, scheduleChanged: true };
    await store.observeJob(created, now, created_);
    await store.observeJob(
      jobOnBus({ jobId, version: 2, customer: { ...created.customer, phone: '+16195550199' } }),
      now,
    );

    expect(await store.observeJob(created, now, created_)).toMatchObject({
      stale: true,
      statusChangedSince: false,
      numberChangedSince: true,
    });
    expect(await store.job(jobId)).toMatchObject({ version: 2, phone: '+16195550199' });
  });

  it('given a status change seen again (a retry), then it still names the status change it replaced', async () => {
    const jobId = newJobId();
    await store.observeJob(jobOnBus({ jobId, version: 4, status: 'complete' }), now, { statusChanged: true });
    const correction = jobOnBus({ jobId, version: 5, status: 'arrived' });

    expect(await store.observeJob(correction, now, { statusChanged: true })).toMatchObject({
      previousStatusVersion: 4,
    });
    expect(await store.observeJob(correction, now, { statusChanged: true })).toMatchObject({
      previousStatusVersion: 4,
    });
  });

  it('given a status change handled after a later note, then its version is recorded and nothing else of it', async () => {
    const jobId = newJobId();
    await store.observeJob(jobOnBus({ jobId, version: 5, status: 'complete' }), now, { statusChanged: true });
    await store.observeJob(jobOnBus({ jobId, version: 7, status: 'arrived', crewIds: ['crew_ana'] }), now);

    expect(
      await store.observeJob(jobOnBus({ jobId, version: 6, status: 'arrived' }), now, {
        statusChanged: true,
      }),
    ).toEqual({
      stale: true,
      statusChangedSince: false,
      scheduleChangedSince: false,
      numberChangedSince: false,
      previousStatusVersion: 5,
    });
    expect(await store.job(jobId)).toMatchObject({
      version: 7,
      status: 'arrived',
      crewIds: ['crew_ana'],
      statusVersion: 6,
    });
    // An older status change still is overtaken, and moves nothing.
    expect(
      await store.observeJob(jobOnBus({ jobId, version: 5, status: 'complete' }), now, {
        statusChanged: true,
      }),
    ).toMatchObject({ stale: true, statusChangedSince: true });
    expect(await store.job(jobId)).toMatchObject({ version: 7, statusVersion: 6 });
  });

  it('given a projection begun by an event that changed neither status nor schedule, then the older creation is not overtaken', async () => {
    const jobId = newJobId();
    await store.observeJob(jobOnBus({ jobId, version: 2 }), now);

    expect(
      await store.observeJob(jobOnBus({ jobId, version: 1 }), now, {
        statusChanged: true,
        scheduleChanged: true,
      }),
    ).toEqual({
      stale: true,
      statusChangedSince: false,
      scheduleChangedSince: false,
      numberChangedSince: false,
    });
  });
});

describe('suppressions', () => {
  it('given a number opted out by a message, then its suppression names the message (a retry of it is not "opted out before")', async () => {
    const [phone, blocked] = [newPhone(), newPhone()];

    await store.suppress(phone, 'reply', now, 'SM0001');
    await store.suppress(blocked, 'twilio-21610', now);

    expect(await store.suppression(phone)).toEqual({
      source: 'reply',
      at: now.toISOString(),
      messageSid: 'SM0001',
    });
    expect(await store.suppression(blocked)).toEqual({ source: 'twilio-21610', at: now.toISOString() });
  });

  it.each(['keyword', 'twilio-21610'])(
    'given a number suppressed by %s, when a later reply is read as an opt-out, then the suppression stays one a dispatcher cannot lift',
    async (source) => {
      const phone = newPhone();
      await store.suppress(phone, source, now, source === 'keyword' ? 'SM0002' : undefined);

      await store.suppress(phone, 'reply', new Date(now.getTime() + 60_000), 'SM0003');
      const restored = await store.restoreConsent(phone, {
        by: 'dispatcher-1',
        messageSid: 'SM0003',
        at: new Date(now.getTime() + 120_000),
        jobId: newJobId(),
        brandId: 'qdn',
      });

      expect(restored).toBe(false);
      expect(await store.suppression(phone)).toMatchObject({ source, at: now.toISOString() });
    },
  );

  it('given a reply read as an opt-out, then a second such reply keeps the first one’s record, and a STOP replaces it', async () => {
    const phone = newPhone();
    await store.suppress(phone, 'reply', now, 'SM0004');

    await store.suppress(phone, 'reply', new Date(now.getTime() + 60_000), 'SM0005');
    expect(await store.suppression(phone)).toMatchObject({ source: 'reply', messageSid: 'SM0004' });

    await store.suppress(phone, 'keyword', new Date(now.getTime() + 120_000), 'SM0006');
    expect(await store.suppression(phone)).toMatchObject({ source: 'keyword', messageSid: 'SM0006' });
  });
});

describe('recordDelivery', () => {
  it('given a status callback whose status write fails (500 to Twilio), when Twilio retries it, then the status moves', async () => {
    const jobId = newJobId();
    const delivery = { messageSid: `SM${jobId}`, status: 'delivered' };
    const statusWrite = (command: { input: Record<string, unknown> }) =>
      String((command.input.Key as { sk?: string } | undefined)?.sk).startsWith('SMS#');

    await expect(storeFailing(statusWrite).recordDelivery(jobId, delivery, {}, now)).rejects.toThrow(
      /injected failure/,
    );
    await store.recordDelivery(jobId, delivery, {}, now);
    const replayed = await store.recordDelivery(jobId, delivery, {}, now);

    expect((await store.timeline(jobId)).deliveries.get(delivery.messageSid)).toEqual(delivery);
    expect(replayed).toBe('duplicate');
  });
});

describe('currentTrackingLink', () => {
  it("given job events and rotations in any order, then the highest version's link; none before any event", async () => {
    const jobId = newJobId();
    const customer = { name: 'Mark', firstName: 'Mark', phone: newPhone() };
    expect(await store.currentTrackingLink(jobId)).toBeUndefined();

    // The job events' link comes with the job's projection.
    await store.observeJob(jobOnBus({ jobId, version: 1, customer, trackingLinkId: 'L1' }), now);
    expect(await store.currentTrackingLink(jobId)).toBe('L1');

    // A rotation at version 3 arrives before the job event of version 2.
    await store.recordTrackingLink({ jobId, linkId: 'L3', version: 3 });
    await store.observeJob(jobOnBus({ jobId, version: 2, customer, trackingLinkId: 'L1' }), now);
    expect(await store.currentTrackingLink(jobId)).toBe('L3');

    // A later job event names the rotated link, then a later rotation again; an old rotation changes nothing.
    await store.observeJob(jobOnBus({ jobId, version: 4, customer, trackingLinkId: 'L3' }), now);
    await store.recordTrackingLink({ jobId, linkId: 'L5', version: 5 });
    await store.recordTrackingLink({ jobId, linkId: 'L3', version: 3 });
    expect(await store.currentTrackingLink(jobId)).toBe('L5');
  });
});

describe('jobsForPhone', () => {
  it('given a job whose status changes and then its number, then the reply lookup follows the status and the number', async () => {
    const jobId = newJobId();
    const [first, second] = [newPhone(), newPhone()];
    const job = (version: number, status: 'scheduled' | 'en_route', phone: string) =>
      jobOnBus({ jobId, version, status, customer: { name: 'Mark', firstName: 'Mark', phone } });

    await store.observeJob(job(1, 'scheduled', first), now);
    await store.observeJob(job(2, 'en_route', first), now);
    expect((await store.jobsForPhone(first)).map(({ jobId: id, status }) => [id, status])).toEqual([
      [jobId, 'en_route'],
    ]);

    await store.observeJob(job(3, 'en_route', second), now);
    expect(await store.jobsForPhone(first)).toEqual([]);
    expect((await store.jobsForPhone(second)).map(({ jobId: id, version }) => [id, version])).toEqual([
      [jobId, 3],
    ]);
  });
});

describe('GET /track/jobs/{jobId}/messages', () => {
  it("given a customer's grant and then a rotated link, then the old link's grant is refused and the new one's works", async () => {
    const created = await harness.api('POST', '/jobs', {
      role: 'dispatcher',
      body: {
        customer: { name: 'Ana Ruiz', phone: newPhone() },
        address: { text: 'Soderblom Ave, San Diego, CA' },
        serviceType: 'trailer_pickup_and_dump',
        schedule: { date: '2026-12-15', window: 'afternoon' },
        crewIds: [],
      },
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job.jobId as string;
    const grantOf = async (trackingUrl: string) =>
      (await harness.api('GET', `/track/${trackingUrl.split('/track/')[1]}`)).body.grant.grant as string;
    const messages = (grant: string) =>
      fetch(`${harness.cloud.apiUrl}/track/jobs/${jobId}/messages`, {
        headers: { authorization: `Bearer ${grant}` },
      }).then((response) => response.status);
    const first = await grantOf(created.body.trackingUrl);
    // The service knows the job's link once the sms consumer has projected the job.
    await eventually(() => store.currentTrackingLink(jobId));
    expect(await messages(first)).toBe(200);

    const rotated = await harness.api('POST', `/jobs/${jobId}/tracking-link`, { role: 'dispatcher' });
    expect(rotated.status).toBe(201);
    const second = await grantOf(rotated.body.trackingUrl);

    await eventually(async () => (await messages(first)) === 401, { what: 'the old grant refused' });
    expect(await messages(second)).toBe(200);
  });
});

describe('claimCrewMessageVersion', () => {
  it('given a crew member texted about version 6 of a job, then version 5 is refused, 6 again and 7 pass, and another member or job is apart', async () => {
    const [jobId, otherJob] = [newJobId(), newJobId()];

    expect(await store.claimCrewMessageVersion(jobId, 'crew_a', 6)).toBe(true);
    expect(await store.claimCrewMessageVersion(jobId, 'crew_a', 5)).toBe(false);
    expect(await store.claimCrewMessageVersion(jobId, 'crew_a', 6)).toBe(true);
    expect(await store.claimCrewMessageVersion(jobId, 'crew_b', 5)).toBe(true);
    expect(await store.claimCrewMessageVersion(otherJob, 'crew_a', 5)).toBe(true);
    expect(await store.claimCrewMessageVersion(jobId, 'crew_a', 7)).toBe(true);
    expect(await store.claimCrewMessageVersion(jobId, 'crew_a', 6)).toBe(false);
    // The job's timeline and tracking link do not see the crew items.
    expect((await store.timeline(jobId)).entries).toEqual([]);
  });
});

describe('claimReviewRequest', () => {
  it('given two review requests for one number claimed at once, then exactly one wins; its retry passes; released, the next one may ask', async () => {
    const phone = newPhone();
    const since = new Date(now.getTime() - 90 * 86_400_000);

    const claims = await Promise.all(
      ['review:job-a', 'review:job-b'].map((key) => store.claimReviewRequest(phone, 'qdn', key, now, since)),
    );

    expect(claims.filter(Boolean)).toHaveLength(1);
    const winner = claims[0] ? 'review:job-a' : 'review:job-b';
    const loser = claims[0] ? 'review:job-b' : 'review:job-a';
    expect(await store.claimReviewRequest(phone, 'qdn', winner, now, since)).toBe(true);
    expect(await store.reviewRequestedAt(phone, 'qdn')).toBe(now.toISOString());
    // Another brand asks on its own.
    expect(await store.claimReviewRequest(phone, 'jada', loser, now, since)).toBe(true);

    await store.releaseReviewRequest(phone, 'qdn', loser);
    expect(await store.claimReviewRequest(phone, 'qdn', loser, now, since)).toBe(false);
    await store.releaseReviewRequest(phone, 'qdn', winner);
    expect(await store.claimReviewRequest(phone, 'qdn', loser, now, since)).toBe(true);
    // 91 days on, a new request may ask again.
    const later = new Date(now.getTime() + 91 * 86_400_000);
    expect(
      await store.claimReviewRequest(
        phone,
        'qdn',
        'review:job-c',
        later,
        new Date(later.getTime() - 90 * 86_400_000),
      ),
    ).toBe(true);
  });
});
