import type { ReceivedEvent } from '@qdn/shared/events';
import type { JobPayment, JobRecord, RefundFailure, RefundStatus, ReturnedPayment } from './job.ts';
import type { JobRepository } from './ports.ts';
import { retryOnStaleVersion } from './ports.ts';

// A card payment goes back when a dispatcher cancels the job (issue 19). The refund is a side effect
// outside our tables, so it runs from the bus (the refunds consumer) under a lease in the refund ledger
// (@qdn/shared/idempotency): a redelivery, a redrive or a replay a month later refunds nothing twice.
// Stripe's own idempotency key (the job, the paid session and the attempt) covers an attempt's own retries;
// a refund an earlier attempt made is found again (charge_already_refunded, CardRefunds).
// A payment the job cannot keep (a second session, or one paid after the cancellation: ReturnedPayment)
// is refunded the same way from the webhook that told it, under a lease of its own.
// A refund is not done when Stripe takes it: it can wait (pending) and it can fail, even days after it
// succeeded (the card was closed). Stripe's `refund.updated` and `refund.failed` webhooks move the
// recorded refund on (recordRefundUpdate); a failure reaches the customer and the dispatcher
// (JobRefundFailed), since the money is back in the business's balance and must go back another way.

/** Which refund: the job's payment, or one of its returned payments (by the session that paid it). */
export interface RefundOf {
  jobId: string;
  checkoutSessionId?: string;
}

/** "Has this payment been refunded?", one lease per refund: the job's payment, each returned one. */
export interface RefundLedger {
  claim(
    refund: RefundOf,
    now: Date,
    leaseMs: number,
  ): Promise<
    { outcome: 'claimed'; leaseToken: string } | { outcome: 'done'; refundId: string } | { outcome: 'busy' }
  >;
  complete(refund: RefundOf, leaseToken: string, refundId: string, at: Date): Promise<void>;
  release(refund: RefundOf, leaseToken: string): Promise<void>;
}

/** A refund at Stripe as we record it. */
export interface CardRefund {
  refundId: string;
  status: RefundStatus;
  /** Stripe's `failure_reason`, for a failed one. */
  failureReason?: string;
}

/**
 * Stripe refunds (src/adapters/stripe-payments.ts): the payment refunded in full (the refund names the
 * job in its metadata, so its webhooks find it), or, refunded already (an earlier attempt, a person in
 * Stripe's Dashboard), the refund that did it; and a refund as Stripe has it now.
 */
export interface CardRefunds {
  refund(paymentIntentId: string, idempotencyKey: string, jobId: string): Promise<CardRefund>;
  find(refundId: string): Promise<CardRefund>;
}

/**
 * A Stripe refund object as the job records it. Stripe's five statuses in our three: `succeeded`;
 * `failed`, or `canceled` (a refund that never went out leaves the customer unpaid as a failed one
 * does); anything else (`pending`, `requires_action`, none yet) is on its way.
 */
export function cardRefund(refund: {
  id: string;
  status?: string | null;
  failure_reason?: string | null;
}): CardRefund {
  if (refund.status === 'succeeded') return { refundId: refund.id, status: 'succeeded' };
  if (refund.status === 'failed' || refund.status === 'canceled')
    return { refundId: refund.id, status: 'failed', failureReason: refund.failure_reason ?? refund.status };
  return { refundId: refund.id, status: 'pending' };
}

/** What a `refund.updated` or `refund.failed` webhook tells of one of our refunds (payment-input.ts). */
export interface RefundUpdate extends CardRefund {
  jobId: string;
}

export type RefundUpdateOutcome = 'recorded' | 'already-recorded' | 'unknown-refund' | 'unknown-job';

export interface RefundContext {
  repository: JobRepository;
  ledger: RefundLedger;
  refunds: CardRefunds;
  now: () => Date;
  /** How long a refund attempt holds the job's lease (longer than Stripe's timeout and retries). */
  leaseMs: number;
}

export type RefundOutcome = 'refunded' | 'recorded' | 'not-paid-by-card' | 'nothing-to-refund';

/** A card payment Stripe recorded: its payment intent (`reference`) and the session that paid it. */
type StripePayment = JobPayment & { reference: string; checkoutSessionId: string };

/** A lease held by another attempt: retried later (SQS), never acted on twice. */
export class RefundInFlightError extends Error {
  override name = 'RefundInFlightError';
}

/**
 * A cancelled job paid by card → its payment refunded in full at Stripe, once, then recorded on the job
 * (`payment.status: refunded`, → JobPaymentRefunded from the stream). A job the refund already reached
 * (the ledger says done) is only recorded, if it is not yet.
 */
export async function refundCancelledJob(
  deps: RefundContext,
  event: ReceivedEvent<'JobStatusChanged'>,
): Promise<RefundOutcome> {
  const { job: onBus, status } = event.detail.data;
  if (status !== 'cancelled' || onBus.paymentMethod !== 'card' || onBus.paymentStatus !== 'paid')
    return 'not-paid-by-card';
  const job = await startRefund(deps, onBus.jobId);
  if (!job) return 'nothing-to-refund';
  const { refund, outcome } = await refundOnce(
    deps,
    { jobId: job.jobId },
    job.payment.reference,
    `refund:${job.jobId}:${job.payment.checkoutSessionId}`,
  );
  await recordRefund(deps, job, refund);
  return outcome;
}

/**
 * The cancelled job, paid by card, with the start of its refund written on it (`payment.refundStartedAt`,
 * a versioned save) before anything is asked of Stripe; undefined when there is nothing to refund. From
 * that write on, the dispatcher's Undo of the cancellation is refused (changeStatus: the money is going
 * back, so the job cannot go ahead as if paid). An Undo saved first makes this write stale: read again,
 * the job is no longer cancelled and nothing is refunded. A job uncancelled and paid again is not a case:
 * a refunded payment stays refunded (markPaid refuses it).
 */
async function startRefund(
  deps: RefundContext,
  jobId: string,
): Promise<(JobRecord & { payment: StripePayment }) | undefined> {
  return retryOnStaleVersion(async () => {
    const job = await deps.repository.get(jobId);
    const payment = job?.payment;
    if (job?.status !== 'cancelled') return undefined;
    // Only a payment Stripe recorded (a Checkout Session's) is refunded through Stripe: a card a dispatcher
    // marked paid in person has a receipt number for its reference, not a payment intent, and Stripe's
    // 400 would leave the job "being refunded" for good. That refund is made where it was paid.
    if (payment?.status !== 'paid' || payment.method !== 'card') return undefined;
    const { reference, checkoutSessionId } = payment;
    if (!reference || !checkoutSessionId) return undefined;
    if (payment.refundStartedAt) return { ...job, payment: { ...payment, reference, checkoutSessionId } };
    const at = deps.now().toISOString();
    const started = {
      ...job,
      payment: { ...payment, reference, checkoutSessionId, refundStartedAt: at },
      version: job.version + 1,
      updatedAt: at,
      updatedBy: 'system:refunds',
    };
    await deps.repository.save(started, job.version, { claim: undefined, release: undefined });
    return started;
  });
}

/**
 * A payment the job could not keep (recorded on it first, as a ReturnedPayment) → refunded in full at
 * Stripe, once per session, then its refund recorded beside it. Throws while Stripe fails or another
 * attempt holds the lease: the webhook answers 500 and Stripe delivers it again.
 */
export async function refundReturnedPayment(
  deps: RefundContext,
  jobId: string,
  returned: ReturnedPayment & { reference: string },
): Promise<void> {
  const session = returned.checkoutSessionId;
  const { refund } = await refundOnce(
    deps,
    { jobId, checkoutSessionId: session },
    returned.reference,
    `refund:${jobId}:${session}`,
  );
  await retryOnStaleVersion(async () => {
    const job = await deps.repository.get(jobId);
    if (!job?.returnedPayments?.some((entry) => entry.checkoutSessionId === session && !entry.refundId))
      return;
    const at = deps.now().toISOString();
    const returnedPayments = job.returnedPayments.map((entry) =>
      entry.checkoutSessionId === session ? { ...entry, ...refundFields(refund, at) } : entry,
    );
    await deps.repository.save(
      { ...job, returnedPayments, version: job.version + 1, updatedAt: at, updatedBy: 'system:refunds' },
      job.version,
      { claim: undefined, release: undefined },
    );
  });
}

/** The refund at Stripe under the ledger's lease: made once, or the one made before. */
async function refundOnce(
  deps: RefundContext,
  refund: RefundOf,
  paymentIntentId: string,
  idempotencyKey: string,
): Promise<{ refund: CardRefund; outcome: 'refunded' | 'recorded' }> {
  const claim = await deps.ledger.claim(refund, deps.now(), deps.leaseMs);
  if (claim.outcome === 'busy') throw new RefundInFlightError(`A refund of ${refund.jobId} is in flight`);
  // Made by an attempt that stopped before recording it: its status is Stripe's to tell.
  if (claim.outcome === 'done')
    return { refund: await deps.refunds.find(claim.refundId), outcome: 'recorded' };
  let made: CardRefund;
  try {
    // One key per attempt (its lease): Stripe saves a 5xx under its key and answers it again for 24 h, so
    // a key kept across attempts would fail every retry of the day. A new attempt can't refund twice: a
    // full refund of a payment already refunded is Stripe's charge_already_refunded, which the adapter
    // answers with the refund made before.
    made = await deps.refunds.refund(paymentIntentId, `${idempotencyKey}:${claim.leaseToken}`, refund.jobId);
  } catch (error) {
    await deps.ledger.release(refund, claim.leaseToken);
    throw error;
  }
  await deps.ledger.complete(refund, claim.leaseToken, made.refundId, deps.now());
  return { refund: made, outcome: 'refunded' };
}

/** A refund's fields on the payment it returns (JobPayment, ReturnedPayment). */
function refundFields(
  refund: CardRefund,
  at: string,
): { refundId: string; refundedAt: string; refundStatus: RefundStatus; refundFailure?: RefundFailure } {
  return {
    refundId: refund.refundId,
    refundedAt: at,
    refundStatus: refund.status,
    ...(refund.status === 'failed'
      ? { refundFailure: { reason: refund.failureReason ?? 'unknown', at } }
      : {}),
  };
}

async function recordRefund(deps: RefundContext, first: JobRecord, refund: CardRefund): Promise<void> {
  let reread = false;
  await retryOnStaleVersion(async () => {
    // The caller has just read the job; after a write lost to another writer, read it again.
    const job = reread ? await deps.repository.get(first.jobId) : first;
    reread = true;
    if (job?.payment?.status !== 'paid') return;
    const at = deps.now().toISOString();
    const payment: JobPayment = { ...job.payment, status: 'refunded', ...refundFields(refund, at) };
    await deps.repository.save(
      { ...job, payment, version: job.version + 1, updatedAt: at, updatedBy: 'system:refunds' },
      job.version,
      { claim: undefined, release: undefined },
    );
  });
}

/**
 * How long after it began a refund not yet recorded on the job counts as being made: its attempts and
 * SQS's retries take seconds. A refund that stopped for good (a 4xx from Stripe, recorded in the
 * failures table) must not answer Stripe's webhooks 500 for days, which can get the endpoint disabled.
 */
export const REFUND_IN_FLIGHT_MS = 15 * 60_000;

/** A refund of the job (its own, or a returned payment's) begun lately and not yet recorded. */
function refundBeingMade(job: JobRecord, now: Date): boolean {
  const recent = (at: string | undefined) =>
    at !== undefined && now.getTime() - Date.parse(at) < REFUND_IN_FLIGHT_MS;
  if (!job.payment?.refundId && recent(job.payment?.refundStartedAt)) return true;
  // Refunded from the checkout's webhook as it is recorded; one without a payment intent never is.
  return (job.returnedPayments ?? []).some(
    (entry) => entry.reference && !entry.refundId && recent(entry.paidAt),
  );
}

/** Stripe's order of a refund's statuses: it moves on, never back (a failed refund stays failed). */
const STAGE: Record<RefundStatus, number> = { pending: 0, succeeded: 1, failed: 2 };

/**
 * A `refund.updated` or `refund.failed` webhook → the refund recorded on its job (the job's payment, or
 * one of its returned payments) moved on to its new status, once. Stripe doesn't order its events, so
 * an older status arriving late changes nothing; a refund recorded before statuses were kept had
 * succeeded. A refund the job hasn't recorded yet while one is being made (the webhook came first)
 * throws, so the webhook answers 500 and Stripe's retry finds it; one it never made (a person refunded
 * another payment in the Dashboard) is ignored.
 */
export async function recordRefundUpdate(
  deps: Pick<RefundContext, 'repository' | 'now'>,
  update: RefundUpdate,
): Promise<RefundUpdateOutcome> {
  return retryOnStaleVersion(async () => {
    const job = await deps.repository.get(update.jobId);
    if (!job) return 'unknown-job';
    const ofPayment = job.payment?.refundId === update.refundId;
    const returned = job.returnedPayments?.find((entry) => entry.refundId === update.refundId);
    const recorded = ofPayment ? job.payment : returned;
    if (!recorded) {
      if (refundBeingMade(job, deps.now()))
        throw new RefundInFlightError(`A refund of ${job.jobId} is being recorded`);
      return 'unknown-refund';
    }
    if (STAGE[update.status] <= STAGE[recorded.refundStatus ?? 'succeeded']) return 'already-recorded';
    const at = deps.now().toISOString();
    const moved = {
      refundStatus: update.status,
      ...(update.status === 'failed'
        ? { refundFailure: { reason: update.failureReason ?? 'unknown', at } }
        : {}),
    };
    await deps.repository.save(
      {
        ...job,
        ...(ofPayment && job.payment ? { payment: { ...job.payment, ...moved } } : {}),
        ...(returned
          ? {
              returnedPayments: job.returnedPayments?.map((entry) =>
                entry === returned ? { ...entry, ...moved } : entry,
              ),
            }
          : {}),
        version: job.version + 1,
        updatedAt: at,
        updatedBy: 'stripe',
      },
      job.version,
      { claim: undefined, release: undefined },
    );
    return 'recorded';
  });
}
