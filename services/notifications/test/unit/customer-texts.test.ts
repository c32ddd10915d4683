import { describe, expect, it } from '@jest/globals';
import { jobOnBus, testBrands } from '@qdn/local-cloud/test-factories';
import { ConflictError, NotFoundError } from '@qdn/shared/errors';
import { type JobOnBus, parseBusEvent } from '@qdn/shared/events';
import { parseCrewMessage, textCrewMember } from '../../src/domain/crew-sms.ts';
import { SmsRejectedError, textCustomerAsDispatcher } from '../../src/domain/dispatcher-messages.ts';
import { sendFollowUp } from '../../src/domain/follow-ups.ts';
import { handleInbound, type InboundSms, REVOKED_FLAG, replyJobOf } from '../../src/domain/inbound.ts';
import { type JobEventForSms, textCustomerAbout } from '../../src/domain/job-event-texts.ts';
import { type JobSnapshot, SmsSendError } from '../../src/domain/ports.ts';
import { customerSms } from '../../src/domain/send-job-text.ts';
import { notificationsDeps } from './fakes.ts';

const QDN_SENDER = { messagingServiceSid: 'MG00000000000000000000000000000001' };
const JADA_SENDER = { from: '+16195550110' };
const MARK = '+16195550142';
const QDN_TEAM = ['+16195550101', '+16195550102'];

/** A job event as the sms consumer receives it from its rule (validated like any bus event). */
function jobEvent(detailType: string, job: JobOnBus, data: Record<string, unknown> = {}): JobEventForSms {
  return parseBusEvent({
    version: '0',
    id: `evt-${job.version}-${detailType}`,
    source: 'qdn.jobs',
    account: '000000000000',
    time: '2026-11-22T10:00:00Z',
    region: 'us-west-2',
    resources: [],
    'detail-type': detailType,
    detail: {
      meta: {
        eventId: `${job.jobId}:${job.version}:${detailType}`,
        occurredAt: '2026-11-22T10:00:00.000Z',
        brandId: job.brandId,
        jobId: job.jobId,
        version: job.version,
        correlationId: 'corr-1',
        schemaVersion: 1,
      },
      data: { job, ...data },
    },
  }) as JobEventForSms;
}

describe('texting the customer about their job', () => {
  it('given a new scheduled job and a number never texted, then one text from the brand with the link and how to opt out', async () => {
    const { deps, texts, published, store } = notificationsDeps();

    const outcome = await textCustomerAbout(deps, jobEvent('JobCreated', jobOnBus()));

    expect(outcome).toEqual({ state: 'sent', messageSid: 'SM1', status: 'queued' });
    expect(texts).toEqual([
      {
        to: MARK,
        sender: QDN_SENDER,
        body: `Hi Mark, your trailer pickup & dump is booked for Tue, Dec 1 between 12 pm and 5 pm. Track: https://qdn.example.test/track/${'link-1'.padEnd(32, 'x')} - QuickDumpNow Reply STOP to opt out.`,
      },
    ]);
    expect(published.map((event) => [event.detailType, event.detail.meta.eventId])).toEqual([
      ['SmsSent', 'sms:job:qdn_01JDEMO0000000000000000000:2:scheduled:SmsSent'],
    ]);
    // The recorded text hides the link's token.
    expect(published[0]?.detail.data).toMatchObject({ body: expect.stringContaining('/track/[link]') });
    expect(await store.job('qdn_01JDEMO0000000000000000000')).toMatchObject({
      version: 2,
      firstName: 'Mark',
    });
  });

  it('given the same event delivered twice, then one text', async () => {
    const { deps, texts } = notificationsDeps();
    const event = jobEvent('JobCreated', jobOnBus());
    await textCustomerAbout(deps, event);
    await textCustomerAbout(deps, event);
    expect(texts).toHaveLength(1);
  });

  it('given a second text to the number, a charter of a brand with a From number and no link, then no opt-out line, JADA’s number and no Track', async () => {
    const { deps, texts } = notificationsDeps();
    const charter = jobOnBus({
      brandId: 'jada',
      serviceType: 'charter',
      schedule: { date: '2026-12-05', time: '17:30' },
      trackingLinkId: undefined,
      charter: { vessel: 'JADA', meetingPoint: 'Dock C', guestCount: 6, durationMinutes: 180 },
    });
    await deps.store.markTexted(MARK, deps.now());

    await textCustomerAbout(deps, jobEvent('JobCreated', charter));

    expect(texts).toEqual([
      {
        to: MARK,
        sender: JADA_SENDER,
        body: 'Hi Mark, your charter aboard JADA is set for Sat, Dec 5 at 5:30 pm, meet at Dock C. - JADA',
      },
    ]);
  });

  it('given a charter confirmed by the dispatcher, then its text links the guest page (/g/), not the tracking page, and the record hides the token', async () => {
    // Prepare
    const { deps, texts, published } = notificationsDeps();
    const confirmed = jobOnBus({
      brandId: 'queen-of-san-diego',
      serviceType: 'charter',
      schedule: { date: '2026-12-05', time: '17:00' },
      charter: { vessel: 'Queen of San Diego', meetingPoint: 'Dock B', guestCount: 25, durationMinutes: 180 },
    });

    // Act
    await textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', confirmed, { previousStatus: 'requested', status: 'scheduled' }),
    );

    // Assess
    const guestPage = `https://queen-of-san-diego.example.test/g/${'link-1'.padEnd(32, 'x')}`;
    expect(texts.map((text) => text.body)).toEqual([
      `Hi Mark, your charter aboard Queen of San Diego is set for Sat, Dec 5 at 5 pm, meet at Dock B. Details: ${guestPage} - Queen of San Diego Reply STOP to opt out.`,
    ]);
    expect(published[0]?.detail.data).toMatchObject({ body: expect.stringContaining('/g/[link] ') });
  });

  it('given a late "on the way" after the truck arrived, then nothing is sent and the text is recorded as stale', async () => {
    const { deps, texts, published } = notificationsDeps();
    await textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', jobOnBus({ version: 4, status: 'arrived' }), {
        previousStatus: 'en_route',
        status: 'arrived',
      }),
    );

    const late = await textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', jobOnBus({ version: 3, status: 'en_route' }), {
        previousStatus: 'scheduled',
        status: 'en_route',
      }),
    );

    expect(late).toEqual({ state: 'suppressed', reason: 'stale' });
    expect(texts.map((text) => text.body)).toEqual([
      "Hi Mark, we've arrived for your trailer pickup & dump. - QuickDumpNow Reply STOP to opt out.",
    ]);
    expect(published.map((event) => event.detailType)).toEqual(['SmsSent', 'SmsSuppressed']);
    expect(published[1]?.detail.data).toMatchObject({ template: 'on_the_way', reason: 'stale' });
  });

  it('given "on the way" whose send timed out after Twilio took it, when its retry comes after a newer version, then it is found in Twilio and recorded sent, not stale', async () => {
    const { deps, texts, published } = notificationsDeps({
      answers: [new SmsSendError('ambiguous', 'Twilio: timeout', 'ETIMEDOUT')],
    });
    const onTheWay = jobEvent('JobStatusChanged', jobOnBus({ version: 3, status: 'en_route' }), {
      previousStatus: 'scheduled',
      status: 'en_route',
    });
    await expect(textCustomerAbout(deps, onTheWay)).rejects.toMatchObject({ name: 'TransientError' });
    await textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', jobOnBus({ version: 4, status: 'arrived' }), {
        previousStatus: 'en_route',
        status: 'arrived',
      }),
    );

    const retried = await textCustomerAbout(deps, onTheWay);

    expect(retried).toEqual({ state: 'sent', messageSid: 'SMlate', status: 'sent' });
    expect(texts.map((text) => text.body)).toEqual([
      expect.stringContaining("we're on the way"),
      expect.stringContaining("we've arrived"),
    ]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSent', expect.objectContaining({ template: 'arrived' })],
      ['SmsSent', expect.objectContaining({ template: 'on_the_way', messageSid: 'SMlate' })],
    ]);
  });

  it('given a late event while another attempt at its text holds the claim, then it is retried later, not recorded stale under it', async () => {
    const { deps, store, published } = notificationsDeps();
    const onTheWay = jobOnBus({ version: 3, status: 'en_route' });
    await textCustomerAbout(
      deps,
      jobEvent('JobDetailsChanged', jobOnBus({ version: 4 }), { changedFields: ['notes'] }),
    );
    // A copy of the "on the way" event, delivered before the projection moved on, is sending it now.
    await store.claimSend(
      { ...customerSms(onTheWay, 'on_the_way', testBrands.get('qdn')), body: "Hi Mark, we're on the way." },
      deps.now(),
      deps.sendLeaseMs,
    );

    const late = textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', onTheWay, { previousStatus: 'scheduled', status: 'en_route' }),
    );

    await expect(late).rejects.toMatchObject({ name: 'TransientError' });
    expect(published).toEqual([]);
  });

  it('given a booking confirmation Twilio does not take at first, when it is retried after the geocoder wrote the job again, then it is sent with its link and plans its reminder', async () => {
    const { deps, texts, published, planted } = notificationsDeps({
      answers: [new SmsSendError('transient', 'Twilio: 503', '503')],
    });
    const created = jobEvent('JobCreated', jobOnBus({ version: 1 }));
    await expect(textCustomerAbout(deps, created)).rejects.toMatchObject({ name: 'TransientError' });
    // The jobs service placed the address: an in-place write, one version up.
    await textCustomerAbout(
      deps,
      jobEvent(
        'JobDetailsChanged',
        jobOnBus({ version: 2, address: { ...jobOnBus().address, lat: 32.71, lng: -117.16 } }),
        { changedFields: ['address'] },
      ),
    );

    const retried = await textCustomerAbout(deps, created);

    expect(retried).toMatchObject({ state: 'sent' });
    expect(texts.map((text) => text.body)).toEqual([
      expect.stringContaining('is booked for Tue, Dec 1'),
      expect.stringContaining(
        'is booked for Tue, Dec 1 between 12 pm and 5 pm. Track: https://qdn.example.test/track/',
      ),
    ]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSent', expect.objectContaining({ template: 'scheduled' })],
    ]);
    expect([...planted.values()].map(({ followUp }) => followUp.kind)).toEqual(['reminder']);
  });

  it('given a booking confirmation retried after the job was moved to another day, then it is recorded stale: the move has its own text', async () => {
    const { deps, texts, published } = notificationsDeps({
      answers: [new SmsSendError('transient', 'Twilio: 503', '503')],
    });
    const created = jobEvent('JobCreated', jobOnBus({ version: 1 }));
    await expect(textCustomerAbout(deps, created)).rejects.toMatchObject({ name: 'TransientError' });
    await textCustomerAbout(
      deps,
      jobEvent(
        'JobScheduleChanged',
        jobOnBus({ version: 2, schedule: { date: '2026-12-02', window: 'afternoon' } }),
        {
          previousSchedule: { date: '2026-12-01', window: 'afternoon' },
        },
      ),
    );

    expect(await textCustomerAbout(deps, created)).toEqual({ state: 'suppressed', reason: 'stale' });
    expect(texts.map((text) => text.body)).toEqual([
      expect.stringContaining('is booked for'),
      expect.stringContaining('has moved to Wed, Dec 2'),
    ]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSent', expect.objectContaining({ template: 'rescheduled' })],
      ['SmsSuppressed', expect.objectContaining({ template: 'scheduled', reason: 'stale' })],
    ]);
  });

  it('given a booking confirmation retried after the dispatcher corrected the number, then it is recorded stale: the old number is a stranger', async () => {
    const { deps, texts, published } = notificationsDeps({
      answers: [new SmsSendError('transient', 'Twilio: 503', '503')],
    });
    const created = jobEvent('JobCreated', jobOnBus({ version: 1 }));
    await expect(textCustomerAbout(deps, created)).rejects.toMatchObject({ name: 'TransientError' });
    const typo = created.detail.data.job.customer.phone;
    await textCustomerAbout(
      deps,
      jobEvent(
        'JobDetailsChanged',
        jobOnBus({ version: 2, customer: { ...jobOnBus().customer, phone: '+16195550199' } }),
        { changedFields: ['customer'] },
      ),
    );

    expect(await textCustomerAbout(deps, created)).toEqual({ state: 'suppressed', reason: 'stale' });
    // Only the first attempt, the one Twilio refused, was ever addressed to the old number.
    expect(texts.filter((text) => text.to === typo)).toHaveLength(1);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSuppressed', expect.objectContaining({ template: 'scheduled', reason: 'stale' })],
    ]);
  });

  it.each([
    [
      'on the way',
      'JobStatusChanged',
      'en_route',
      { previousStatus: 'scheduled', status: 'en_route' },
      'on_the_way',
    ],
    ['arriving', 'JobArriving', 'en_route', { etaMinutes: 2 }, 'arriving'],
    ['arrived', 'JobStatusChanged', 'arrived', { previousStatus: 'en_route', status: 'arrived' }, 'arrived'],
  ] as const)(
    'given "%s" redriven two hours after it happened, then it is recorded too late and not sent; 20 minutes late, it is sent',
    async (_text, detailType, status, data, template) => {
      const event = jobEvent(detailType, jobOnBus({ version: 3, status }), data);
      const late = notificationsDeps({ now: new Date('2026-11-22T12:00:00Z') });
      const slow = notificationsDeps({ now: new Date('2026-11-22T10:20:00Z') });

      expect(await textCustomerAbout(late.deps, event)).toEqual({ state: 'suppressed', reason: 'too-late' });
      expect(await textCustomerAbout(slow.deps, event)).toMatchObject({ state: 'sent' });

      expect(late.texts).toEqual([]);
      expect(late.published.map((published) => [published.detailType, published.detail.data])).toEqual([
        ['SmsSuppressed', expect.objectContaining({ template, reason: 'too-late' })],
      ]);
      expect(slow.texts).toHaveLength(1);
    },
  );

  it('given a receipt whose event arrives after a newer version (the geocoder overtook it), then it is sent all the same', async () => {
    const { deps, texts } = notificationsDeps();
    await textCustomerAbout(
      deps,
      jobEvent('JobDetailsChanged', jobOnBus({ version: 3 }), { changedFields: ['address'] }),
    );

    const receipt = await textCustomerAbout(
      deps,
      jobEvent('JobPaymentReceived', jobOnBus({ version: 2, paymentMethod: 'card', paymentStatus: 'paid' }), {
        payment: { method: 'card', amountCents: 3750, paidAt: '2026-12-01T18:00:00.000Z' },
      }),
    );

    expect(receipt).toMatchObject({ state: 'sent' });
    expect(texts.map((text) => text.body)).toEqual([
      expect.stringContaining('we received your card payment of $37.50'),
    ]);
  });

  it('given a correction back to scheduled, then the customer is told to ignore the last text', async () => {
    const { deps, texts } = notificationsDeps();
    await textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', jobOnBus({ version: 4 }), {
        previousStatus: 'en_route',
        status: 'scheduled',
        correction: true,
        reason: 'mis-tap',
      }),
    );
    expect(texts[0]?.body).toBe(
      'Sorry Mark, please ignore our last text: your trailer pickup & dump is still scheduled. - QuickDumpNow Reply STOP to opt out.',
    );
  });

  it('given "on the way", then Twilio may hold it only for the validity period; a booking text has none', async () => {
    const { deps, validities } = notificationsDeps();
    await textCustomerAbout(deps, jobEvent('JobCreated', jobOnBus()));
    await textCustomerAbout(
      deps,
      jobEvent('JobStatusChanged', jobOnBus({ version: 3, status: 'en_route' }), {
        previousStatus: 'scheduled',
        status: 'en_route',
      }),
    );
    expect(validities).toEqual([
      { to: MARK, validitySeconds: undefined },
      { to: MARK, validitySeconds: 900 },
    ]);
  });

  it('given a crew change, then no text, but the job is known at its new version', async () => {
    const { deps, texts, published, store } = notificationsDeps();
    const outcome = await textCustomerAbout(
      deps,
      jobEvent('JobAssignmentChanged', jobOnBus({ version: 5, crewIds: ['crew_ana'] }), {
        previous: { crewIds: [] },
      }),
    );
    expect(outcome).toBeUndefined();
    expect(texts).toEqual([]);
    expect(published).toEqual([]);
    expect(await store.job('qdn_01JDEMO0000000000000000000')).toMatchObject({
      version: 5,
      crewIds: ['crew_ana'],
    });
  });
});

describe('the undo window of a final status', () => {
  const COMPLETED_AT = Date.parse('2026-11-22T10:00:00.000Z');
  const completed = (version: number) =>
    jobEvent('JobStatusChanged', jobOnBus({ version, status: 'complete' }), {
      previousStatus: 'arrived',
      status: 'complete',
    });
  const takenBack = (version: number, undo: boolean) =>
    jobEvent('JobStatusChanged', jobOnBus({ version, status: 'arrived' }), {
      previousStatus: 'complete',
      status: 'arrived',
      correction: true,
      undo,
      ...(undo ? {} : { reason: 'driver tapped complete at the wrong stop' }),
    });
  const COMPLETE_TEXT =
    'Thanks Mark, your trailer pickup & dump is complete. Total: $600.00. - QuickDumpNow Reply STOP to opt out.';

  function withClock() {
    const harness = notificationsDeps({ now: new Date(COMPLETED_AT + 5_000) });
    const dueTexts = async () => {
      const due = [...harness.planted.values()].filter(({ followUp }) => followUp.kind === 'status-text');
      return Promise.all(due.map(({ followUp }) => sendFollowUp(harness.deps, followUp)));
    };
    return { ...harness, dueTexts };
  }

  it('given complete, then nothing is sent at once; the text is planted for the brand window and sent when due', async () => {
    const { deps, texts, planted, dueTexts } = withClock();

    expect(await textCustomerAbout(deps, completed(4))).toBeUndefined();

    expect(texts).toEqual([]);
    const held = [...planted.values()].filter(({ followUp }) => followUp.kind === 'status-text');
    expect(held.map(({ followUp, at }) => [followUp.key, at.toISOString()])).toEqual([
      ['job:qdn_01JDEMO0000000000000000000:4:complete', '2026-11-22T10:01:00.000Z'],
    ]);
    expect(await dueTexts()).toEqual([{ state: 'sent', messageSid: 'SM1', status: 'queued' }]);
    expect(texts.map((text) => text.body)).toEqual([COMPLETE_TEXT]);
  });

  it('given complete undone inside the window, then the customer hears nothing: no complete, no correction', async () => {
    const { deps, texts, published, dueTexts } = withClock();

    await textCustomerAbout(deps, completed(4));
    expect(await textCustomerAbout(deps, takenBack(5, true))).toBeUndefined();
    expect(await dueTexts()).toEqual([{ state: 'suppressed', reason: 'undone' }]);

    expect(texts).toEqual([]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSuppressed', expect.objectContaining({ template: 'complete', reason: 'undone' })],
    ]);
  });

  it('given complete, undone and completed again, then one complete text: the later one', async () => {
    const { deps, texts, store, dueTexts } = withClock();

    await textCustomerAbout(deps, completed(4));
    await textCustomerAbout(deps, takenBack(5, true));
    await textCustomerAbout(deps, completed(6));
    const outcomes = await dueTexts();

    expect(
      outcomes.map((outcome) => (typeof outcome === 'string' ? outcome : outcome?.state)).sort(),
    ).toEqual(['sent', 'suppressed']);
    expect(texts.map((text) => text.body)).toEqual([COMPLETE_TEXT]);
    expect(store.records.get('job:qdn_01JDEMO0000000000000000000:6:complete')?.outcome?.state).toBe('sent');
  });

  it('given a correction after the complete text went out, then the customer is told to ignore it', async () => {
    const { deps, texts, dueTexts } = withClock();

    await textCustomerAbout(deps, completed(4));
    await dueTexts();
    await textCustomerAbout(deps, takenBack(5, false));

    expect(texts.map((text) => text.body)).toEqual([
      COMPLETE_TEXT,
      'Sorry Mark, please ignore our last text: your trailer pickup & dump is here. - QuickDumpNow',
    ]);
  });

  it('given complete undone inside the window, when a later note is handled before the undo, then the held complete text is withheld', async () => {
    const { deps, texts, published, dueTexts } = withClock();
    const notes = jobEvent('JobDetailsChanged', jobOnBus({ version: 7, status: 'arrived' }), {
      changedFields: ['notes'],
    });

    await textCustomerAbout(deps, completed(5));
    await textCustomerAbout(deps, notes);
    // Due before the undo is handled at all: the job as v7 shows it is no longer complete.
    expect(await dueTexts()).toEqual([{ state: 'suppressed', reason: 'undone' }]);
    expect(await textCustomerAbout(deps, takenBack(6, true))).toBeUndefined();

    expect(texts).toEqual([]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSuppressed', expect.objectContaining({ template: 'complete', reason: 'undone' })],
    ]);
  });

  it('given complete, undone and completed again, when a later note is handled before the undo and the new complete, then the later complete text is the one sent', async () => {
    const { deps, texts, store, dueTexts } = withClock();

    await textCustomerAbout(deps, completed(5));
    await textCustomerAbout(
      deps,
      jobEvent('JobDetailsChanged', jobOnBus({ version: 8, status: 'complete' }), {
        changedFields: ['notes'],
      }),
    );
    await textCustomerAbout(deps, takenBack(6, true));
    await textCustomerAbout(deps, completed(7));
    await dueTexts();

    expect(texts.map((text) => text.body)).toEqual([COMPLETE_TEXT]);
    expect(store.records.get('job:qdn_01JDEMO0000000000000000000:5:complete')?.outcome).toEqual({
      state: 'suppressed',
      reason: 'undone',
    });
    expect(store.records.get('job:qdn_01JDEMO0000000000000000000:7:complete')?.outcome?.state).toBe('sent');
    expect(await store.job('qdn_01JDEMO0000000000000000000')).toMatchObject({ version: 8, statusVersion: 7 });
  });

  it('given a correction after the complete text went out whose first attempt Twilio does not take, when it is retried, then the customer is told to ignore it', async () => {
    const { deps, texts, planted, published } = notificationsDeps({
      now: new Date(COMPLETED_AT + 5_000),
      answers: [{ messageSid: 'SM9', status: 'queued' }, new SmsSendError('transient', 'Twilio: 503', '503')],
    });
    await textCustomerAbout(deps, completed(4));
    for (const { followUp } of planted.values()) {
      if (followUp.kind === 'status-text') await sendFollowUp(deps, followUp);
    }
    const correction = takenBack(5, false);
    await expect(textCustomerAbout(deps, correction)).rejects.toMatchObject({ name: 'TransientError' });

    expect(await textCustomerAbout(deps, correction)).toMatchObject({ state: 'sent' });
    const CORRECTION =
      'Sorry Mark, please ignore our last text: your trailer pickup & dump is here. - QuickDumpNow';
    expect(texts.map((text) => text.body)).toEqual([COMPLETE_TEXT, CORRECTION, CORRECTION]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSent', expect.objectContaining({ template: 'complete' })],
      ['SmsSent', expect.objectContaining({ template: 'correction' })],
    ]);
  });

  it('given a complete event that arrives after its window (a replay), then it is decided at once', async () => {
    const { deps, texts, planted } = notificationsDeps({ now: new Date(COMPLETED_AT + 3_600_000) });

    expect(await textCustomerAbout(deps, completed(4))).toMatchObject({ state: 'sent' });
    expect([...planted.values()].filter(({ followUp }) => followUp.kind === 'status-text')).toEqual([]);
    expect(texts.map((text) => text.body)).toEqual([COMPLETE_TEXT]);
  });
});

describe('a dispatcher texting a customer', () => {
  async function withKnownJob(overrides: Partial<JobOnBus> = {}) {
    const made = notificationsDeps();
    await made.deps.store.observeJob(jobOnBus(overrides), made.deps.now());
    return made;
  }
  const request = {
    jobId: 'qdn_01JDEMO0000000000000000000',
    text: '  Running 10 minutes late, sorry!  ',
    requestId: 'req-1',
    dispatcherId: 'dispatcher-1',
  };

  it('given a known job, then the text goes out signed as its brand, once per request id', async () => {
    const { deps, texts, published } = await withKnownJob();

    const answer = await textCustomerAsDispatcher(deps, request);
    const retried = await textCustomerAsDispatcher(deps, request);

    expect(answer).toEqual({ messageSid: 'SM1', status: 'queued' });
    expect(retried).toEqual(answer);
    expect(texts).toEqual([
      {
        to: MARK,
        sender: QDN_SENDER,
        body: 'Running 10 minutes late, sorry! - QuickDumpNow Reply STOP to opt out.',
      },
    ]);
    expect(published[0]?.detail.data).toMatchObject({ template: 'dispatcher', audience: 'customer' });
  });

  it('given an unknown job, then 404 and nothing sent', async () => {
    const { deps, texts } = notificationsDeps();
    await expect(textCustomerAsDispatcher(deps, request)).rejects.toBeInstanceOf(NotFoundError);
    expect(texts).toEqual([]);
  });

  it('given a customer who replied STOP, then 409, nothing sent and the suppression recorded', async () => {
    const { deps, texts, published } = await withKnownJob();
    await deps.store.suppress(MARK, 'keyword', deps.now());

    await expect(textCustomerAsDispatcher(deps, request)).rejects.toThrow(
      new ConflictError('The customer has opted out of texts (replied STOP)'),
    );
    expect(texts).toEqual([]);
    expect(published.map((event) => event.detailType)).toEqual(['SmsSuppressed']);
  });

  it('given Twilio refuses the number for good, then 422 naming the Twilio error on `to`', async () => {
    const { deps } = notificationsDeps({
      answers: [new SmsSendError('permanent', 'Twilio: invalid To', 21211)],
    });
    await deps.store.observeJob(jobOnBus(), deps.now());

    const refused = textCustomerAsDispatcher(deps, request);

    await expect(refused).rejects.toBeInstanceOf(SmsRejectedError);
    await expect(refused).rejects.toMatchObject({
      statusCode: 422,
      message: 'Twilio refused the text: Twilio: invalid To',
      details: [{ field: 'to', message: 'Twilio error 21211' }],
    });
  });

  it('given Twilio refuses without an error code, then 422 without field details', async () => {
    const { deps } = notificationsDeps({ answers: [new SmsSendError('permanent', 'Twilio: refused')] });
    await deps.store.observeJob(jobOnBus(), deps.now());
    await expect(textCustomerAsDispatcher(deps, request)).rejects.toMatchObject({
      statusCode: 422,
      details: undefined,
    });
  });
});

describe('texting a crew member', () => {
  const message = {
    messageId: 'msg-1',
    brandId: 'jada',
    jobId: 'qdn_01JCHARTER000000000000000',
    crewId: 'crew_a',
    to: '+16195550177',
    kind: 'assigned' as const,
    version: 1,
    body: 'JADA: you are on the Sat Dec 5 charter. Details: https://crew.example.test/crew/abc',
    occurredAt: '2026-11-22T10:00:00.000Z',
  };

  it('given a raw delivery or an SNS envelope, then the same message; given anything else, then a validation error', () => {
    expect(parseCrewMessage(message)).toEqual(message);
    expect(parseCrewMessage({ Type: 'Notification', Message: JSON.stringify(message) })).toEqual(message);
    expect(() => parseCrewMessage({ ...message, to: 'not-a-number' })).toThrow(/to/);
    expect(() => parseCrewMessage({ Type: 'Notification', Message: 42 })).toThrow();
  });

  it('given a crew message, then one text from the brand’s sender, keyed on the message id and marked as crew', async () => {
    const { deps, texts, published } = notificationsDeps();

    await textCrewMember(deps, message);
    await textCrewMember(deps, message);

    expect(texts).toEqual([{ to: message.to, body: message.body, sender: JADA_SENDER }]);
    expect(published[0]?.detail.meta).toMatchObject({
      eventId: 'sms:crew:msg-1:SmsSent',
      jobId: message.jobId,
    });
    expect(published[0]?.detail.data).toMatchObject({ template: 'crew_assigned', audience: 'crew' });
    // A crew text is not a customer's first text: the customer's number is not marked.
    expect((await deps.store.textingPermission(message.to, 'jada')).texted).toBe(false);
  });

  it('given a crew message of job version 5 redriven after the version 6 one was sent, then it is recorded stale and not sent', async () => {
    const { deps, texts, published } = notificationsDeps();
    const jobId = message.jobId;
    const v5 = {
      ...message,
      messageId: `${jobId}:5:crew_a:assigned`,
      version: 5,
      body: 'JADA: you are on the Sat Dec 5 charter, 5:30 pm.',
    };
    const v6 = {
      ...message,
      messageId: `${jobId}:6:crew_a:rescheduled`,
      version: 6,
      kind: 'rescheduled' as const,
      body: 'JADA: the charter moved to Sun Dec 6.',
    };
    const otherMember = {
      ...v5,
      messageId: `${jobId}:5:crew_b:assigned`,
      crewId: 'crew_b',
      to: '+16195550178',
    };

    await textCrewMember(deps, v6);
    expect(await textCrewMember(deps, v5)).toEqual({ state: 'suppressed', reason: 'stale' });
    // Another member's own v5 message is theirs to get; v6 again is the same one text.
    expect(await textCrewMember(deps, otherMember)).toMatchObject({ state: 'sent' });
    await textCrewMember(deps, v6);

    expect(texts.map((text) => [text.to, text.body])).toEqual([
      [message.to, v6.body],
      [otherMember.to, v5.body],
    ]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSent', expect.objectContaining({ template: 'crew_rescheduled', audience: 'crew' })],
      [
        'SmsSuppressed',
        expect.objectContaining({ template: 'crew_assigned', audience: 'crew', reason: 'stale' }),
      ],
      ['SmsSent', expect.objectContaining({ template: 'crew_assigned', audience: 'crew' })],
    ]);
  });
});

describe('texts customers and the team send us', () => {
  let sids = 0;
  const inbound = (overrides: Partial<InboundSms> = {}): InboundSms => ({
    messageSid: `SM${String(++sids).padStart(32, '0')}`,
    from: MARK,
    to: '+15005550006',
    body: 'Gate code is 4411',
    mediaUrls: [],
    messagingServiceSid: QDN_SENDER.messagingServiceSid,
    receivedAt: '2026-11-22T10:00:00Z',
    ...overrides,
  });
  async function withJobs(
    jobs: JobOnBus[],
    options: Pick<NonNullable<Parameters<typeof notificationsDeps>[0]>, 'relaysPerHour' | 'answers'> = {},
  ) {
    const made = notificationsDeps({ ...options, now: new Date('2026-12-01T18:00:00Z') });
    for (const job of jobs) await made.deps.store.observeJob(job, made.deps.now());
    return made;
  }

  it('given a customer’s text about their job under way, then every team number gets it with the job and how to answer', async () => {
    const { deps, texts, published, store } = await withJobs([
      jobOnBus({ status: 'en_route', jobId: 'qdn_01JDEMO00000000000000ABC123' }),
    ]);
    const sms = inbound();

    await handleInbound(deps, sms);

    const relay =
      'QuickDumpNow reply from Mark (job qdn_01JDEMO00000000000000ABC123, en route, 4521 Soderblom Ave): Gate code is 4411 - answer with #ABC123 and your text';
    expect(texts).toEqual(QDN_TEAM.map((to) => ({ to, body: relay, sender: QDN_SENDER })));
    expect(
      published.filter((event) => event.detailType !== 'SmsSent').map((event) => event.detailType),
    ).toEqual(['SmsReceived', 'SmsRelayed']);
    expect(published.find((event) => event.detailType === 'SmsRelayed')?.detail).toMatchObject({
      meta: { jobId: 'qdn_01JDEMO00000000000000ABC123', correlationId: sms.messageSid },
      data: { from: MARK, to: QDN_TEAM },
    });
    expect(store.inboundDone.has(sms.messageSid)).toBe(true);

    // Twilio retries the webhook: nothing happens twice.
    await handleInbound(deps, sms);
    expect(texts).toHaveLength(2);
  });

  it('given STOP, then the number is suppressed, nothing is relayed and later texts to it are not sent; START undoes it', async () => {
    const { deps, texts, published } = await withJobs([jobOnBus()]);

    await handleInbound(deps, inbound({ body: 'Stop.' }));

    expect(await deps.store.isSuppressed(MARK)).toBe(true);
    expect(texts).toEqual([]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsReceived', expect.objectContaining({ keyword: 'stop', audience: 'customer' })],
    ]);
    await expect(
      textCustomerAsDispatcher(deps, {
        jobId: 'qdn_01JDEMO0000000000000000000',
        text: 'hello?',
        requestId: 'r',
        dispatcherId: 'd',
      }),
    ).rejects.toBeInstanceOf(ConflictError);

    await handleInbound(deps, inbound({ body: 'START', receivedAt: '2026-11-22T10:05:00Z' }));
    expect(await deps.store.isSuppressed(MARK)).toBe(false);
  });

  it('given an opt-out and an opt-in handled out of the order the customer sent them (a redrive), then the later one stands', async () => {
    const { deps, texts } = await withJobs([jobOnBus()]);

    // "Please stop" at 11:00 handled first, their YES of 10:00 redriven after it: still opted out.
    await handleInbound(
      deps,
      inbound({ body: 'please stop texting me', receivedAt: '2026-11-22T11:00:00Z' }),
    );
    await handleInbound(deps, inbound({ body: 'YES', receivedAt: '2026-11-22T10:00:00Z' }));
    expect(await deps.store.isSuppressed(MARK)).toBe(true);
    expect(texts.filter((text) => text.to === MARK).map((text) => text.body)).toEqual([
      expect.stringContaining("you won't get more texts from us"),
    ]);

    // START at 12:00, then a STOP of 11:30 and a "please stop" of 11:45 redriven: they stay opted in,
    // and are not told they were opted out.
    await handleInbound(deps, inbound({ body: 'START', receivedAt: '2026-11-22T12:00:00Z' }));
    await handleInbound(deps, inbound({ body: 'STOP', receivedAt: '2026-11-22T11:30:00Z' }));
    await handleInbound(
      deps,
      inbound({ body: 'please stop texting me', receivedAt: '2026-11-22T11:45:00Z' }),
    );
    expect(await deps.store.isSuppressed(MARK)).toBe(false);
    expect(texts.filter((text) => text.to === MARK)).toHaveLength(1);
  });

  it('given REVOKE or OPTOUT, then opted out as with STOP; INFO is HELP, answered even to an opted-out number', async () => {
    const { deps, texts } = await withJobs([jobOnBus()]);

    await handleInbound(deps, inbound({ body: ' revoke ' }));
    expect(await deps.store.isSuppressed(MARK)).toBe(true);
    await handleInbound(deps, inbound({ body: 'START' }));
    await handleInbound(deps, inbound({ body: '"OptOut"' }));
    expect(await deps.store.isSuppressed(MARK)).toBe(true);

    await handleInbound(deps, inbound({ body: 'info?' }));
    expect(texts).toEqual([
      {
        to: MARK,
        sender: QDN_SENDER,
        body: 'QuickDumpNow: reply to this number and our team will get back to you. Msg&data rates may apply. Reply STOP to opt out.',
      },
    ]);
  });

  it('given "please stop texting me", then the number is opted out, confirmed once, and the team sees it flagged', async () => {
    const { deps, texts, published } = await withJobs([
      jobOnBus({ status: 'scheduled', jobId: 'qdn_01JDEMO00000000000000ABC123' }),
    ]);

    await handleInbound(deps, inbound({ body: 'Please stop texting me' }));
    await handleInbound(deps, inbound({ body: 'seriously, stop texting me' }));

    expect(await deps.store.isSuppressed(MARK)).toBe(true);
    const toCustomer = texts.filter((text) => text.to === MARK).map((text) => text.body);
    expect(toCustomer).toEqual([
      "QuickDumpNow: you won't get more texts from us. Reply START to get them again.",
    ]);
    const toTeam = texts.filter((text) => QDN_TEAM.includes(text.to)).map((text) => text.body);
    expect(toTeam).toHaveLength(QDN_TEAM.length * 2);
    expect(toTeam.every((body) => body.endsWith(REVOKED_FLAG))).toBe(true);
    expect(
      published.filter((event) => event.detailType === 'SmsReceived').map((event) => event.detail.data),
    ).toEqual([
      expect.objectContaining({ body: 'Please stop texting me', revokedConsent: true }),
      expect.objectContaining({ body: 'seriously, stop texting me', revokedConsent: true }),
    ]);
  });

  it('given "please stop texting me" whose confirmation Twilio does not take at first (429), when the message is retried, then the confirmation goes once', async () => {
    const { deps, texts } = await withJobs([jobOnBus({ status: 'scheduled' })], {
      answers: [new SmsSendError('transient', 'Twilio: Too Many Requests', 20429)],
    });
    const sms = inbound({ body: 'Please stop texting me' });

    await expect(handleInbound(deps, sms)).rejects.toMatchObject({ name: 'TransientError' });
    await handleInbound(deps, sms);
    await handleInbound(deps, inbound({ body: 'I said stop texting me' }));

    const confirmation = "QuickDumpNow: you won't get more texts from us. Reply START to get them again.";
    expect(texts.filter((text) => text.to === MARK).map((text) => text.body)).toEqual([
      confirmation, // refused (429)
      confirmation,
    ]);
    expect(await deps.store.isSuppressed(MARK)).toBe(true);
  });

  it('given "can you stop at the gate", then nothing is opted out and the team gets it as any reply', async () => {
    const { deps, texts } = await withJobs([jobOnBus({ status: 'en_route' })]);

    await handleInbound(deps, inbound({ body: 'can you stop at the gate' }));

    expect(await deps.store.isSuppressed(MARK)).toBe(false);
    expect(texts.filter((text) => text.to === MARK)).toEqual([]);
    expect(texts.some((text) => text.body.includes(REVOKED_FLAG))).toBe(false);
  });

  it('given HELP to JADA’s number, then JADA’s help text back to the sender and no relay', async () => {
    const { deps, texts } = await withJobs([]);
    await handleInbound(deps, inbound({ body: 'help', to: '+16195550110', messagingServiceSid: undefined }));
    expect(texts).toEqual([
      {
        to: MARK,
        sender: JADA_SENDER,
        body: 'JADA Sail Charters: reply to this number and our team will get back to you. Msg&data rates may apply. Reply STOP to opt out.',
      },
    ]);
  });

  it('given HELP that Twilio’s Advanced Opt-Out has answered (OptOutType HELP), then no second reply from us and no relay', async () => {
    const { deps, texts, published } = await withJobs([]);
    await handleInbound(deps, inbound({ body: 'HELP', optOutType: 'HELP' }));
    expect(texts).toEqual([]);
    expect(published.map((event) => event.detailType)).toEqual(['SmsReceived']);
  });

  it('given an unknown sender writing to JADA’s number with a photo, then JADA’s team gets it as an unknown sender', async () => {
    const { deps, texts } = await withJobs([]);
    await handleInbound(
      deps,
      inbound({
        from: '+16195550199',
        to: '+16195550110',
        messagingServiceSid: undefined,
        mediaUrls: ['https://api.twilio.com/m/1'],
      }),
    );
    expect(texts).toEqual([
      {
        to: '+16195550111',
        sender: JADA_SENDER,
        body: 'JADA Sail Charters reply from unknown sender +16195550199: Gate code is 4411 [1 attachment(s): https://api.twilio.com/m/1]',
      },
    ]);
  });

  it('given two jobs confirmed for the same next day, then the team is told it is unsure which, with both refs', async () => {
    const { deps, texts } = await withJobs([
      jobOnBus({ jobId: 'qdn_01JDEMO00000000000000AAA111', schedule: { date: '2026-12-02' } }),
      jobOnBus({
        jobId: 'qdn_01JDEMO00000000000000BBB222',
        schedule: { date: '2026-12-02' },
        address: { text: '9 Elm St' },
      }),
      jobOnBus({ jobId: 'qdn_01JDEMO00000000000000CCC333', schedule: { date: '2026-12-09' } }),
    ]);
    await handleInbound(deps, inbound());
    expect(texts[0]?.body).toBe(
      'QuickDumpNow reply from Mark +16195550142 (not sure which job: #AAA111 4521 Soderblom Ave, #BBB222 9 Elm St - answer with the right #ref): Gate code is 4411',
    );
  });

  it('given a sender over the hourly allowance, then not relayed and recorded as rate-limited; STOP still works', async () => {
    const { deps, texts, published } = await withJobs([jobOnBus()], { relaysPerHour: 1 });
    await handleInbound(deps, inbound());
    published.length = 0;

    await handleInbound(deps, inbound({ body: 'and another thing' }));
    await handleInbound(deps, inbound({ body: 'STOP' }));

    expect(texts).toHaveLength(2);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsReceived', expect.objectContaining({ body: 'and another thing' })],
      ['SmsSuppressed', { template: 'relay', audience: 'team', reason: 'rate-limited' }],
      ['SmsReceived', expect.objectContaining({ keyword: 'stop' })],
    ]);
    expect(await deps.store.isSuppressed(MARK)).toBe(true);
  });

  it('given a relay Twilio does not take at first (503), when the message is retried, then it is charged to the sender once', async () => {
    const { deps, texts, published } = await withJobs([jobOnBus()], {
      relaysPerHour: 2,
      answers: [new SmsSendError('transient', 'Twilio: Service Unavailable', 20503)],
    });
    const first = inbound();

    await expect(handleInbound(deps, first)).rejects.toMatchObject({ name: 'TransientError' });
    await handleInbound(deps, first);
    await handleInbound(deps, inbound({ body: 'and another thing' }));

    expect(texts.filter((text) => text.body.includes('and another thing'))).toHaveLength(QDN_TEAM.length);
    expect(published.filter((event) => event.detailType === 'SmsSuppressed')).toEqual([]);
  });

  it('given a crash just after the relay was charged, when the message is retried, then it is charged to the sender once', async () => {
    const { deps, texts, published } = await withJobs([jobOnBus()], { relaysPerHour: 2 });
    const { limits } = deps.relayLimit;
    const take = limits.take.bind(limits);
    let crashed = false;
    // The allowance is taken (the counter written), then the function dies before the relay begins.
    limits.take = async (...args) => {
      const decision = await take(...args);
      if (crashed) return decision;
      crashed = true;
      throw new Error('Runtime exited with error: signal: killed');
    };
    const first = inbound();

    await expect(handleInbound(deps, first)).rejects.toThrow('Runtime exited');
    await handleInbound(deps, first);
    await handleInbound(deps, inbound({ body: 'and another thing' }));

    expect(texts.filter((text) => text.body.includes('and another thing'))).toHaveLength(QDN_TEAM.length);
    expect(published.filter((event) => event.detailType === 'SmsSuppressed')).toEqual([]);
  });

  it('given a team member’s #ref reply, then the customer of that job gets it signed as the job’s brand', async () => {
    const { deps, texts, published } = await withJobs([
      jobOnBus({ jobId: 'qdn_01JCHARTER000000000ABC123', brandId: 'jada', serviceType: 'charter' }),
    ]);
    await handleInbound(deps, inbound({ from: QDN_TEAM[0], body: '#abc123 we are 10 min late' }));
    expect(texts).toEqual([{ to: MARK, body: 'we are 10 min late - JADA', sender: JADA_SENDER }]);
    expect(published[0]?.detail).toMatchObject({
      meta: { jobId: 'qdn_01JCHARTER000000000ABC123' },
      data: { audience: 'team' },
    });
  });

  it('given a team text without a #ref or with an unknown one, then only the team member hears back how to answer', async () => {
    const { deps, texts } = await withJobs([jobOnBus()]);
    await handleInbound(deps, inbound({ from: QDN_TEAM[1], body: 'on my way' }));
    await handleInbound(deps, inbound({ from: QDN_TEAM[1], body: '#ZZZ999 hello' }));
    expect(texts).toEqual([
      {
        to: QDN_TEAM[1],
        sender: QDN_SENDER,
        body: 'Not sent: start your text with # and the job reference (e.g. #A1B2C3) to send it to that customer.',
      },
      { to: QDN_TEAM[1], sender: QDN_SENDER, body: 'Not sent: no job ends with #ZZZ999.' },
    ]);
  });

  it('given a customer text longer than 1,000 characters, then the relay is cut, not dropped', async () => {
    const { deps, texts } = await withJobs([]);
    await handleInbound(deps, inbound({ body: 'x'.repeat(1200) }));
    expect(texts[0]?.body).toBe(`QuickDumpNow reply from unknown sender ${MARK}: ${'x'.repeat(1000)}…`);
  });
});

describe('which job a reply is about', () => {
  const snapshot = (jobId: string, status: JobSnapshot['status'], date: string): JobSnapshot => ({
    jobId,
    brandId: 'qdn',
    version: 1,
    status,
    serviceType: 'junk_removal',
    firstName: 'Mark',
    phone: MARK,
    addressText: '1 Main St',
    date,
  });
  const today = '2026-12-10';

  it('given a job under way, then that one, whatever else is booked', () => {
    const jobs = [snapshot('a', 'scheduled', today), snapshot('b', 'arrived', '2026-12-09')];
    expect(replyJobOf(jobs, today)).toEqual({ job: jobs[1], ambiguous: [] });
  });

  it('given only confirmed jobs, then the soonest upcoming one; with none upcoming, the most recent past one', () => {
    const upcoming = [
      snapshot('later', 'scheduled', '2026-12-20'),
      snapshot('soon', 'scheduled', '2026-12-12'),
    ];
    expect(replyJobOf([...upcoming, snapshot('past', 'scheduled', '2026-12-01')], today).job?.jobId).toBe(
      'soon',
    );
    const past = [snapshot('old', 'scheduled', '2026-11-01'), snapshot('recent', 'scheduled', '2026-12-05')];
    expect(replyJobOf(past, today).job?.jobId).toBe('recent');
  });

  it('given a booking someone requested under the number, then it never counts', () => {
    expect(replyJobOf([snapshot('req', 'requested', today)], today)).toEqual({
      job: undefined,
      ambiguous: [],
    });
  });

  it('given completed jobs only, then the latest within 14 days, none older', () => {
    expect(
      replyJobOf([snapshot('c1', 'complete', '2026-11-30'), snapshot('c2', 'complete', '2026-12-03')], today)
        .job?.jobId,
    ).toBe('c2');
    expect(replyJobOf([snapshot('c0', 'complete', '2026-11-25')], today).job).toBeUndefined();
  });

  it('given two jobs under way, then ambiguous', () => {
    const jobs = [snapshot('a', 'en_route', today), snapshot('b', 'arrived', today)];
    expect(replyJobOf(jobs, today)).toEqual({ job: undefined, ambiguous: jobs });
  });
});
