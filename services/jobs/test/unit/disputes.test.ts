import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '@qdn/shared/errors';
import { EVENT_CATALOG } from '@qdn/shared/events';
import {
  type DisputeContext,
  type DisputeUpdate,
  disputeStatus,
  recordDispute,
} from '../../src/domain/disputes.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import { eventsForJobChange } from '../../src/domain/job-events.ts';
import { disputeOfEvent } from '../../src/domain/payment-input.ts';
import { jobRecord, MemoryJobRepository } from './fakes.ts';

// A card payment's dispute (chargeback), from Stripe's charge.dispute.* webhooks to the job's payment
// and its events: opened once, moved forward only, closed once.

const JOB_ID = 'qdn_01JDEMO0000000000000000000';
const OPENED = new Date('2026-12-03T17:00:00.000Z');
const DUE = '2026-12-10T23:59:59.000Z';

/** A job paid by card through Checkout (intent pi_paid), and a second session it returned (pi_returned). */
function paidJob(): JobRecord {
  return jobRecord({
    payment: {
      method: 'card',
      status: 'paid',
      amountDueCents: 15_000,
      amountPaidCents: 15_000,
      paidAt: '2026-11-28T12:05:00.000Z',
      recordedBy: 'stripe',
      reference: 'pi_paid',
      checkoutSessionId: 'cs_paid',
    },
    returnedPayments: [
      {
        checkoutSessionId: 'cs_second',
        reference: 'pi_returned',
        amountCents: 15_000,
        paidAt: '2026-11-28T12:07:00.000Z',
        why: 'paid-already',
        refundId: 're_second',
        refundStatus: 'succeeded',
      },
    ],
  });
}

function disputes(
  job = paidJob(),
  intents: Record<string, string> = { pi_paid: JOB_ID, pi_returned: JOB_ID },
) {
  const repository = new MemoryJobRepository();
  repository.jobs.set(job.jobId, job);
  let now = OPENED;
  const asked: string[] = [];
  const context: DisputeContext = {
    repository,
    now: () => now,
    paymentIntents: {
      async jobIdOf(paymentIntentId) {
        asked.push(paymentIntentId);
        return intents[paymentIntentId];
      },
    },
  };
  return {
    repository,
    context,
    asked,
    job: () => repository.jobs.get(JOB_ID)!,
    later(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

const opened: DisputeUpdate = {
  disputeId: 'du_1',
  paymentIntentId: 'pi_paid',
  status: 'needs_response',
  inquiry: false,
  appeal: false,
  reason: 'fraudulent',
  amountCents: 15_000,
  respondBy: DUE,
};

/** `opened` as the job records it, at OPENED. */
const recordedOpen = {
  disputeId: 'du_1',
  status: 'needs_response',
  reason: 'fraudulent',
  amountCents: 15_000,
  respondBy: DUE,
  openedAt: OPENED.toISOString(),
};

/** A Stripe event carrying a dispute object. */
const stripeEvent = (type: string, object: Record<string, unknown>) => ({
  id: 'evt_1',
  type,
  data: { object },
});

const disputeObject = (overrides: Record<string, unknown> = {}) => ({
  id: 'du_1',
  object: 'dispute',
  amount: 15_000,
  charge: 'ch_1',
  payment_intent: 'pi_paid',
  reason: 'fraudulent',
  status: 'needs_response',
  evidence_details: { due_by: Date.parse(DUE) / 1000, has_evidence: false },
  ...overrides,
});

describe("reading Stripe's charge.dispute.* events", () => {
  it('reads created, updated and closed disputes, with when evidence is due', () => {
    expect(disputeOfEvent(stripeEvent('charge.dispute.created', disputeObject()))).toEqual(opened);
    expect(
      disputeOfEvent(
        stripeEvent('charge.dispute.closed', disputeObject({ status: 'lost', evidence_details: {} })),
      ),
    ).toEqual({ ...opened, status: 'lost', respondBy: undefined });
  });

  it('ignores other events, the funds_* events, and a dispute of a charge no payment intent made', () => {
    expect(disputeOfEvent(stripeEvent('charge.dispute.funds_withdrawn', disputeObject()))).toBeUndefined();
    expect(disputeOfEvent(stripeEvent('refund.updated', disputeObject()))).toBeUndefined();
    expect(
      disputeOfEvent(stripeEvent('charge.dispute.created', disputeObject({ payment_intent: null }))),
    ).toBeUndefined();
  });

  it('refuses a signed dispute event it cannot read, naming the field', () => {
    const read = () =>
      disputeOfEvent(stripeEvent('charge.dispute.created', disputeObject({ amount: '150' })));
    expect(read).toThrow(ValidationError);
    expect(read).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'data.object.amount' })] }),
    );
  });

  it("reads Stripe's dispute and inquiry statuses as four steps and whether it is an inquiry; prevented as lost, an appeal's, and an unknown one as a chargeback needing an answer", () => {
    const read = Object.fromEntries(
      [
        'warning_needs_response',
        'warning_under_review',
        'warning_closed',
        'needs_response',
        'under_review',
        'won',
        'prevented',
        'lost',
        'appeal_needs_response',
        'appeal_under_review',
        'something_new',
      ].map((status) => {
        const { status: ours, inquiry, appeal } = disputeStatus(status);
        return [status, `${ours}${inquiry ? ' (inquiry)' : ''}${appeal ? ' (appeal)' : ''}`];
      }),
    );
    expect(read).toEqual({
      warning_needs_response: 'needs_response (inquiry)',
      warning_under_review: 'under_review (inquiry)',
      warning_closed: 'won (inquiry)',
      needs_response: 'needs_response',
      under_review: 'under_review',
      won: 'won',
      prevented: 'lost',
      lost: 'lost',
      appeal_needs_response: 'needs_response (appeal)',
      appeal_under_review: 'under_review (appeal)',
      something_new: 'needs_response',
    });
  });

  it('reads a dispute the bank takes no answer to (due_by 0) with no date to answer by', () => {
    const event = stripeEvent('charge.dispute.created', disputeObject({ evidence_details: { due_by: 0 } }));
    expect(disputeOfEvent(event)).toEqual({ ...opened, respondBy: undefined });
  });
});

describe('a dispute on the job', () => {
  it('given a dispute of the job’s card payment, then it is recorded on the payment once → one JobPaymentDisputed', async () => {
    // Prepare
    const { context, job, asked } = disputes();
    const before = job();
    // Act
    const outcomes = [await recordDispute(context, opened), await recordDispute(context, opened)];
    // Assess
    expect(outcomes).toEqual(['recorded', 'already-recorded']);
    expect(asked).toEqual(['pi_paid', 'pi_paid']);
    const after = job();
    expect(after.version).toBe(before.version + 1);
    expect(after.updatedBy).toBe('stripe');
    expect(after.payment).toMatchObject({
      status: 'paid',
      dispute: recordedOpen,
    });
    const events = eventsForJobChange(before, after);
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentDisputed']);
    const detail = EVENT_CATALOG['qdn.jobs'].JobPaymentDisputed.parse(events[0]!.detail);
    expect(detail.meta.actor).toBe('stripe');
    expect(detail.data.dispute).toEqual({
      disputeId: 'du_1',
      inquiry: false,
      appeal: false,
      reason: 'fraudulent',
      amountCents: 15_000,
      returned: false,
      respondBy: DUE,
      openedAt: OPENED.toISOString(),
    });
  });

  it('given it is answered and then lost, then each step is recorded, late or repeated news changes nothing, and one JobPaymentDisputeClosed says lost', async () => {
    // Prepare
    const { context, job, later } = disputes();
    await recordDispute(context, opened);
    const answeredBefore = job();
    later(60_000);
    // Act
    const answered = await recordDispute(context, { ...opened, status: 'under_review' });
    const underReview = job();
    later(60_000);
    const lost = await recordDispute(context, { ...opened, status: 'lost', respondBy: undefined });
    const closed = job();
    const late = [
      await recordDispute(context, opened),
      await recordDispute(context, { ...opened, status: 'under_review' }),
      await recordDispute(context, { ...opened, status: 'won' }),
    ];
    // Assess
    expect([answered, lost]).toEqual(['recorded', 'recorded']);
    expect(late).toEqual(['already-recorded', 'already-recorded', 'already-recorded']);
    expect(underReview.payment?.dispute).toEqual({
      disputeId: 'du_1',
      status: 'under_review',
      reason: 'fraudulent',
      amountCents: 15_000,
      openedAt: OPENED.toISOString(),
    });
    expect(eventsForJobChange(answeredBefore, underReview)).toEqual([]);
    expect(closed.payment?.dispute).toMatchObject({
      status: 'lost',
      openedAt: OPENED.toISOString(),
      closedAt: new Date(OPENED.getTime() + 120_000).toISOString(),
    });
    expect(job().version).toBe(closed.version);
    const events = eventsForJobChange(underReview, closed);
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentDisputeClosed']);
    expect(EVENT_CATALOG['qdn.jobs'].JobPaymentDisputeClosed.parse(events[0]!.detail).data.dispute).toEqual({
      disputeId: 'du_1',
      inquiry: false,
      appeal: false,
      reason: 'fraudulent',
      amountCents: 15_000,
      returned: false,
      outcome: 'lost',
      closedAt: closed.payment!.dispute!.closedAt,
    });
  });

  it('given a dispute opened and closed before we heard of it (a won inquiry), then both events go out from the one write', async () => {
    // Prepare
    const { context, job } = disputes();
    const before = job();
    // Act
    await recordDispute(context, { ...opened, status: 'won', respondBy: undefined });
    // Assess
    expect(eventsForJobChange(before, job()).map((event) => event.detailType)).toEqual([
      'JobPaymentDisputed',
      'JobPaymentDisputeClosed',
    ]);
  });

  it('given a dispute of a payment the job returned, then it is recorded on that returned payment, said as returned', async () => {
    // Prepare
    const { context, job } = disputes();
    const before = job();
    // Act
    const outcome = await recordDispute(context, { ...opened, paymentIntentId: 'pi_returned' });
    // Assess
    expect(outcome).toBe('recorded');
    expect(job().payment).not.toHaveProperty('dispute');
    expect(job().returnedPayments?.[0]?.dispute).toMatchObject({
      disputeId: 'du_1',
      status: 'needs_response',
    });
    const events = eventsForJobChange(before, job());
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentDisputed']);
    expect(events[0]!.detail).toMatchObject({ data: { dispute: { returned: true } } });
  });

  it('given a payment intent no job of ours took, or whose job has no such payment, then nothing is written', async () => {
    // Prepare: pi_other names our job in its metadata but the job never recorded it.
    const { context, job } = disputes(paidJob(), { pi_other: JOB_ID });
    const before = job();
    // Act
    const outcomes = [
      await recordDispute(context, { ...opened, paymentIntentId: 'pi_stranger' }),
      await recordDispute(context, { ...opened, paymentIntentId: 'pi_other' }),
    ];
    // Assess
    expect(outcomes).toEqual(['unknown-payment', 'unknown-payment']);
    expect(job()).toEqual(before);
  });

  it('given a second dispute of the same payment (an inquiry become a chargeback), then it replaces the first and is opened anew', async () => {
    // Prepare
    const { context, job, later } = disputes();
    await recordDispute(context, { ...opened, status: 'won' });
    const before = job();
    later(3_600_000);
    // Act
    await recordDispute(context, { ...opened, disputeId: 'du_2' });
    // Assess
    expect(job().payment?.dispute).toMatchObject({
      disputeId: 'du_2',
      status: 'needs_response',
      openedAt: new Date(OPENED.getTime() + 3_600_000).toISOString(),
    });
    expect(job().payment?.dispute).not.toHaveProperty('closedAt');
    expect(eventsForJobChange(before, job()).map((event) => event.detailType)).toEqual([
      'JobPaymentDisputed',
    ]);
  });

  it('given an inquiry answered, when it becomes a chargeback on the same dispute, then that is recorded and told again (JobPaymentDisputed, no longer an inquiry)', async () => {
    // Prepare
    const { context, job } = disputes();
    const inquiry = { ...opened, inquiry: true };
    await recordDispute(context, inquiry);
    await recordDispute(context, { ...inquiry, status: 'under_review', respondBy: undefined });
    const answered = job();
    // Act
    const escalated = await recordDispute(context, opened);
    // Assess
    expect(answered.payment?.dispute).toMatchObject({ status: 'under_review', inquiry: true });
    expect(escalated).toBe('recorded');
    expect(job().payment?.dispute).toEqual(recordedOpen);
    const events = eventsForJobChange(answered, job());
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentDisputed']);
    expect(events[0]!.detail).toMatchObject({ data: { dispute: { inquiry: false } } });
  });

  it('given a chargeback opened as a new dispute after its inquiry, then the inquiry’s late news (closed) changes nothing and the chargeback stays to answer', async () => {
    // Prepare
    const { context, job } = disputes();
    await recordDispute(context, { ...opened, disputeId: 'du_inquiry', inquiry: true });
    await recordDispute(context, { ...opened, disputeId: 'du_chargeback' });
    const open = job();
    // Act
    const late = [
      await recordDispute(context, { ...opened, disputeId: 'du_inquiry', inquiry: true, status: 'won' }),
      await recordDispute(context, {
        ...opened,
        disputeId: 'du_inquiry',
        inquiry: true,
        status: 'under_review',
      }),
    ];
    // Assess
    expect(late).toEqual(['already-recorded', 'already-recorded']);
    expect(job()).toEqual(open);
    expect(open.payment?.dispute).toMatchObject({ disputeId: 'du_chargeback', status: 'needs_response' });
    expect(open.payment?.dispute).not.toHaveProperty('inquiry');
  });

  it('given a lost dispute that can be appealed, then the appeal is recorded and told (JobPaymentDisputed, an appeal), and its win closes it once (JobPaymentDisputeClosed, won on appeal)', async () => {
    // Prepare
    const { context, job } = disputes();
    await recordDispute(context, opened);
    await recordDispute(context, { ...opened, status: 'lost', respondBy: undefined });
    const lost = job();
    // Act
    const appealable = await recordDispute(context, { ...opened, appeal: true });
    const open = job();
    await recordDispute(context, { ...opened, appeal: true, status: 'under_review', respondBy: undefined });
    const filed = job();
    const won = await recordDispute(context, { ...opened, status: 'won', respondBy: undefined });
    const late = await recordDispute(context, { ...opened, status: 'lost', respondBy: undefined });
    // Assess
    expect([appealable, won, late]).toEqual(['recorded', 'recorded', 'already-recorded']);
    expect(open.payment?.dispute).toMatchObject({ status: 'needs_response', appeal: true, respondBy: DUE });
    expect(job().payment?.dispute).toMatchObject({
      status: 'won',
      appeal: true,
      closedAt: expect.any(String),
    });
    const opening = eventsForJobChange(lost, open);
    expect(opening.map((event) => event.detailType)).toEqual(['JobPaymentDisputed']);
    expect(opening[0]!.detail).toMatchObject({ data: { dispute: { appeal: true, inquiry: false } } });
    expect(eventsForJobChange(open, filed)).toEqual([]);
    const closing = eventsForJobChange(filed, job());
    expect(closing.map((event) => event.detailType)).toEqual(['JobPaymentDisputeClosed']);
    expect(closing[0]!.detail).toMatchObject({ data: { dispute: { appeal: true, outcome: 'won' } } });
  });
});
