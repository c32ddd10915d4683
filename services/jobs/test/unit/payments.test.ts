import { describe, expect, it } from '@jest/globals';
import { MemoryRateLimits, testBrands } from '@qdn/local-cloud/test-factories';
import { cardDepositCents } from '@qdn/shared/brands';
import { ConflictError, NotFoundError, ValidationError } from '@qdn/shared/errors';
import type { ReceivedEvent } from '@qdn/shared/events';
import type { JobRecord } from '../../src/domain/job.ts';
import {
  type Actor,
  changeStatus,
  createBooking,
  type JobsContext,
  staffViews,
  updateJob,
} from '../../src/domain/job-commands.ts';
import { eventsForJobChange, jobOnBus } from '../../src/domain/job-events.ts';
import type { BookingInput } from '../../src/domain/job-input.ts';
import {
  type CardPayments,
  type CompletedCheckout,
  markPaid,
  recordCheckout,
  recordRefundPaidBack,
  startCheckout,
} from '../../src/domain/payment-commands.ts';
import { checkoutOfEvent, refundOfEvent } from '../../src/domain/payment-input.ts';
import {
  type CardRefund,
  type CardRefunds,
  cardRefund,
  REFUND_IN_FLIGHT_MS,
  type RefundContext,
  RefundInFlightError,
  type RefundLedger,
  type RefundOf,
  recordRefundUpdate,
  refundCancelledJob,
} from '../../src/domain/refunds.ts';
import { jobRecord, MemoryJobRepository, MemoryLinkViews } from './fakes.ts';

// Paying at booking (issue 19): the brand's methods on the booking, a card deposit through Stripe
// Checkout recorded once from its webhook, Zelle and cash marked paid by a dispatcher; each payment
// is one JobPaymentReceived, derived from the job's write.

const NOW = new Date('2026-12-01T20:00:00.000Z');
const dispatcher: Actor = { userId: 'dispatcher-1', roles: ['dispatcher'] };
const web = { sourceIp: '203.0.113.7' };

/** The refund ledger in memory, with the primitive's rules: one lease at a time per refund, done once. */
function memoryLedger() {
  const items = new Map<string, { leaseToken?: string; refundId?: string }>();
  const keyOf = (refund: RefundOf) =>
    refund.checkoutSessionId ? `${refund.jobId}#${refund.checkoutSessionId}` : refund.jobId;
  let tokens = 0;
  const ledger: RefundLedger = {
    async claim(refund) {
      const item = items.get(keyOf(refund)) ?? {};
      if (item.refundId) return { outcome: 'done', refundId: item.refundId };
      if (item.leaseToken) return { outcome: 'busy' };
      const leaseToken = `lease-${++tokens}`;
      items.set(keyOf(refund), { leaseToken });
      return { outcome: 'claimed', leaseToken };
    },
    async complete(refund, _leaseToken, refundId) {
      items.set(keyOf(refund), { refundId });
    },
    async release(refund) {
      items.set(keyOf(refund), {});
    },
  };
  return { ledger, items, keyOf };
}

/** A refund's lookup at Stripe, which only a refund the ledger holds and the job hasn't recorded needs. */
async function notLookedUp(): Promise<never> {
  throw new Error('no refund was to be looked up at Stripe');
}

/**
 * Stripe's refunds in memory: each call with its payment intent and idempotency key, each refund made
 * (`status` says how it is made); `fail` makes the next call throw.
 */
function memoryRefunds() {
  const calls: [string, string][] = [];
  const made = new Map<string, CardRefund>();
  const state: { fail: boolean; status: CardRefund['status'] } = { fail: false, status: 'succeeded' };
  const refunds: CardRefunds = {
    async find(refundId) {
      const refund = made.get(refundId);
      if (!refund) throw new Error(`No such refund: '${refundId}'`);
      return refund;
    },
    async refund(intent, key) {
      if (state.fail) throw Object.assign(new Error('Stripe 503'), { statusCode: 503 });
      calls.push([intent, key]);
      const refund: CardRefund = { refundId: `re_test_${calls.length}`, status: state.status };
      made.set(refund.refundId, refund);
      return refund;
    },
  };
  return { refunds, calls, state, made };
}

function paymentsContext() {
  const repository = new MemoryJobRepository();
  const checkouts: Parameters<CardPayments['createCheckout']>[0][] = [];
  const { ledger } = memoryLedger();
  const stripe = memoryRefunds();
  let ids = 0;
  const context: JobsContext & { cardPayments: CardPayments } & Omit<RefundContext, 'repository' | 'now'> = {
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
    ledger,
    refunds: stripe.refunds,
    leaseMs: 60_000,
  };
  return { context, repository, checkouts, stripe };
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

/** A card booking whose deposit Stripe's webhook recorded (session cs_test_1, intent pi_test_1). */
async function paidCardBooking(
  before?: (context: ReturnType<typeof paymentsContext>['context'], jobId: string) => Promise<unknown>,
) {
  const made = paymentsContext();
  const { jobId, payment } = await createBooking(made.context, booking({ paymentMethod: 'card' }), web);
  await before?.(made.context, jobId);
  await recordCheckout(made.context, {
    sessionId: 'cs_test_1',
    jobId,
    paymentStatus: 'paid',
    amountTotalCents: payment!.amountDueCents,
    paymentIntentId: 'pi_test_1',
  });
  return { ...made, jobId, deposit: payment!.amountDueCents };
}

/** The cancellation of a job as the refunds consumer receives it. */
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

  it('given a verified event, then only checkout.session.completed is read, and a malformed session of ours is a field error', () => {
    const session = {
      id: 'cs_test_a1',
      client_reference_id: 'qdn_01JPAY00000000000000000001',
      metadata: { jobId: 'qdn_01JPAY00000000000000000001', brandId: 'qdn' },
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
        data: { object: { ...session, amount_total: '37.50' } },
      }),
    ).toThrow(ValidationError);
  });

  it("given a session startCheckout did not create (a Payment Link's, another app's), then it is ignored, not refused", () => {
    // Stripe sends the endpoint every Checkout of the account, retries a 400 for three days, then may
    // disable the endpoint: our own deposits would stop being recorded.
    const ours = {
      id: 'cs_test_a2',
      client_reference_id: 'qdn_01JPAY00000000000000000001',
      metadata: { jobId: 'qdn_01JPAY00000000000000000001' },
      payment_status: 'paid',
      amount_total: 100,
      payment_intent: 'pi_test_2',
    };
    const completed = (object: Record<string, unknown>) =>
      checkoutOfEvent({ id: 'evt_4', type: 'checkout.session.completed', data: { object } });

    expect(completed({ ...ours, metadata: {} })).toBeUndefined();
    expect(completed({ ...ours, client_reference_id: null, metadata: {} })).toBeUndefined();
    // A Payment Link whose URL named one of our jobs: client_reference_id is anyone's to set, metadata not.
    expect(completed({ ...ours, metadata: { jobId: 'qdn_01JPAY00000000000000000009' } })).toBeUndefined();
    expect(completed(ours)).toMatchObject({ jobId: 'qdn_01JPAY00000000000000000001', amountTotalCents: 100 });
  });
});

describe("a payment still due follows the dispatcher's edit of the job", () => {
  it('given a Zelle booking whose price is changed, then the new price is due, and marking it paid records that', async () => {
    // Prepare
    const { context, repository } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'zelle' }), web);

    // Act
    await updateJob(context, jobId, { priceCents: 70_000 }, dispatcher);
    const paid = await markPaid(context, jobId, { method: 'zelle', reference: 'ZL-1' }, dispatcher);

    // Assess
    expect(paid.payment).toMatchObject({ status: 'paid', amountDueCents: 70_000, amountPaidCents: 70_000 });
    expect(repository.jobs.get(jobId)!.paymentMethod).toBe('zelle');
  });

  it('given a Zelle booking switched to card, then the card deposit of the price is due and a checkout can start', async () => {
    // Prepare
    const { context, repository, checkouts } = paymentsContext();
    const { jobId, quote } = await createBooking(context, booking({ paymentMethod: 'zelle' }), web);

    // Act
    await updateJob(context, jobId, { paymentMethod: 'card' }, dispatcher);
    const checkout = await startCheckout(context, jobId, web);

    // Assess
    const deposit = cardDepositCents(testBrands.get('qdn').payments, quote.totalCents);
    expect(repository.jobs.get(jobId)!.payment).toEqual({
      method: 'card',
      status: 'due',
      amountDueCents: deposit,
    });
    expect(checkout).toMatchObject({ amountCents: deposit });
    expect(checkouts).toHaveLength(1);
  });

  it('given a method the brand does not take, then 400 on paymentMethod and nothing changes; a method cleared leaves nothing due', async () => {
    // Prepare
    const { context, repository } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    const before = repository.jobs.get(jobId)!;

    // Act
    const refused = updateJob(context, jobId, { paymentMethod: 'check' }, dispatcher);
    const unpriced = updateJob(context, jobId, { priceCents: null }, dispatcher);

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toMatchObject({ details: [{ field: 'body.paymentMethod' }] });
    await expect(unpriced).rejects.toMatchObject({ details: [{ field: 'body.priceCents' }] });
    expect(repository.jobs.get(jobId)).toEqual(before);
    await updateJob(context, jobId, { paymentMethod: null }, dispatcher);
    expect(repository.jobs.get(jobId)).not.toHaveProperty('payment');
    expect(repository.jobs.get(jobId)).not.toHaveProperty('paymentMethod');
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

describe('a card payment the job cannot keep (a second session, or paid after the job was cancelled)', () => {
  const completed = (jobId: string, n: number, amountTotalCents = 5_000): CompletedCheckout => ({
    sessionId: `cs_test_${n}`,
    jobId,
    paymentStatus: 'paid',
    amountTotalCents,
    paymentIntentId: `pi_test_${n}`,
  });

  it('given a second session paid for a job already paid (two tabs, the back button), then the first payment stays, the second is refunded in full and kept on record', async () => {
    // Prepare
    const { context, repository, stripe } = paymentsContext();
    const { jobId, payment } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    const deposit = payment!.amountDueCents;
    expect(await recordCheckout(context, completed(jobId, 1, deposit))).toBe('recorded');
    const paid = repository.jobs.get(jobId)!;

    // Act
    const second = await recordCheckout(context, completed(jobId, 2, deposit));
    const again = await recordCheckout(context, completed(jobId, 2, deposit));

    // Assess: the job's payment is still the first; the second went back once, and is on the job for staff.
    expect([second, again]).toEqual(['refunded', 'already-recorded']);
    const job = repository.jobs.get(jobId)!;
    expect(job.payment).toEqual(paid.payment);
    expect(job.payment).toMatchObject({ reference: 'pi_test_1', checkoutSessionId: 'cs_test_1' });
    expect(stripe.calls).toEqual([['pi_test_2', `refund:${jobId}:cs_test_2:lease-1`]]);
    expect(job.returnedPayments).toEqual([
      {
        checkoutSessionId: 'cs_test_2',
        reference: 'pi_test_2',
        amountCents: deposit,
        paidAt: NOW.toISOString(),
        why: 'paid-already',
        refundId: 're_test_1',
        refundedAt: NOW.toISOString(),
        refundStatus: 'succeeded',
      },
    ]);
    // No second JobPaymentReceived (no second receipt text) for money that went back.
    expect(eventsForJobChange(paid, job).map((event) => event.detailType)).not.toContain(
      'JobPaymentReceived',
    );
  });

  it('given a session paid after the job was cancelled (declined, expired), then the job is not marked paid: the payment is refunded and kept on record', async () => {
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    const booked = repository.jobs.get(jobId)!;
    repository.jobs.set(jobId, { ...booked, status: 'cancelled', version: booked.version + 1 });

    expect(await recordCheckout(context, completed(jobId, 1))).toBe('refunded');

    const job = repository.jobs.get(jobId)!;
    expect(job.payment).toMatchObject({ status: 'due' });
    expect(job.returnedPayments).toMatchObject([
      { checkoutSessionId: 'cs_test_1', why: 'job-cancelled', refundId: 're_test_1' },
    ]);
    expect(stripe.calls).toEqual([['pi_test_1', `refund:${jobId}:cs_test_1:lease-1`]]);
  });

  it('given a job whose payment was already refunded on cancellation, then a late second session is refunded too, and the job stays refunded', async () => {
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await recordCheckout(context, completed(jobId, 1));
    const paid = repository.jobs.get(jobId)!;
    repository.jobs.set(jobId, {
      ...paid,
      status: 'cancelled',
      version: paid.version + 1,
      payment: { ...paid.payment!, status: 'refunded', refundId: 're_first', refundedAt: NOW.toISOString() },
    });

    expect(await recordCheckout(context, completed(jobId, 2))).toBe('refunded');

    expect(repository.jobs.get(jobId)!.payment).toMatchObject({ status: 'refunded', refundId: 're_first' });
    expect(stripe.calls).toEqual([['pi_test_2', expect.stringMatching(`^refund:${jobId}:cs_test_2:lease-`)]]);
  });

  it('given Stripe failing the refund, then the payment is on record and the error thrown (the webhook answers 500, Stripe retries); the retry refunds once', async () => {
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await recordCheckout(context, completed(jobId, 1));
    stripe.state.fail = true;

    await expect(recordCheckout(context, completed(jobId, 2))).rejects.toThrow('Stripe 503');
    expect(repository.jobs.get(jobId)!.returnedPayments).toMatchObject([
      { checkoutSessionId: 'cs_test_2', why: 'paid-already' },
    ]);
    expect(repository.jobs.get(jobId)!.returnedPayments![0]).not.toHaveProperty('refundId');
    stripe.state.fail = false;
    expect(await recordCheckout(context, completed(jobId, 2))).toBe('refunded');
    expect(stripe.calls).toEqual([['pi_test_2', `refund:${jobId}:cs_test_2:lease-2`]]);
    expect(repository.jobs.get(jobId)!.returnedPayments).toHaveLength(1);
  });

  it('given the refund made but not recorded on the job (a crash between), then the retry only records it', async () => {
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await recordCheckout(context, completed(jobId, 1));
    await recordCheckout(context, completed(jobId, 2));
    const refunded = repository.jobs.get(jobId)!;
    const {
      refundId: _refundId,
      refundedAt: _refundedAt,
      refundStatus: _refundStatus,
      ...unrecorded
    } = refunded.returnedPayments![0]!;
    repository.jobs.set(jobId, { ...refunded, returnedPayments: [unrecorded] });

    expect(await recordCheckout(context, completed(jobId, 2))).toBe('refunded');
    expect(stripe.calls).toHaveLength(1);
    expect(repository.jobs.get(jobId)!.returnedPayments).toMatchObject([
      { refundId: 're_test_1', refundStatus: 'succeeded' },
    ]);
  });

  it('given a returned session without a payment intent (nothing charged through one), then it is kept on record and nothing is refunded', async () => {
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await recordCheckout(context, completed(jobId, 1));
    const { paymentIntentId: _intent, ...withoutIntent } = completed(jobId, 2);

    expect(await recordCheckout(context, withoutIntent)).toBe('recorded');
    expect(stripe.calls).toEqual([]);
    expect(repository.jobs.get(jobId)!.returnedPayments).toMatchObject([{ checkoutSessionId: 'cs_test_2' }]);
  });

  it('given the same refund in flight elsewhere (a concurrent delivery), then RefundInFlightError (a 500: Stripe retries) and no second refund', async () => {
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await recordCheckout(context, completed(jobId, 1));
    await context.ledger.claim({ jobId, checkoutSessionId: 'cs_test_2' }, NOW, 60_000);

    await expect(recordCheckout(context, completed(jobId, 2))).rejects.toThrow('in flight');
    expect(stripe.calls).toEqual([]);
    expect(repository.jobs.get(jobId)!.returnedPayments).toHaveLength(1);
  });
});

describe('a refund when a dispatcher cancels a job paid by card', () => {
  async function cancelledPaidJob() {
    const { repository, jobId, deposit } = await paidCardBooking();
    const paid = repository.jobs.get(jobId)!;
    const cancelled = { ...paid, status: 'cancelled' as const, version: paid.version + 1 };
    repository.jobs.set(jobId, cancelled);
    return { repository, cancelled, deposit };
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
        find: notLookedUp,
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
    expect(calls).toEqual([['pi_test_1', `refund:${cancelled.jobId}:cs_test_1:lease-1`]]);
    expect(refunded.payment).toMatchObject({
      status: 'refunded',
      refundId: 're_test_1',
      refundedAt: NOW.toISOString(),
    });
    // The refund's start (before Stripe is asked), then the refund: no event for the first.
    expect(repository.jobs.get(cancelled.jobId)!.version).toBe(cancelled.version + 2);
    expect(refunded.payment?.refundStartedAt).toBe(NOW.toISOString());
    expect(
      eventsForJobChange(cancelled, {
        ...cancelled,
        payment: { ...cancelled.payment!, refundStartedAt: NOW.toISOString() },
      }),
    ).toEqual([]);
    const events = eventsForJobChange(cancelled, refunded);
    expect(events.map((event) => event.detailType)).toEqual(['JobPaymentRefunded']);
    expect(events[0]!.detail).toMatchObject({
      data: { refund: { method: 'card', amountCents: deposit, refundId: 're_test_1' } },
    });
  });

  it('given Stripe failed, then the lease is released and the error thrown (SQS retries); the next attempt refunds under a key of its own', async () => {
    const { repository, cancelled } = await cancelledPaidJob();
    const { ledger } = memoryLedger();
    let fail = true;
    const keys: string[] = [];
    const deps: RefundContext = {
      repository,
      ledger,
      refunds: {
        find: notLookedUp,
        async refund(_intent, key) {
          keys.push(key);
          if (fail) throw Object.assign(new Error('Stripe 500'), { statusCode: 500 });
          return { refundId: 're_test_2', status: 'succeeded' };
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    await expect(refundCancelledJob(deps, cancelledEvent(cancelled))).rejects.toThrow('Stripe 500');
    expect(repository.jobs.get(cancelled.jobId)!.payment?.status).toBe('paid');
    fail = false;
    expect(await refundCancelledJob(deps, cancelledEvent(cancelled))).toBe('refunded');
    // Stripe answers a 5xx again to its key for 24 h: the same key would fail every retry of the day.
    expect(keys).toEqual([
      `refund:${cancelled.jobId}:cs_test_1:lease-1`,
      `refund:${cancelled.jobId}:cs_test_1:lease-2`,
    ]);
  });

  it('given the ledger says refunded but the job was not recorded (a crash between), then it is only recorded, with the refund as Stripe has it now', async () => {
    const { repository, cancelled } = await cancelledPaidJob();
    const { ledger, items, keyOf } = memoryLedger();
    items.set(keyOf({ jobId: cancelled.jobId }), { refundId: 're_test_3' });
    const looked: string[] = [];
    const deps: RefundContext = {
      repository,
      ledger,
      refunds: {
        async find(refundId) {
          looked.push(refundId);
          return { refundId, status: 'pending' };
        },
        async refund() {
          throw new Error('must not be called');
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    expect(await refundCancelledJob(deps, cancelledEvent(cancelled))).toBe('recorded');
    expect(looked).toEqual(['re_test_3']);
    expect(repository.jobs.get(cancelled.jobId)!.payment).toMatchObject({
      status: 'refunded',
      refundId: 're_test_3',
      refundStatus: 'pending',
    });
  });

  /** A card booking confirmed, paid, then cancelled by a dispatcher (inside the brand's undo window). */
  async function paidThenCancelled() {
    const { context, repository, jobId } = await paidCardBooking((confirming, id) =>
      changeStatus(confirming, id, { status: 'scheduled' }, dispatcher),
    );
    await changeStatus(context, jobId, { status: 'cancelled' }, dispatcher);
    const cancelled = repository.jobs.get(jobId)!;
    return { context, repository, cancelled };
  }

  it('given the dispatcher taps Undo while the refund is at Stripe, then the Undo is refused (409, the money is going back) and the job stays cancelled and refunded', async () => {
    // Prepare
    const { context, repository, cancelled } = await paidThenCancelled();
    const { ledger } = memoryLedger();
    let undo: Promise<unknown> | undefined;
    const deps: RefundContext = {
      repository,
      ledger,
      refunds: {
        find: notLookedUp,
        async refund() {
          // The dispatcher's Undo lands while Stripe is refunding.
          undo = changeStatus(context, cancelled.jobId, { status: 'scheduled' }, dispatcher).catch(
            (error: unknown) => error,
          );
          await undo;
          return { refundId: 're_test_1', status: 'succeeded' };
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    // Act
    const outcome = await refundCancelledJob(deps, cancelledEvent(cancelled));
    // Assess
    expect(outcome).toBe('refunded');
    const refused = await undo;
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({
      statusCode: 409,
      details: [{ field: 'body.status', payment: 'refunding' }],
    });
    expect(repository.jobs.get(cancelled.jobId)).toMatchObject({
      status: 'cancelled',
      payment: { status: 'refunded', refundId: 're_test_1' },
    });
  });

  it('given a cancelled job whose card refund has begun, then its view offers no Undo (the API would refuse it); before, it does', async () => {
    // Prepare
    const { context, repository, cancelled } = await paidThenCancelled();
    const refunding = {
      ...cancelled,
      payment: { ...cancelled.payment!, refundStartedAt: NOW.toISOString() },
    };
    const refunded = {
      ...cancelled,
      payment: { ...cancelled.payment!, status: 'refunded' as const, refundId: 're_test_1' },
    };
    // Act
    const [before, started, done] = await staffViews(context, dispatcher, [cancelled, refunding, refunded]);
    // Assess
    expect(before?.undoUntil).toEqual(expect.any(String));
    expect(started).not.toHaveProperty('undoUntil');
    expect(done).not.toHaveProperty('undoUntil');
    expect(repository.jobs.get(cancelled.jobId)?.status).toBe('cancelled');
  });

  it('given the Undo saved after the refund consumer read the job cancelled but before its refund began, then nothing is refunded and the job goes ahead paid', async () => {
    // Prepare
    const { context, repository, cancelled } = await paidThenCancelled();
    const { ledger } = memoryLedger();
    const calls: string[] = [];
    let undone = false;
    // The consumer's first read, then the dispatcher's Undo saved before the consumer writes anything.
    const get = async (jobId: string) => {
      const read = await repository.get(jobId);
      if (!undone) {
        undone = true;
        await changeStatus(context, jobId, { status: 'scheduled' }, dispatcher);
      }
      return read;
    };
    const racing = new Proxy(repository, {
      get: (target, name) =>
        name === 'get'
          ? get
          : (Reflect.get(target, name, target).bind?.(target) ?? Reflect.get(target, name)),
    });
    const deps: RefundContext = {
      repository: racing,
      ledger,
      refunds: {
        find: notLookedUp,
        async refund(intent) {
          calls.push(intent);
          return { refundId: 're_test_1', status: 'succeeded' };
        },
      },
      now: () => NOW,
      leaseMs: 60_000,
    };
    // Act
    const outcome = await refundCancelledJob(deps, cancelledEvent(cancelled));
    // Assess
    expect(outcome).toBe('nothing-to-refund');
    expect(calls).toEqual([]);
    expect(repository.jobs.get(cancelled.jobId)).toMatchObject({
      status: 'scheduled',
      payment: { status: 'paid' },
    });
  });

  it('given a card a dispatcher marked paid in person, when the job is cancelled, then nothing is asked of Stripe and Undo stays open', async () => {
    // Prepare: the receipt number is its reference, not a payment intent Stripe could refund.
    const { context, repository, stripe } = paymentsContext();
    const { jobId } = await createBooking(context, booking({ paymentMethod: 'card' }), web);
    await markPaid(context, jobId, { method: 'card', reference: 'terminal receipt 0042' }, dispatcher);
    const paid = repository.jobs.get(jobId)!;
    const cancelled = { ...paid, status: 'cancelled' as const, version: paid.version + 1 };
    repository.jobs.set(jobId, cancelled);

    // Act
    const outcome = await refundCancelledJob(context, cancelledEvent(cancelled));

    // Assess
    expect(outcome).toBe('nothing-to-refund');
    expect(stripe.calls).toEqual([]);
    expect(repository.jobs.get(jobId)!.payment).not.toHaveProperty('refundStartedAt');
    expect(repository.jobs.get(jobId)!.payment?.status).toBe('paid');
  });

  it('given a job paid by card, then how it was paid cannot be edited (409): its refund on cancellation goes by it', async () => {
    // Prepare
    const { context, repository, jobId } = await paidCardBooking();
    const before = repository.jobs.get(jobId)!;

    // Act
    const relabelled = updateJob(context, jobId, { paymentMethod: 'invoice' }, dispatcher);
    const cleared = updateJob(context, jobId, { paymentMethod: null }, dispatcher);

    // Assess
    await expect(relabelled).rejects.toBeInstanceOf(ConflictError);
    await expect(relabelled).rejects.toMatchObject({
      details: [{ field: 'body.paymentMethod', payment: { method: 'card', status: 'paid' } }],
    });
    await expect(cleared).rejects.toBeInstanceOf(ConflictError);
    expect(repository.jobs.get(jobId)).toEqual(before);
    // The same method, or another field, is still an edit like any other.
    const edited = await updateJob(
      context,
      jobId,
      { paymentMethod: 'card', notes: 'gate code 4521' },
      dispatcher,
    );
    expect(edited.notes).toBe('gate code 4521');
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

describe('a refund after Stripe took it: pending, succeeded, failed (refund.updated, refund.failed)', () => {
  /** A paid card booking cancelled and refunded through the refunds consumer, Stripe making it `status`. */
  async function refundedJob(status: CardRefund['status'] = 'succeeded') {
    const made = await paidCardBooking();
    const { repository, jobId, stripe, context } = made;
    stripe.state.status = status;
    const paid = repository.jobs.get(jobId)!;
    const cancelled = { ...paid, status: 'cancelled' as const, version: paid.version + 1 };
    repository.jobs.set(jobId, cancelled);
    await refundCancelledJob(context, cancelledEvent(cancelled));
    return { ...made, refunded: repository.jobs.get(jobId)! };
  }

  /** A paid card booking and a second session paid for it, returned and refunded (re_test_1, $50). */
  async function withReturnedPayment() {
    const made = await paidCardBooking();
    await recordCheckout(made.context, {
      sessionId: 'cs_test_2',
      jobId: made.jobId,
      paymentStatus: 'paid',
      amountTotalCents: 5_000,
      paymentIntentId: 'pi_test_2',
    });
    return made;
  }

  it("reads Stripe's five refund statuses as three: succeeded; failed or canceled (with why); else on its way", () => {
    expect(cardRefund({ id: 're_1', status: 'succeeded' })).toEqual({
      refundId: 're_1',
      status: 'succeeded',
    });
    expect(cardRefund({ id: 're_1', status: 'pending' })).toEqual({ refundId: 're_1', status: 'pending' });
    expect(cardRefund({ id: 're_1', status: 'requires_action' })).toMatchObject({ status: 'pending' });
    expect(cardRefund({ id: 're_1', status: null })).toMatchObject({ status: 'pending' });
    expect(cardRefund({ id: 're_1', status: 'failed', failure_reason: 'lost_or_stolen_card' })).toEqual({
      refundId: 're_1',
      status: 'failed',
      failureReason: 'lost_or_stolen_card',
    });
    expect(cardRefund({ id: 're_1', status: 'canceled' })).toEqual({
      refundId: 're_1',
      status: 'failed',
      failureReason: 'canceled',
    });
  });

  it('takes refund.updated and refund.failed of refunds that name one of our jobs; others are ignored, a malformed one of ours is a 400', () => {
    const jobId = 'qdn_01JPAY00000000000000000001';
    const refund = {
      id: 're_test_9',
      object: 'refund',
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
      metadata: { jobId },
    };
    for (const type of ['refund.updated', 'refund.failed', 'charge.refund.updated'])
      expect(refundOfEvent({ id: 'evt_1', type, data: { object: refund } })).toEqual({
        jobId,
        refundId: 're_test_9',
        status: 'failed',
        failureReason: 'expired_or_canceled_card',
      });
    // A refund made in the Dashboard names no job; another event type is not a refund's.
    expect(
      refundOfEvent({ id: 'evt_2', type: 'refund.updated', data: { object: { ...refund, metadata: {} } } }),
    ).toBeUndefined();
    expect(refundOfEvent({ id: 'evt_3', type: 'refund.created', data: { object: refund } })).toBeUndefined();
    expect(
      refundOfEvent({ id: 'evt_4', type: 'checkout.session.completed', data: { object: refund } }),
    ).toBeUndefined();
    expect(() =>
      refundOfEvent({
        id: 'evt_5',
        type: 'refund.failed',
        data: { object: { ...refund, id: 'ch_not_a_refund' } },
      }),
    ).toThrow(ValidationError);
  });

  it('given a refund Stripe made pending, then the job says so, and refund.updated to succeeded records it once with no event', async () => {
    // Prepare
    const { repository, jobId, refunded, context } = await refundedJob('pending');
    expect(refunded.payment).toMatchObject({
      status: 'refunded',
      refundId: 're_test_1',
      refundStatus: 'pending',
    });
    // Act
    const first = await recordRefundUpdate(context, { jobId, refundId: 're_test_1', status: 'succeeded' });
    const settled = repository.jobs.get(jobId)!;
    const late = await recordRefundUpdate(context, { jobId, refundId: 're_test_1', status: 'pending' });
    // Assess: Stripe doesn't order its events; an older status arriving late changes nothing.
    expect([first, late]).toEqual(['recorded', 'already-recorded']);
    expect(settled.payment).toMatchObject({ status: 'refunded', refundStatus: 'succeeded' });
    expect(settled.payment).not.toHaveProperty('refundFailure');
    expect(repository.jobs.get(jobId)!.version).toBe(settled.version);
    expect(eventsForJobChange(refunded, settled)).toEqual([]);
  });

  it('given a refund that succeeded, when it fails days later (the card was closed), then the failure is recorded once with why → one JobRefundFailed; a failed refund stays failed', async () => {
    // Prepare
    const { repository, jobId, refunded, context, deposit } = await refundedJob('succeeded');
    const failed = {
      jobId,
      refundId: 're_test_1',
      status: 'failed' as const,
      failureReason: 'expired_or_canceled_card',
    };
    // Act
    const outcomes = [
      await recordRefundUpdate(context, failed),
      await recordRefundUpdate(context, failed),
      await recordRefundUpdate(context, { jobId, refundId: 're_test_1', status: 'succeeded' }),
    ];
    // Assess
    expect(outcomes).toEqual(['recorded', 'already-recorded', 'already-recorded']);
    const job = repository.jobs.get(jobId)!;
    expect(job.version).toBe(refunded.version + 1);
    expect(job.payment).toMatchObject({
      status: 'refunded',
      refundStatus: 'failed',
      refundFailure: { reason: 'expired_or_canceled_card', at: NOW.toISOString() },
    });
    const events = eventsForJobChange(refunded, job);
    expect(events.map((event) => event.detailType)).toEqual(['JobRefundFailed']);
    expect(events[0]!.detail).toMatchObject({
      meta: { actor: 'stripe' },
      data: {
        refund: {
          method: 'card',
          amountCents: deposit,
          refundId: 're_test_1',
          reason: 'expired_or_canceled_card',
          failedAt: NOW.toISOString(),
          returned: false,
        },
      },
    });
  });

  it("given a returned payment's refund failing, then it is recorded on that payment → JobRefundFailed (returned), the job's own payment untouched", async () => {
    // Prepare: a second session paid for a job already paid, refunded (re_test_1).
    const { context, repository, jobId } = await withReturnedPayment();
    const before = repository.jobs.get(jobId)!;
    // Act
    const outcome = await recordRefundUpdate(context, {
      jobId,
      refundId: 're_test_1',
      status: 'failed',
      failureReason: 'lost_or_stolen_card',
    });
    // Assess
    expect(outcome).toBe('recorded');
    const after = repository.jobs.get(jobId)!;
    expect(after.payment).toEqual(before.payment);
    expect(after.returnedPayments).toMatchObject([
      {
        checkoutSessionId: 'cs_test_2',
        refundStatus: 'failed',
        refundFailure: { reason: 'lost_or_stolen_card' },
      },
    ]);
    expect(eventsForJobChange(before, after).map((event) => [event.detailType, event.detail.data])).toEqual([
      [
        'JobRefundFailed',
        expect.objectContaining({
          refund: expect.objectContaining({ amountCents: 5_000, refundId: 're_test_1', returned: true }),
        }),
      ],
    ]);
  });

  it('given a refund the job has not recorded: while its refund is being made, it throws (Stripe retries the webhook); otherwise ignored, as is an unknown job', async () => {
    // Prepare: the refund begun on the job, Stripe asked, its answer not yet recorded.
    const { repository, jobId, context } = await paidCardBooking();
    const paid = repository.jobs.get(jobId)!;
    repository.jobs.set(jobId, {
      ...paid,
      status: 'cancelled',
      payment: { ...paid.payment!, refundStartedAt: NOW.toISOString() },
      version: paid.version + 1,
    });
    const update = { jobId, refundId: 're_test_7', status: 'failed' as const, failureReason: 'unknown' };
    // Act, Assess
    await expect(recordRefundUpdate(context, update)).rejects.toThrow(RefundInFlightError);
    // One begun long ago stopped for good (a 4xx from Stripe): Stripe's webhook is not refused for days.
    const later = { ...context, now: () => new Date(NOW.getTime() + REFUND_IN_FLIGHT_MS) };
    expect(await recordRefundUpdate(later, update)).toBe('unknown-refund');
    repository.jobs.set(jobId, paid);
    expect(await recordRefundUpdate(context, update)).toBe('unknown-refund');
    expect(repository.jobs.get(jobId)).toEqual(paid);
    expect(await recordRefundUpdate(context, { ...update, jobId: 'qdn_01JPAY0000000000000000X999' })).toBe(
      'unknown-job',
    );
  });

  it('given Stripe answering the refund failed at once, then the job records it failed → JobRefundFailed only: the customer is never told it was refunded', async () => {
    const { refunded, repository, jobId } = await refundedJob('failed');
    expect(refunded.payment).toMatchObject({
      status: 'refunded',
      refundStatus: 'failed',
      refundFailure: { reason: 'unknown' },
    });
    // The job as the refunds consumer read it: paid, its refund begun.
    const { refundStatus: _s, refundFailure: _f, refundId: _i, refundedAt: _a, ...paid } = refunded.payment!;
    const before = {
      ...refunded,
      payment: { ...paid, status: 'paid' as const },
      version: refunded.version - 1,
    };
    expect(eventsForJobChange(before, repository.jobs.get(jobId)!).map((event) => event.detailType)).toEqual([
      'JobRefundFailed',
    ]);
  });

  it('given a failed refund paid back by Zelle, then it is recorded on the refund once (who, how, when) → JobRefundPaidBack; a refund that has not failed, a double tap and a stale version are 409s; an unknown session is a 400', async () => {
    // Prepare
    const { context, repository, jobId } = await refundedJob('succeeded');
    const succeeded = repository.jobs.get(jobId)!;
    // Act, Assess: a refund going back to the card is not paid back by hand.
    await expect(recordRefundPaidBack(context, jobId, { method: 'zelle' }, dispatcher)).rejects.toMatchObject(
      {
        statusCode: 409,
        details: [{ field: 'refundStatus', refundStatus: 'succeeded' }],
      },
    );
    await recordRefundUpdate(context, {
      jobId,
      refundId: 're_test_1',
      status: 'failed',
      failureReason: 'lost_or_stolen_card',
    });
    const failed = repository.jobs.get(jobId)!;
    await expect(
      recordRefundPaidBack(
        context,
        jobId,
        { method: 'zelle', expectedVersion: succeeded.version },
        dispatcher,
      ),
    ).rejects.toMatchObject({
      statusCode: 409,
      details: [{ field: 'expectedVersion', currentVersion: failed.version }],
    });
    await expect(
      recordRefundPaidBack(context, jobId, { method: 'zelle', checkoutSessionId: 'cs_test_9' }, dispatcher),
    ).rejects.toBeInstanceOf(ValidationError);

    const view = await recordRefundPaidBack(
      context,
      jobId,
      { method: 'zelle', reference: 'ZL-77', expectedVersion: failed.version },
      dispatcher,
    );

    expect(view.payment).toMatchObject({
      refundStatus: 'failed',
      refundPaidBack: { method: 'zelle', reference: 'ZL-77', at: NOW.toISOString(), by: 'dispatcher-1' },
    });
    const paidBack = repository.jobs.get(jobId)!;
    expect(paidBack.version).toBe(failed.version + 1);
    const events = eventsForJobChange(failed, paidBack);
    expect(
      events.map((event) => [event.detailType, (event.detail.data as { refund?: unknown }).refund]),
    ).toEqual([
      [
        'JobRefundPaidBack',
        {
          refundId: 're_test_1',
          amountCents: failed.payment!.amountPaidCents,
          method: 'zelle',
          reference: 'ZL-77',
          paidBackAt: NOW.toISOString(),
          by: 'dispatcher-1',
          returned: false,
        },
      ],
    ]);
    await expect(recordRefundPaidBack(context, jobId, { method: 'cash' }, dispatcher)).rejects.toMatchObject({
      statusCode: 409,
      details: [{ field: 'refundPaidBack' }],
    });
    // A refund Stripe reports again later changes nothing of it.
    expect(await recordRefundUpdate(context, { jobId, refundId: 're_test_1', status: 'failed' })).toBe(
      'already-recorded',
    );
  });

  it("given a returned payment's failed refund paid back by check, then it is recorded on that payment, the job's own untouched", async () => {
    const { context, repository, jobId } = await withReturnedPayment();
    await recordRefundUpdate(context, {
      jobId,
      refundId: 're_test_1',
      status: 'failed',
      failureReason: 'unknown',
    });
    const before = repository.jobs.get(jobId)!;

    await recordRefundPaidBack(
      context,
      jobId,
      { method: 'check', reference: '1042', checkoutSessionId: 'cs_test_2' },
      dispatcher,
    );

    const after = repository.jobs.get(jobId)!;
    expect(after.payment).toEqual(before.payment);
    expect(after.returnedPayments).toMatchObject([
      {
        checkoutSessionId: 'cs_test_2',
        refundPaidBack: { method: 'check', reference: '1042', by: 'dispatcher-1' },
      },
    ]);
  });

  it('given a refund recorded before statuses were kept (it had succeeded), then a late succeeded changes nothing and a failure is recorded', async () => {
    const { repository, jobId, refunded, context } = await refundedJob('succeeded');
    const { refundStatus: _status, ...legacy } = refunded.payment!;
    repository.jobs.set(jobId, { ...refunded, payment: legacy });
    expect(await recordRefundUpdate(context, { jobId, refundId: 're_test_1', status: 'succeeded' })).toBe(
      'already-recorded',
    );
    expect(
      await recordRefundUpdate(context, {
        jobId,
        refundId: 're_test_1',
        status: 'failed',
        failureReason: 'unknown',
      }),
    ).toBe('recorded');
    expect(repository.jobs.get(jobId)!.payment).toMatchObject({ refundStatus: 'failed' });
  });
});
