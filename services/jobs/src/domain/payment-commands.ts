import { ConflictError, NotFoundError, ValidationError } from '@qdn/shared/errors';
import { enforceRateLimit } from '@qdn/shared/rate-limit';
import type { JobPayment, JobRecord, RefundPaidBack, ReturnedPayment } from './job.ts';
import type { Actor, JobsContext } from './job-commands.ts';
import { getJob, onFreshRead, requireLoadedVersion, staffViews, withConflicts } from './job-commands.ts';
import type { MarkPaidInput, RefundPaidBackInput } from './job-input.ts';
import { retryOnStaleVersion } from './ports.ts';
import { type RefundContext, refundReturnedPayment } from './refunds.ts';

// A job's payment: a card deposit through Stripe Checkout (its session started from the booking page,
// its completion told by Stripe's signed webhook), or Zelle and cash that a dispatcher marks paid. The
// job records each payment once; JobPaymentReceived is derived from that write (job-events.ts).

/** A Checkout Session as the booking page needs it: where to send the customer. */
export interface CheckoutSession {
  sessionId: string;
  url: string;
}

/** What paying by card needs from Stripe (the adapter in src/adapters/stripe-payments.ts). */
export interface CardPayments {
  createCheckout(request: {
    jobId: string;
    brandId: string;
    amountCents: number;
    description: string;
    customerEmail?: string;
    successUrl: string;
    cancelUrl: string;
  }): Promise<CheckoutSession>;
}

/** A completed Checkout Session, as the verified `checkout.session.completed` webhook tells it. */
export interface CompletedCheckout {
  sessionId: string;
  jobId: string;
  /** `paid` for a card; `unpaid` while a delayed method settles (not a payment yet). */
  paymentStatus: string;
  amountTotalCents: number;
  paymentIntentId?: string;
}

/**
 * `refunded`: the session paid for a job that was already paid or cancelled, so it went back to the
 * customer (and is kept on the job as a ReturnedPayment).
 */
export type CheckoutOutcome = 'recorded' | 'already-recorded' | 'refunded' | 'not-paid' | 'unknown-job';

/** Checkout sessions one address may start per hour by default (each is a call to Stripe). */
export const CHECKOUTS_PER_IP_PER_HOUR = 20;

const isClosed = (job: JobRecord) => job.status === 'complete' || job.status === 'cancelled';

/**
 * `POST /bookings/{jobId}/checkout` (public, from the booking page): a Stripe Checkout Session for the
 * booking's card deposit, with success and cancel pages on the brand's own site. Only a booking that
 * chose card and has not paid; a job id nobody booked is a 404 like any.
 */
export async function startCheckout(
  context: JobsContext & { cardPayments: CardPayments; checkoutsPerIpPerHour?: number },
  jobId: string,
  request: { sourceIp: string },
): Promise<CheckoutSession & { amountCents: number }> {
  await enforceRateLimit(
    context.limits,
    {
      name: 'checkout-ip',
      limit: context.checkoutsPerIpPerHour ?? CHECKOUTS_PER_IP_PER_HOUR,
      windowSeconds: 3_600,
    },
    request.sourceIp,
    context.now(),
    'Too many payment attempts from this network; call or text us instead',
  );
  const job = await context.repository.get(jobId);
  if (job?.origin !== 'booking') throw new NotFoundError('Booking not found');
  if (job.payment?.method !== 'card') throw new ConflictError('This booking is not paid by card');
  if (job.payment.status !== 'due') throw new ConflictError('This booking is already paid');
  if (isClosed(job)) throw new ConflictError(`A ${job.status} booking cannot be paid`);
  const brand = context.brands.get(job.brandId);
  const site = context.siteBaseUrl(job.brandId);
  const back = `${site}/book?brand=${encodeURIComponent(brand.brandId)}&job=${encodeURIComponent(jobId)}`;
  const amountCents = job.payment.amountDueCents ?? 0;
  const label = brand.serviceTypes.find((offer) => offer.serviceType === job.serviceType)?.label;
  const session = await context.cardPayments.createCheckout({
    jobId,
    brandId: brand.brandId,
    amountCents,
    description: `${brand.displayName}: deposit for ${label ?? job.serviceType} on ${job.schedule.date}`,
    ...(job.customer.email ? { customerEmail: job.customer.email } : {}),
    successUrl: `${back}&payment=paid`,
    cancelUrl: `${back}&payment=cancelled`,
  });
  return { ...session, amountCents };
}

/** Why a job cannot take a card payment as its own: it has one already, or it was cancelled. */
function whyNotKept(job: JobRecord): ReturnedPayment['why'] | undefined {
  if (job.payment?.status === 'paid' || job.payment?.status === 'refunded') return 'paid-already';
  return job.status === 'cancelled' ? 'job-cancelled' : undefined;
}

/**
 * Records a completed Checkout Session on its job, once: the same webhook again (Stripe retries, or
 * sends an event twice) finds the session already recorded and changes nothing. A write that loses to
 * a dispatcher's edit reads the job again and retries.
 *
 * A session the job cannot keep — a second one paid for a job already paid (two tabs, the back button),
 * or one paid after the job was cancelled (nothing would ever refund it) — never replaces the job's
 * payment: it is kept on the job as a ReturnedPayment first, then refunded in full (refunds.ts). A
 * failed refund throws, so the webhook answers 500 and Stripe's retry finds it on record and refunds.
 */
export async function recordCheckout(
  context: RefundContext,
  checkout: CompletedCheckout,
): Promise<CheckoutOutcome> {
  if (checkout.paymentStatus !== 'paid') return 'not-paid';
  const outcome = await retryOnStaleVersion(async (): Promise<CheckoutOutcome | ReturnedPayment> => {
    const job = await context.repository.get(checkout.jobId);
    if (!job) return 'unknown-job';
    if (job.payment?.checkoutSessionId === checkout.sessionId) return 'already-recorded';
    const returned = job.returnedPayments?.find((entry) => entry.checkoutSessionId === checkout.sessionId);
    if (returned) return returned.refundId ? 'already-recorded' : returned;
    const at = context.now().toISOString();
    const why = whyNotKept(job);
    if (why) {
      const entry: ReturnedPayment = {
        checkoutSessionId: checkout.sessionId,
        ...(checkout.paymentIntentId ? { reference: checkout.paymentIntentId } : {}),
        amountCents: checkout.amountTotalCents,
        paidAt: at,
        why,
      };
      await context.repository.save(
        {
          ...job,
          returnedPayments: [...(job.returnedPayments ?? []), entry],
          version: job.version + 1,
          updatedAt: at,
          updatedBy: 'stripe',
        },
        job.version,
        { claim: undefined, release: undefined },
      );
      return entry;
    }
    const payment: JobPayment = {
      ...(job.payment ?? { method: 'card' }),
      method: 'card',
      status: 'paid',
      amountPaidCents: checkout.amountTotalCents,
      paidAt: at,
      recordedBy: 'stripe',
      checkoutSessionId: checkout.sessionId,
      ...(checkout.paymentIntentId ? { reference: checkout.paymentIntentId } : {}),
    };
    await saveWithPayment(context, job, payment, 'stripe', at);
    return 'recorded';
  });
  if (typeof outcome === 'string') return outcome;
  // A paid Checkout Session always has its payment intent; without one there is nothing to refund
  // through the API, and the payment stays on the job for staff.
  if (!outcome.reference) return 'recorded';
  await refundReturnedPayment(context, checkout.jobId, { ...outcome, reference: outcome.reference });
  return 'refunded';
}

/**
 * `POST /jobs/{jobId}/payment` (dispatcher, admin): the customer paid (Zelle, cash, or a card in
 * person). A job already paid is a 409, so a double tap records one payment and one receipt text.
 */
export async function markPaid(context: JobsContext, jobId: string, input: MarkPaidInput, actor: Actor) {
  const job = await getJob(context, jobId, actor);
  requireLoadedVersion(job, input.expectedVersion);
  if (job.payment?.status === 'paid' || job.payment?.status === 'refunded')
    throw new ConflictError('This job is already paid', [{ field: 'payment', payment: job.payment }]);
  if (job.status === 'cancelled') throw new ConflictError('A cancelled job cannot be paid');
  const amountCents = input.amountCents ?? job.payment?.amountDueCents ?? job.priceCents;
  if (amountCents === undefined || amountCents <= 0)
    throw new ValidationError('Invalid body', [
      { field: 'body.amountCents', message: 'the job has no price: say what was paid' },
    ]);
  const at = context.now().toISOString();
  const payment: JobPayment = {
    ...(job.payment?.amountDueCents === undefined ? {} : { amountDueCents: job.payment.amountDueCents }),
    method: input.method,
    status: 'paid',
    amountPaidCents: amountCents,
    paidAt: at,
    recordedBy: actor.userId,
    ...(input.reference ? { reference: input.reference } : {}),
  };
  const paid = await withConflicts(() => saveWithPayment(context, job, payment, actor.userId, at));
  return (await staffViews(context, actor, [paid]))[0]!;
}

/**
 * `POST /jobs/{jobId}/payment/refund` (dispatcher, admin): a card refund the card refused (JobRefundFailed:
 * the money came back to the business) paid back another way — Zelle, cash, a check — recorded on that
 * refund, so the console stops flagging the job. Only a failed refund, and once: a double tap is a 409.
 */
export function recordRefundPaidBack(
  context: JobsContext,
  jobId: string,
  input: RefundPaidBackInput,
  actor: Actor,
) {
  return onFreshRead(input.expectedVersion, () => recordRefundPaidBackOnce(context, jobId, input, actor));
}

async function recordRefundPaidBackOnce(
  context: JobsContext,
  jobId: string,
  input: RefundPaidBackInput,
  actor: Actor,
) {
  const job = await getJob(context, jobId, actor);
  requireLoadedVersion(job, input.expectedVersion);
  const session = input.checkoutSessionId;
  const returned = session
    ? job.returnedPayments?.find((entry) => entry.checkoutSessionId === session)
    : undefined;
  if (session && !returned)
    throw new ValidationError('Invalid body', [
      { field: 'body.checkoutSessionId', message: 'no payment of this job was made in that session' },
    ]);
  const refund = returned ?? job.payment;
  if (refund?.refundStatus !== 'failed')
    throw new ConflictError('This refund has not failed: it is going back to the card', [
      { field: 'refundStatus', refundStatus: refund?.refundStatus ?? null },
    ]);
  if (refund.refundPaidBack)
    throw new ConflictError('This refund was paid back already', [
      { field: 'refundPaidBack', refundPaidBack: refund.refundPaidBack },
    ]);
  const at = context.now().toISOString();
  const refundPaidBack: RefundPaidBack = {
    method: input.method,
    ...(input.reference ? { reference: input.reference } : {}),
    at,
    by: actor.userId,
  };
  const saved: JobRecord = {
    ...job,
    ...(returned
      ? {
          returnedPayments: job.returnedPayments?.map((entry) =>
            entry === returned ? { ...entry, refundPaidBack } : entry,
          ),
        }
      : { payment: { ...refund, refundPaidBack } as JobPayment }),
    version: job.version + 1,
    updatedAt: at,
    updatedBy: actor.userId,
  };
  await context.repository.save(saved, job.version, { claim: undefined, release: undefined });
  return (await staffViews(context, actor, [saved]))[0]!;
}

async function saveWithPayment(
  context: Pick<JobsContext, 'repository'>,
  job: JobRecord,
  payment: JobPayment,
  by: string,
  at: string,
): Promise<JobRecord> {
  const paid: JobRecord = {
    ...job,
    paymentMethod: payment.method,
    payment,
    version: job.version + 1,
    updatedAt: at,
    updatedBy: by,
  };
  await context.repository.save(paid, job.version, { claim: undefined, release: undefined });
  return paid;
}
