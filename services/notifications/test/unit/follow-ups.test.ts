import { describe, expect, it } from '@jest/globals';
import { jobOnBus } from '@qdn/local-cloud/test-factories';
import type { JobOnBus } from '@qdn/shared/events';
import { parseBusEvent } from '@qdn/shared/events';
import { textCustomerAsDispatcher } from '../../src/domain/dispatcher-messages.ts';
import { sendFollowUp } from '../../src/domain/follow-ups.ts';
import { type JobEventForSms, textCustomerAbout } from '../../src/domain/job-event-texts.ts';
import { notificationsDeps } from './fakes.ts';

// Mark's QuickDumpNow pickup on Thu 10 Dec 2026; "now" is Fri 4 Dec, 10:00 in San Diego.
/** QuickDumpNow's backup team numbers (the local brands). */
const TEAM = ['+16195550101', '+16195550102'];
const NOW = new Date('2026-12-04T18:00:00.000Z');
const job = (overrides: Partial<JobOnBus> = {}) =>
  jobOnBus({ version: 1, schedule: { date: '2026-12-10', window: 'morning' }, ...overrides });

function jobEvent(detailType: string, onBus: JobOnBus, data: Record<string, unknown> = {}, occurredAt = NOW) {
  return parseBusEvent({
    version: '0',
    id: `evt-${detailType}-${onBus.version}`,
    source: 'qdn.jobs',
    account: '000000000000',
    time: occurredAt.toISOString(),
    region: 'us-west-2',
    resources: [],
    'detail-type': detailType,
    detail: {
      meta: {
        eventId: `${onBus.jobId}:${onBus.version}:${detailType}`,
        occurredAt: occurredAt.toISOString(),
        brandId: onBus.brandId,
        jobId: onBus.jobId,
        version: onBus.version,
        correlationId: 'corr-1',
      },
      data: { job: onBus, ...data },
    },
  }) as JobEventForSms;
}

describe('the day-before reminder', () => {
  it('given a job booked for next week, then a reminder is planted for 5 pm the day before, once however often the event comes', async () => {
    const { deps, planted } = notificationsDeps({ now: NOW });

    const noted = job({ notes: 'gate code 4471', crewNotes: 'big dog' });
    await textCustomerAbout(deps, jobEvent('JobCreated', noted));
    await textCustomerAbout(deps, jobEvent('JobCreated', noted));

    expect(
      [...planted.values()].map(({ followUp, at }) => [followUp.kind, followUp.key, at.toISOString()]),
    ).toEqual([
      ['reminder', 'reminder:qdn_01JDEMO0000000000000000000:2026-12-10', '2026-12-10T01:00:00.000Z'],
    ]);
    expect(planted.values().next().value?.followUp).toMatchObject({
      job: { jobId: 'qdn_01JDEMO0000000000000000000' },
    });
    expect(JSON.stringify(planted.values().next().value?.followUp)).not.toContain('"notes"');
  });

  it('given it falls due, then the customer gets what to have ready and the link, once', async () => {
    const { deps, planted, texts, published } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const { followUp } = [...planted.values()][0]!;

    const first = await sendFollowUp(deps, followUp);
    const again = await sendFollowUp(deps, followUp);

    expect(first).toMatchObject({ state: 'sent' });
    expect(again).toEqual(first);
    const reminder = texts.at(-1)!.body;
    expect(reminder).toMatch(
      /^Hi Mark, a reminder: your trailer pickup & dump is tomorrow, Thu, Dec 10 between 8 am and 12 pm\./i,
    );
    expect(reminder).toContain('Please have ready: Clear a path to the items; Someone 18+ at home;');
    expect(reminder).toContain('/track/');
    expect(published.filter((event) => event.detailType === 'SmsSent').at(-1)?.detail.data).toMatchObject({
      template: 'reminder',
    });
  });

  it('given the job moved to another day before its reminder fell due, then the old one is recorded as no longer due and the new day has its own', async () => {
    const { deps, planted, texts, published } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const moved = job({ version: 2, schedule: { date: '2026-12-12', window: 'afternoon' } });
    await textCustomerAbout(
      deps,
      jobEvent('JobScheduleChanged', moved, { previousSchedule: { date: '2026-12-10', window: 'morning' } }),
    );
    const before = texts.length;

    const old = [...planted.values()].find(({ followUp }) => followUp.key.endsWith('2026-12-10'))!;
    const outcome = await sendFollowUp(deps, old.followUp);

    expect(outcome).toEqual({ state: 'suppressed', reason: 'no-longer-due' });
    expect(texts).toHaveLength(before);
    expect(published.at(-1)).toMatchObject({
      detailType: 'SmsSuppressed',
      detail: { data: { reason: 'no-longer-due' } },
    });
    expect([...planted.values()].map(({ followUp }) => followUp.key)).toContain(
      'reminder:qdn_01JDEMO0000000000000000000:2026-12-12',
    );
  });

  it('given it fires in the night (a dead letter redriven at 23:00 two days before), then it is planted again for 8 am and nothing is sent', async () => {
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const { followUp } = [...planted.values()][0]!;
    const before = texts.length;
    const night = '2026-12-09T07:00:00.000Z'; // 23:00 on the 8th
    deps.now = () => new Date(night);

    // (A message put on the queue by hand: a schedule never fires before its time, 5 pm on the 9th.)
    const outcome = await sendFollowUp(deps, { ...followUp, dueAt: night });

    expect(outcome).toBe('moved-to-sending-hours');
    expect(texts).toHaveLength(before);
    expect([...planted.values()].at(-1)?.at.toISOString()).toBe('2026-12-09T16:00:00.000Z');
  });

  it.each([
    ['23:00 the night before (its next window is the job’s morning)', '2026-12-10T07:00:00.000Z'],
    ['9 am on the job’s day', '2026-12-10T17:00:00.000Z'],
  ])(
    'given it fires at %s, then it is recorded as no longer due: nobody is told "tomorrow" on the day',
    async (_when, at) => {
      const { deps, planted, texts, published } = notificationsDeps({ now: NOW });
      await textCustomerAbout(deps, jobEvent('JobCreated', job()));
      const { followUp } = [...planted.values()][0]!;
      const [textsBefore, plantedBefore, publishedBefore] = [texts.length, planted.size, published.length];
      deps.now = () => new Date(at);

      const outcome = await sendFollowUp(deps, followUp);

      expect(outcome).toEqual({ state: 'suppressed', reason: 'no-longer-due' });
      expect(texts).toHaveLength(textsBefore);
      expect(planted.size).toBe(plantedBefore);
      expect(published.slice(publishedBefore).map((event) => [event.detailType, event.detail.data])).toEqual([
        ['SmsSuppressed', expect.objectContaining({ template: 'reminder', reason: 'no-longer-due' })],
      ]);
    },
  );

  it('given a customer without consent on record, then the reminder is refused and recorded', async () => {
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job({ smsConsent: undefined })));
    const { followUp } = [...planted.values()][0]!;

    expect(await sendFollowUp(deps, followUp)).toEqual({ state: 'suppressed', reason: 'no-consent' });
    expect(texts).toEqual([]);
  });
});

describe('the review request', () => {
  const completed = (jobId: string, at: Date) =>
    jobEvent(
      'JobStatusChanged',
      job({ jobId, version: 5, status: 'complete' }),
      { previousStatus: 'arrived', status: 'complete' },
      at,
    );

  it('given a completed job, then a request with the brand’s review link two hours later, and never again within 90 days', async () => {
    const { deps, planted, texts, store } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, completed('qdn_01JFIRST000000000000000000', NOW));
    const first = [...planted.values()].find(({ followUp }) => followUp.kind === 'review-request')!;

    expect(first.at.toISOString()).toBe('2026-12-04T20:00:00.000Z');
    expect(await sendFollowUp(deps, first.followUp)).toMatchObject({ state: 'sent' });
    expect(texts.at(-1)?.body).toContain('https://g.page/r/quickdumpnow-local/review');
    expect(await store.reviewRequestedAt('+16195550142', 'qdn')).toBe('2026-12-04T20:00:00.000Z');

    // A second job a month later: asked already
    const later = new Date('2027-01-04T18:00:00.000Z');
    deps.now = () => later;
    await textCustomerAbout(deps, completed('qdn_01JSECOND00000000000000000', later));
    const second = [...planted.values()].find(
      ({ followUp }) => followUp.key === 'review:qdn_01JSECOND00000000000000000',
    )!;
    expect(await sendFollowUp(deps, second.followUp)).toEqual({
      state: 'suppressed',
      reason: 'recently-asked',
    });
  });

  it('given two jobs of the same customer completed together, when their review requests fall due at once, then exactly one is sent', async () => {
    const { deps, planted, texts, published } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, completed('qdn_01JFIRST000000000000000000', NOW));
    await textCustomerAbout(deps, completed('qdn_01JSECOND00000000000000000', NOW));
    const requests = [...planted.values()].filter(({ followUp }) => followUp.kind === 'review-request');
    expect(requests).toHaveLength(2);
    deps.now = () => new Date('2026-12-04T20:00:00.000Z');

    const outcomes = await Promise.all(requests.map(({ followUp }) => sendFollowUp(deps, followUp)));

    expect(
      outcomes.map((outcome) => (typeof outcome === 'string' ? outcome : outcome?.state)).sort(),
    ).toEqual(['sent', 'suppressed']);
    expect(texts.filter((text) => text.body.includes('a review helps'))).toHaveLength(1);
    expect(
      published.filter((event) => event.detailType === 'SmsSuppressed').map((event) => event.detail.data),
    ).toEqual([expect.objectContaining({ template: 'review_request', reason: 'recently-asked' })]);
  });

  it('given a review request not sent (the number opted out), then the next job may still ask', async () => {
    const { deps, planted, texts, store } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, completed('qdn_01JFIRST000000000000000000', NOW));
    const first = [...planted.values()].find(({ followUp }) => followUp.kind === 'review-request')!;
    await store.suppress('+16195550142', 'keyword', NOW);
    expect(await sendFollowUp(deps, first.followUp)).toEqual({ state: 'suppressed', reason: 'opted-out' });

    await store.unsuppress('+16195550142', new Date('2026-12-05T18:00:00.000Z'));
    const later = new Date('2026-12-06T18:00:00.000Z');
    deps.now = () => later;
    await textCustomerAbout(deps, completed('qdn_01JSECOND00000000000000000', later));
    const second = [...planted.values()].find(
      ({ followUp }) => followUp.key === 'review:qdn_01JSECOND00000000000000000',
    )!;
    expect(await sendFollowUp(deps, second.followUp)).toMatchObject({ state: 'sent' });
    expect(texts.filter((text) => text.body.includes('a review helps'))).toHaveLength(1);
  });

  it('given the customer complained in a reply, then no request', async () => {
    const { deps, planted, texts, store } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, completed('qdn_01JDEMO0000000000000000000', NOW));
    await store.addTimelineEntry({
      jobId: 'qdn_01JDEMO0000000000000000000',
      at: NOW.toISOString(),
      type: 'SmsReceived',
      eventId: 'reply-1',
      body: 'Your driver scratched my car and left a mess',
    });
    const before = texts.length;
    const { followUp } = [...planted.values()].find(({ followUp }) => followUp.kind === 'review-request')!;

    expect(await sendFollowUp(deps, followUp)).toEqual({ state: 'suppressed', reason: 'complained' });
    expect(texts).toHaveLength(before);
  });
});

describe('a dispatcher’s non-urgent text', () => {
  const request = { jobId: 'qdn_01JDEMO0000000000000000000', dispatcherId: 'dispatcher-1' };

  it('given quiet hours, then it is held until 8 am and sent once when due; an urgent one goes at once', async () => {
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const before = texts.length;
    deps.now = () => new Date('2026-12-05T06:30:00.000Z'); // 22:30 on Fri 4 Dec in San Diego

    const held = await textCustomerAsDispatcher(deps, {
      ...request,
      text: 'Your invoice is ready',
      requestId: 'r-1',
      nonUrgent: true,
    });
    const urgent = await textCustomerAsDispatcher(deps, {
      ...request,
      text: 'Gate is locked, call me',
      requestId: 'r-2',
    });

    expect(held).toEqual({ heldUntil: '2026-12-05T16:00:00.000Z' });
    expect(urgent).toMatchObject({ messageSid: expect.any(String) });
    expect(texts.slice(before).map((text) => text.body)).toEqual([expect.stringContaining('Gate is locked')]);

    const { followUp } = [...planted.values()].find(({ followUp }) => followUp.kind === 'dispatcher-text')!;
    deps.now = () => new Date('2026-12-05T16:00:05.000Z');
    expect(await sendFollowUp(deps, followUp)).toMatchObject({ state: 'sent' });
    expect(await sendFollowUp(deps, followUp)).toMatchObject({ state: 'sent' });
    expect(texts.slice(before).map((text) => text.body)).toEqual([
      expect.stringContaining('Gate is locked'),
      expect.stringContaining('Your invoice is ready'),
    ]);
  });

  it('given the sending hours, then a non-urgent text goes at once', async () => {
    const { deps, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));

    const sent = await textCustomerAsDispatcher(deps, {
      ...request,
      text: 'Your invoice is ready',
      requestId: 'r-3',
      nonUrgent: true,
    });

    expect(sent).toMatchObject({ messageSid: expect.any(String) });
    expect(texts.at(-1)?.body).toContain('Your invoice is ready');
  });
});

describe('the texts that a card refund failed', () => {
  const cancelled = () =>
    job({ version: 4, status: 'cancelled', paymentMethod: 'card', paymentStatus: 'refunded' });
  const refundFailed = (onBus: JobOnBus) =>
    jobEvent('JobRefundFailed', onBus, {
      refund: {
        method: 'card',
        amountCents: 15_000,
        refundId: 're_test_1',
        reason: 'expired_or_canceled_card',
        failedAt: NOW.toISOString(),
        returned: false,
      },
    });
  const CUSTOMER = '+16195550142';
  const teamAlert =
    "QuickDumpNow: the card refund of $150.00 to Mark Soderblom (job #000000) failed: the card has expired or was closed. Pay it back another way, then record it in the console (the job's Payment).";

  it('given Stripe telling it in quiet hours, then the customer and the team are told at 8 am, each once', async () => {
    // Prepare
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const before = texts.length;
    deps.now = () => new Date('2026-12-05T10:00:00.000Z'); // 2 am on Sat 5 Dec in San Diego

    // Act
    const outcome = await textCustomerAbout(deps, refundFailed(cancelled()));

    // Assess
    expect(outcome).toBeUndefined();
    expect(texts).toHaveLength(before);
    const { followUp, at } = [...planted.values()].find(
      ({ followUp }) => followUp.kind === 'refund-failed-text',
    )!;
    expect(at.toISOString()).toBe('2026-12-05T16:00:00.000Z');
    expect(followUp).toMatchObject({
      key: 'job:qdn_01JDEMO0000000000000000000:4:payment_refund_failed',
      amountCents: 15_000,
      refundId: 're_test_1',
    });
    deps.now = () => new Date('2026-12-05T16:00:03.000Z');
    expect(await sendFollowUp(deps, followUp)).toMatchObject({ state: 'sent' });
    expect(await sendFollowUp(deps, followUp)).toMatchObject({ state: 'sent' });
    expect(texts.slice(before).map((text) => [text.to, text.body])).toEqual([
      [TEAM[0], teamAlert],
      [TEAM[1], teamAlert],
      [
        CUSTOMER,
        expect.stringContaining(
          'your refund of $150.00 for your trailer pickup & dump on Thu, Dec 10 could not be returned to your card',
        ),
      ],
    ]);
  });

  it('given the number corrected overnight, then the team is told and the customer text is recorded stale, never sent to the old one', async () => {
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    deps.now = () => new Date('2026-12-05T10:00:00.000Z'); // 2 am in San Diego
    await textCustomerAbout(deps, refundFailed(cancelled()));
    const before = texts.length;
    const corrected = cancelled();
    await textCustomerAbout(
      deps,
      jobEvent(
        'JobDetailsChanged',
        { ...corrected, version: 5, customer: { ...corrected.customer, phone: '+16195550177' } },
        { changedFields: ['customer'] },
      ),
    );
    const { followUp } = [...planted.values()].find(
      ({ followUp }) => followUp.kind === 'refund-failed-text',
    )!;
    deps.now = () => new Date('2026-12-05T16:00:03.000Z');

    expect(await sendFollowUp(deps, followUp)).toEqual({ state: 'suppressed', reason: 'stale' });
    expect(texts.slice(before).map((text) => text.to)).toEqual(TEAM);
  });

  it('given the sending hours, then both go at once', async () => {
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const before = texts.length;

    expect(await textCustomerAbout(deps, refundFailed(cancelled()))).toMatchObject({ state: 'sent' });
    expect(texts.slice(before).map((text) => text.to)).toEqual([...TEAM, CUSTOMER]);
    expect(texts.at(-1)?.body).toContain('could not be returned to your card');
    expect([...planted.values()].some(({ followUp }) => followUp.kind === 'refund-failed-text')).toBe(false);
  });
});

describe('the text that a card payment was disputed', () => {
  const paid = () => job({ version: 3, paymentMethod: 'card', paymentStatus: 'paid' });
  const disputed = (onBus: JobOnBus, disputeId = 'du_test_1', inquiry = false, appeal = false) =>
    jobEvent('JobPaymentDisputed', onBus, {
      dispute: {
        disputeId,
        inquiry,
        appeal,
        reason: 'product_not_received',
        amountCents: 15_000,
        returned: false,
        respondBy: '2026-12-12T07:59:59.000Z',
        openedAt: NOW.toISOString(),
      },
    });
  const teamAlert =
    "QuickDumpNow: the bank of Mark Soderblom (job #000000) disputed the card payment of $150.00: the customer says the service was not provided. Stripe took it back. Answer it in Stripe's Dashboard by Fri, Dec 11, 11:59 PM, or it is lost.";

  it('given the sending hours, then each team number is texted at once, once however often the event comes, and the customer is not', async () => {
    // Prepare
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    await textCustomerAbout(deps, jobEvent('JobCreated', job()));
    const before = texts.length;

    // Act
    const first = await textCustomerAbout(deps, disputed(paid()));
    await textCustomerAbout(deps, disputed(paid()));

    // Assess
    expect(first).toMatchObject({ state: 'sent' });
    expect(texts.slice(before).map((text) => [text.to, text.body])).toEqual([
      [TEAM[0], teamAlert],
      [TEAM[1], teamAlert],
    ]);
    expect([...planted.values()].some(({ followUp }) => followUp.kind === 'team-text')).toBe(false);
  });

  it('given Stripe telling it in quiet hours, then the team is texted at 8 am', async () => {
    // Prepare
    const { deps, planted, texts } = notificationsDeps({ now: NOW });
    const before = texts.length;
    deps.now = () => new Date('2026-12-05T10:00:00.000Z'); // 2 am on Sat 5 Dec in San Diego

    // Act
    const outcome = await textCustomerAbout(deps, disputed(paid()));

    // Assess
    expect(outcome).toBeUndefined();
    expect(texts).toHaveLength(before);
    const { followUp, at } = [...planted.values()].find(({ followUp }) => followUp.kind === 'team-text')!;
    expect(at.toISOString()).toBe('2026-12-05T16:00:00.000Z');
    expect(followUp).toMatchObject({ key: 'dispute:du_test_1', template: 'payment_disputed_team' });
    deps.now = () => new Date('2026-12-05T16:00:03.000Z');
    expect(await sendFollowUp(deps, followUp)).toMatchObject({ state: 'sent' });
    expect(await sendFollowUp(deps, followUp)).toMatchObject({ state: 'sent' });
    expect(texts.slice(before).map((text) => [text.to, text.body])).toEqual([
      [TEAM[0], teamAlert],
      [TEAM[1], teamAlert],
    ]);
  });

  it('given an inquiry (no money moved yet), then the team hears that, and again, under a key of its own, when it becomes a chargeback', async () => {
    // Prepare
    const { deps, texts } = notificationsDeps({ now: NOW });
    const before = texts.length;

    // Act
    await textCustomerAbout(deps, disputed(paid(), 'du_test_2', true));
    await textCustomerAbout(deps, disputed({ ...paid(), version: 4 }, 'du_test_2', false));

    // Assess
    expect(texts.slice(before).map((text) => [text.to, text.body])).toEqual([
      [
        TEAM[0],
        "QuickDumpNow: the bank of Mark Soderblom (job #000000) is asking about the card payment of $150.00: the customer says the service was not provided. No money has moved yet. Answer it in Stripe's Dashboard by Fri, Dec 11, 11:59 PM, or it may become a chargeback.",
      ],
      [TEAM[1], expect.stringContaining('is asking about the card payment')],
      [TEAM[0], expect.stringContaining('disputed the card payment of $150.00')],
      [TEAM[1], expect.stringContaining('Stripe took it back.')],
    ]);
  });

  it('given a lost dispute that can be appealed, then the team hears that, under a key of its own', async () => {
    const { deps, texts } = notificationsDeps({ now: NOW });
    const before = texts.length;

    await textCustomerAbout(deps, disputed(paid(), 'du_test_3'));
    await textCustomerAbout(deps, disputed({ ...paid(), version: 5 }, 'du_test_3', false, true));

    expect(texts.slice(before).map((text) => text.body)).toEqual([
      teamAlert,
      teamAlert,
      "QuickDumpNow: the bank of Mark Soderblom (job #000000) won its dispute of the card payment of $150.00 (the customer says the service was not provided); it can be appealed. Appeal it in Stripe's Dashboard by Fri, Dec 11, 11:59 PM, or the bank keeps it.",
      expect.stringContaining('it can be appealed'),
    ]);
  });
});
