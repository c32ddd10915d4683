import { describe, expect, it } from '@jest/globals';
import { MemoryRateLimits, testBrands } from '@qdn/local-cloud/test-factories';
import { cardDepositCents } from '@qdn/shared/brands';
import { ConflictError, NotFoundError, ValidationError } from '@qdn/shared/errors';
import type { ReceivedEvent } from '@qdn/shared/events';
import type { JobRecord } from '../../src/domain/job.ts';
import { type Actor, createBooking, type JobsContext } from '../../src/domain/job-commands.ts';
import { eventsForJobChange, jobOnBus } from '../../src/domain/job-events.ts';
import type { BookingInput } from '../../src/domain/job-input.ts';
import {
  type CardPayments,
  type CompletedCheckout,
  markPaid,
  recordCheckout,
  startCheckout,
} from '../../src/domain/payment-commands.ts';
import { checkoutOfEvent } from '../../src/domain/payment-input.ts';
import { type RefundContext, type RefundLedger, refundCancelledJob } from '../../src/domain/refunds.ts';
import { jobRecord, MemoryJobRepository, MemoryLinkViews } from './fakes.ts';

// Paying at booking (issue 19): the brand's methods on the booking, a card deposit through Stripe
// Checkout recorded once from its webhook, Zelle and cash marked paid by a dispatcher; each payment
// is one JobPaymentReceived, derived from the job's write.

const NOW = new Date('2026-12-01T20:00:00.000Z');
const dispatcher: Actor = { userId: 'dispatcher-1', roles: ['dispatcher'] };
const web = { sourceIp: '203.0.113.7' };

function paymentsContext() {
  const repository = new MemoryJobRepository();
  const checkouts: Parameters<CardPayments['createCheckout']>[0][] = [];
  let ids = 0;
  const context: JobsContext & { cardPayments: CardPayments } = {
    repository,
    brands: testBrands,
    now: () => NOW,
    newJobId: () => `qdn_01JPAY00000000000000000${String(++ids).padStart(3, '0')}`,
    siteBaseUrl: (brandId) => `https://${brandId}.example.test`,
    trackingLinkSecret: async () => 'tracking-link-secret-for-tests!!',
    bookingLimits: { perPhonePerDay: 5, perIpPerHour: 5, maxDaysAhead: 60, maxRentalDays: 14 },
    limits: new MemoryRateLimits(),
    trackLookupsPerIpPerMinute: 3,
    trackingLinkDaysAfterClose: 7,
    linkViews: new MemoryLinkViews(),
    cardPayments: {
      async createCheckout(request) {
        checkouts.push(request);
        return {
          sessionId: `cs_test_${checkouts.length}`,
          url: `https://checkout.example.test/${checkouts.length}`,
        };
      },
    },
  };
  return { context, repository, checkouts };
}

const booking = (overrides: Partial<BookingInput> = {}): BookingInput => ({
  brandId: 'qdn',
  name: 'Ana Ruiz',
  phone: '+16195550150',
  email: 'ana@example.com',
  address: { text: '1 Harbor Dr, San Diego' },
  serviceType: 'trailer_pickup_and_dump',
  preferredDate: '2026-12-05',
  window: 'morning',
  smsConsent: true,
  ...overrides,
});

describe('choosing how to pay at booking', () => {
  it('given card, when booked, then the deposit (the brand share of the quote) is due and stored with the job', async () => {
    // Prepare
    const { context, repository } = paymentsContext();
    // Act
    const answer = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    // Assess
    const deposit = cardDepositCents(testBrands.get('qdn').payments, answer.quote.totalCents);
    expect(deposit).toBeLessThan(answer.quote.totalCents);
    expect(answer.payment).toEqual({ method: 'card', amountDueCents: deposit });
    expect(repository.jobs.get(answer.jobId)).toMatchObject({
      paymentMethod: 'card',
      payment: { method: 'card', status: 'due', amountDueCents: deposit },
    });
  });

  it('given Zelle, when booked, then the whole quote is due and the answer says how to pay (the confirmation page shows it)', async () => {
    const { context } = paymentsContext();
    const answer = await createBooking(context, booking({ paymentMethod: 'zelle' }), web);
    expect(answer.payment?.amountDueCents).toBe(answer.quote.totalCents);
    expect(answer.payment?.instructions).toContain('Zelle to pay@quickdumpnow.com');
    expect(answer.payment?.instructions).toContain(`$${(answer.quote.totalCents / 100).toFixed(2)}`);
  });

  it('given a method the brand does not take, then 400 on paymentMethod and nothing stored', async () => {
    const { context, repository } = paymentsContext();
    const refused = createBooking(
      context,
      booking({ brandId: 'jada', serviceType: 'charter', paymentMethod: 'cash' }),
      web,
    );
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ details: [{ field: 'body.paymentMethod' }] });
    expect(repository.jobs.size).toBe(0);
  });
});

describe('a card deposit through Stripe Checkout', () => {
  it('given a card booking, when checkout starts, then the session is for the deposit with success and cancel pages on the brand site', async () => {
    const { context, checkouts } = paymentsContext();
    const { jobId, payment } = await createBooking(context, booking({ paymentMethod: 'card' }), web);

    const session = await startCheckout(context, jobId, web);

    expect(session).toMatchObject({ sessionId: 'cs_test_1', amountCents: payment!.amountDueCents });
    expect(checkouts[0]).toMatchObject({ jobId, brandId: 'qdn', amountCents: payment!.amountDueCents });
    expect(checkouts[0]!.successUrl).toBe(
      `https://qdn.example.test/book?brand=qdn&job=${jobId}&payment=paid`,
    );
    expect(checkouts[0]!.cancelUrl).toBe(
      `https://qdn.example.test/book?brand=qdn&job=${jobId}&payment=cancelled`,
    );
  });

  it('given a Zelle booking or an unknown job, then no session: 409 and 404', async () => {
    const { context, checkouts } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'zelle' }), web);
    await expect(startCheckout(context, jobId, web)).rejects.toBeInstanceOf(ConflictError);
    await expect(startCheckout(context, 'qdn_01JPAY00000000000000000999', web)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(checkouts).toHaveLength(0);
  });

  it('given a completed session, when its webhook arrives twice, then the job is paid once and one JobPaymentReceived is derived', async () => {
    // Prepare
    const { context, repository } = paymentsContext();
    const { jobId, payment } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    const before = repository.jobs.get(jobId)!;
    const checkout: CompletedCheckout = {
      sessionId: 'cs_test_1',
      jobId,
      paymentStatus: 'paid',
      amountTotalCents: payment!.amountDueCents,
      paymentIntentId: 'pi_test_1',
    };
    // Act
    const first = await recordCheckout(context, checkout);
    const paid = repository.jobs.get(jobId)!;
    const second = await recordCheckout(context, checkout);
    // Assess
    expect([first, second]).toEqual(['recorded', 'already-recorded']);
    expect(repository.jobs.get(jobId)!.version).toBe(before.version + 1);
    expect(paid.payment).toMatchObject({
      status: 'paid',
      amountPaidCents: payment!.amountDueCents,
      reference: 'pi_test_1',
    });
    const events = eventsForJobChange(before, paid);
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentReceived']);
    expect(events[0]!.detail).toMatchObject({
      meta: { eventId: `${jobId}:2:JobPaymentReceived`, jobId, brandId: 'qdn' },
      data: {
        job: { paymentMethod: 'card', paymentStatus: 'paid', status: 'requested' },
        payment: { method: 'card', amountCents: payment!.amountDueCents, reference: 'pi_test_1' },
      },
    });
  });

  it('given a session not paid yet (a delayed method), then nothing is recorded', async () => {
    const { context, repository } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    const outcome = await recordCheckout(context, {
      sessionId: 'cs_test_1',
      jobId,
      paymentStatus: 'unpaid',
      amountTotalCents: 5000,
    });
    expect(outcome).toBe('not-paid');
    expect(repository.jobs.get(jobId)!.payment?.status).toBe('due');
  });

  it('given a verified event, then only checkout.session.completed is read, and a session without our job is a field error', () => {
    const session = {
      id: 'cs_test_a1',
      client_reference_id: 'qdn_01JPAY00000000000000000001',
      payment_status: 'paid',
      amount_total: 3750,
      payment_intent: 'pi_test_1',
    };
    expect(
      checkoutOfEvent({ id: 'evt_1', type: 'charge.succeeded', data: { object: session } }),
    ).toBeUndefined();
    expect(
      checkoutOfEvent({ id: 'evt_2', type: 'checkout.session.completed', data: { object: session } }),
    ).toEqual({
      sessionId: 'cs_test_a1',
      jobId: 'qdn_01JPAY00000000000000000001',
      paymentStatus: 'paid',
      amountTotalCents: 3750,
      paymentIntentId: 'pi_test_1',
    });
    expect(() =>
      checkoutOfEvent({
        id: 'evt_3',
        type: 'checkout.session.completed',
        data: { object: { ...session, client_reference_id: null } },
      }),
    ).toThrow(ValidationError);
  });
});

describe('Zelle and cash marked paid by a dispatcher', () => {
  it('given a Zelle booking, when marked paid, then the quote is recorded as paid with the reference; a second mark is 409', async () => {
    const { context, repository } = paymentsContext();
    const { jobId, quote } = await createBooking(context, booking({ paymentMethod: 'zelle' }), web);
    const before = repository.jobs.get(jobId)!;

    const job = await markPaid(context, jobId, { method: 'zelle', reference: 'ZL-4471' }, dispatcher);

    expect(job.payment).toMatchObject({
      method: 'zelle',
      status: 'paid',
      amountPaidCents: quote.totalCents,
      reference: 'ZL-4471',
      recordedBy: 'dispatcher-1',
    });
    const [event] = eventsForJobChange(before, repository.jobs.get(jobId)!);
    expect(event).toMatchObject({
      detailType: 'JobPaymentReceived',
      detail: {
        meta: { actor: 'dispatcher-1' },
        data: { payment: { method: 'zelle', amountCents: quote.totalCents } },
      },
    });
    await expect(markPaid(context, jobId, { method: 'zelle' }, dispatcher)).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('given a job with no price and no amount, then 400 on amountCents', async () => {
    const { context, repository } = paymentsContext();
    repository.jobs.set(
      'qdn_01JPAY00000000000000000777',
      jobRecord({ jobId: 'qdn_01JPAY00000000000000000777' }),
    );
    await expect(
      markPaid(context, 'qdn_01JPAY00000000000000000777', { method: 'cash' }, dispatcher),
    ).rejects.toMatchObject({ details: [{ field: 'body.amountCents' }] });
  });
});

describe('a refund when a dispatcher cancels a job paid by card', () => {
  /** The refund ledger in memory, with the primitive's rules: one lease at a time, done once. */
  function memoryLedger() {
    const items = new Map<string, { leaseToken?: string; refundId?: string }>();
    let tokens = 0;
    const ledger: RefundLedger = {
      async claim(jobId) {
        const item = items.get(jobId) ?? {};
        if (item.refundId) return { outcome: 'done', refundId: item.refundId };
        if (item.leaseToken) return { outcome: 'busy' };
        const leaseToken = `lease-${++tokens}`;
        items.set(jobId, { leaseToken });
        return { outcome: 'claimed', leaseToken };
      },
      async complete(jobId, _leaseToken, refundId) {
        items.set(jobId, { refundId });
      },
      async release(jobId) {
        items.set(jobId, {});
      },
    };
    return { ledger, items };
  }

  const cancelledEvent = (job: JobRecord) =>
    ({
      id: 'evt',
      source: 'qdn.jobs',
      detailType: 'JobStatusChanged',
      time: NOW.toISOString(),
      replayName: undefined,
      detail: {
        meta: {
          eventId: `${job.jobId}:${job.version}:JobStatusChanged`,
          occurredAt: NOW.toISOString(),
          brandId: 'qdn',
          correlationId: 'c',
          schemaVersion: 1,
        },
        data: { job: jobOnBus(job), previousStatus: 'requested', status: 'cancelled', correction: false },
      },
    }) as unknown as ReceivedEvent<'JobStatusChanged'>;

  async function cancelledPaidJob() {
    const { context, repository } = paymentsContext();
    const { jobId, payment } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await recordCheckout(context, {
      sessionId: 'cs_test_1',
      jobId,
      paymentStatus: 'paid',
      amountTotalCents: payment!.amountDueCents,
      paymentIntentId: 'pi_test_1',
    });
    const paid = repository.jobs.get(jobId)!;
    const cancelled = { ...paid, status: 'cancelled' as const, version: paid.version + 1 };
    repository.jobs.set(jobId, cancelled);
    return { repository, cancelled, deposit: payment!.amountDueCents };
  }

  it('given the cancellation delivered twice, then one refund at Stripe, the job refunded once and one JobPaymentRefunded', async () => {
    // Prepare
    const { repository, cancelled, deposit } = await cancelledPaidJob();
    const { ledger } = memoryLedger();
    const calls: [string, string][] = [];
    const deps: RefundContext = {
      repository,
      ledger,
      refunds: {
        async refund(intent, key) {
          calls.push([intent, key]);
          return { refundId: 're_test_1', status: 'succeeded' };
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    // Act
    const first = await refundCancelledJob(deps, cancelledEvent(cancelled));
    const refunded = repository.jobs.get(cancelled.jobId)!;
    const second = await refundCancelledJob(deps, cancelledEvent(cancelled));
    // Assess
    expect([first, second]).toEqual(['refunded', 'nothing-to-refund']);
    expect(calls).toEqual([['pi_test_1', `refund:${cancelled.jobId}:cs_test_1`]]);
    expect(refunded.payment).toMatchObject({
      status: 'refunded',
      refundId: 're_test_1',
      refundedAt: NOW.toISOString(),
    });
    expect(repository.jobs.get(cancelled.jobId)!.version).toBe(cancelled.version + 1);
    const events = eventsForJobChange(cancelled, refunded);
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentRefunded']);
    expect(events[0]!.detail).toMatchObject({
      data: { refund: { method: 'card', amountCents: deposit, refundId: 're_test_1' } },
    });
  });

  it('given Stripe failed, then the lease is released and the error thrown (SQS retries); the next attempt refunds', async () => {
    const { repository, cancelled } = await cancelledPaidJob();
    const { ledger } = memoryLedger();
    let fail = true;
    const deps: RefundContext = {
      repository,
      ledger,
      refunds: {
        async refund() {
          if (fail) throw Object.assign(new Error('Stripe 503'), { statusCode: 503 });
          return { refundId: 're_test_2', status: 'succeeded' };
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    await expect(refundCancelledJob(deps, cancelledEvent(cancelled))).rejects.toThrow('Stripe 503');
    expect(repository.jobs.get(cancelled.jobId)!.payment?.status).toBe('paid');
    fail = false;
    expect(await refundCancelledJob(deps, cancelledEvent(cancelled))).toBe('refunded');
  });

  it('given the ledger says refunded but the job was not recorded (a crash between), then it is only recorded', async () => {
    const { repository, cancelled } = await cancelledPaidJob();
    const { ledger, items } = memoryLedger();
    items.set(cancelled.jobId, { refundId: 're_test_3' });
    const deps: RefundContext = {
      repository,
      ledger,
      refunds: {
        async refund() {
          throw new Error('must not be called');
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    expect(await refundCancelledJob(deps, cancelledEvent(cancelled))).toBe('recorded');
    expect(repository.jobs.get(cancelled.jobId)!.payment).toMatchObject({
      status: 'refunded',
      refundId: 're_test_3',
    });
  });

  it('given a cancelled Zelle job, then nothing is refunded', async () => {
    const job = jobRecord({
      status: 'cancelled',
      paymentMethod: 'zelle',
      payment: { method: 'zelle', status: 'paid' },
    });
    const deps = { refunds: { refund: () => Promise.reject(new Error('no')) } } as unknown as RefundContext;
    expect(await refundCancelledJob(deps, cancelledEvent(job))).toBe('not-paid-by-card');
  });
});
