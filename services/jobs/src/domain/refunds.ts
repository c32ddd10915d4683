import type { ReceivedEvent } from '@qdn/shared/events';
import type { JobPayment, JobRecord } from './job.ts';
import type { JobRepository } from './ports.ts';
import { retryOnStaleVersion } from './ports.ts';

// A card payment goes back when a dispatcher cancels the job (issue 19). The refund is a side effect
// outside our tables, so it runs from the bus (the refunds consumer) under a lease in the refund ledger
// (@qdn/shared/idempotency): a redelivery, a redrive or a replay a month later refunds nothing twice.
// Stripe's own idempotency key (the job and the paid session) covers an attempt that may have reached it.

/** "Has this job's payment been refunded?", one lease per job (a job is paid by card at most once). */
export interface RefundLedger {
  claim(
    jobId: string,
    now: Date,
    leaseMs: number,
  ): Promise<
    { outcome: 'claimed'; leaseToken: string } | { outcome: 'done'; refundId: string } | { outcome: 'busy' }
  >;
  complete(jobId: string, leaseToken: string, refundId: string, at: Date): Promise<void>;
  release(jobId: string, leaseToken: string): Promise<void>;
}

/** Stripe refunds (src/adapters/stripe-payments.ts). */
export interface CardRefunds {
  refund(paymentIntentId: string, idempotencyKey: string): Promise<{ refundId: string; status: string }>;
}

export interface RefundContext {
  repository: JobRepository;
  ledger: RefundLedger;
  refunds: CardRefunds;
  now: () => Date;
  /** How long a refund attempt holds the job's lease (longer than Stripe's timeout and retries). */
  leaseMs: number;
}

export type RefundOutcome = 'refunded' | 'recorded' | 'not-paid-by-card' | 'nothing-to-refund';

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
  const job = await deps.repository.get(onBus.jobId);
  const payment = job?.payment;
  if (!job || payment?.status !== 'paid' || payment.method !== 'card' || !payment.reference)
    return 'nothing-to-refund';
  // A job uncancelled and paid again is not a case: a refunded payment stays refunded (markPaid refuses it).
  if (job.status !== 'cancelled') return 'nothing-to-refund';

  const claim = await deps.ledger.claim(job.jobId, deps.now(), deps.leaseMs);
  if (claim.outcome === 'busy') throw new RefundInFlightError(`A refund of ${job.jobId} is in flight`);
  let refundId: string;
  if (claim.outcome === 'done') {
    refundId = claim.refundId;
  } else {
    try {
      const key = `refund:${job.jobId}:${payment.checkoutSessionId ?? payment.reference}`;
      refundId = (await deps.refunds.refund(payment.reference, key)).refundId;
    } catch (error) {
      await deps.ledger.release(job.jobId, claim.leaseToken);
      throw error;
    }
    await deps.ledger.complete(job.jobId, claim.leaseToken, refundId, deps.now());
  }
  await recordRefund(deps, job, refundId);
  return claim.outcome === 'done' ? 'recorded' : 'refunded';
}

async function recordRefund(deps: RefundContext, first: JobRecord, refundId: string): Promise<void> {
  let reread = false;
  await retryOnStaleVersion(async () => {
    // The caller has just read the job; after a write lost to another writer, read it again.
    const job = reread ? await deps.repository.get(first.jobId) : first;
    reread = true;
    if (job?.payment?.status !== 'paid') return;
    const at = deps.now().toISOString();
    const payment: JobPayment = { ...job.payment, status: 'refunded', refundId, refundedAt: at };
    await deps.repository.save(
      { ...job, payment, version: job.version + 1, updatedAt: at, updatedBy: 'system:refunds' },
      job.version,
      { claim: undefined, release: undefined },
    );
  });
}
