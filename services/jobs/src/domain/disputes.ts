import type { DisputeStatus, JobRecord, PaymentDispute } from './job.ts';
import type { JobRepository } from './ports.ts';
import { retryOnStaleVersion } from './ports.ts';

// A card payment's dispute (a chargeback): the customer's bank takes the money back, and the business
// has a few days to answer with evidence in Stripe's Dashboard or loses by default. Stripe's
// `charge.dispute.created`, `.updated` and `.closed` webhooks record it on the payment it disputes —
// the job's own, or one it returned (ReturnedPayment) — and the job's stream turns that into
// JobPaymentDisputed and JobPaymentDisputeClosed (job-events.ts), so the brand's team hears in time and
// the dispatcher's drawer shows where it is. Answering is done in Stripe's Dashboard, not here.

/** What a `charge.dispute.*` webhook tells (payment-input.ts). */
export interface DisputeUpdate {
  disputeId: string;
  /** The payment intent disputed: the job's payment's (or a returned payment's) `reference`. */
  paymentIntentId: string;
  status: DisputeStatus;
  /** An inquiry (Stripe's `warning_*`): the bank asks before any money moves; it can become a chargeback. */
  inquiry: boolean;
  /** An appeal of a lost dispute (Stripe's `appeal_*`; its won or lost is the appeal's when one is recorded). */
  appeal: boolean;
  reason: string;
  amountCents: number;
  respondBy?: string;
}

/** Which job a payment intent paid for: its `metadata.jobId`, which our Checkout Sessions set. */
export interface PaymentIntents {
  jobIdOf(paymentIntentId: string): Promise<string | undefined>;
}

export interface DisputeContext {
  repository: JobRepository;
  paymentIntents: PaymentIntents;
  now: () => Date;
}

/** `unknown-payment`: a payment intent none of our jobs took (a person's charge in the Dashboard). */
export type DisputeOutcome = 'recorded' | 'already-recorded' | 'unknown-payment';

/**
 * Stripe's dispute statuses as our four, and which round: `warning_needs_response`,
 * `warning_under_review` and `warning_closed` (the inquiry ended without a chargeback: the money stays, a
 * win) are an inquiry's steps; `appeal_needs_response` and `appeal_under_review` an appeal's, after a
 * lost dispute; `prevented` (the network settled it by refunding the cardholder) loses the money as a
 * lost dispute does. A status Stripe adds later reads as a chargeback still needing an answer: the safe
 * side.
 * @see https://docs.stripe.com/api/disputes/object#dispute_object-status
 */
export function disputeStatus(stripeStatus: string): {
  status: DisputeStatus;
  inquiry: boolean;
  appeal: boolean;
} {
  const chargeback = { inquiry: false, appeal: false };
  switch (stripeStatus) {
    case 'warning_needs_response':
      return { status: 'needs_response', inquiry: true, appeal: false };
    case 'warning_under_review':
      return { status: 'under_review', inquiry: true, appeal: false };
    case 'warning_closed':
      return { status: 'won', inquiry: true, appeal: false };
    case 'appeal_needs_response':
      return { status: 'needs_response', inquiry: false, appeal: true };
    case 'appeal_under_review':
      return { status: 'under_review', inquiry: false, appeal: true };
    case 'under_review':
      return { status: 'under_review', ...chargeback };
    case 'won':
      return { status: 'won', ...chargeback };
    case 'lost':
    case 'prevented':
      return { status: 'lost', ...chargeback };
    default:
      return { status: 'needs_response', ...chargeback };
  }
}

const isClosed = (dispute: Pick<PaymentDispute, 'status'>) =>
  dispute.status === 'won' || dispute.status === 'lost';

/**
 * How far a dispute has gone: an inquiry's steps, then a chargeback's (an inquiry can escalate on the
 * same dispute, or as a new one), then an appeal's. Webhooks arrive out of order and twice: only a later
 * step is news.
 */
function stage(dispute: { status: DisputeStatus; inquiry?: boolean; appeal?: boolean }): number {
  const step = dispute.status === 'needs_response' ? 0 : dispute.status === 'under_review' ? 1 : 2;
  return (dispute.inquiry ? 0 : dispute.appeal ? 6 : 3) + step;
}

/**
 * The dispute as recorded after this update, or undefined when it tells nothing new. One dispute per
 * payment is kept, the one that matters now: a later step of the same dispute, or another dispute of the
 * payment when the recorded one is over or the other has gone further (a chargeback after its inquiry);
 * late news of a dispute another has superseded (the inquiry's `warning_closed` after its chargeback
 * opened) changes nothing.
 */
export function movedDispute(
  recorded: PaymentDispute | undefined,
  update: DisputeUpdate,
  at: string,
): PaymentDispute | undefined {
  const same = recorded?.disputeId === update.disputeId;
  // Stripe's won or lost after an appeal is the appeal's: its status doesn't say so.
  const appeal = update.appeal || (same && recorded?.appeal === true && isClosed(update));
  if (recorded && stage({ ...update, appeal }) <= stage(recorded) && (same || !isClosed(recorded)))
    return undefined;
  return {
    disputeId: update.disputeId,
    status: update.status,
    ...(update.inquiry ? { inquiry: true as const } : {}),
    ...(appeal ? { appeal: true as const } : {}),
    reason: update.reason,
    amountCents: update.amountCents,
    // Evidence can no longer be sent once it is under review or closed.
    ...(update.respondBy && update.status === 'needs_response' ? { respondBy: update.respondBy } : {}),
    openedAt: same && recorded ? recorded.openedAt : at,
    ...(isClosed(update) ? { closedAt: at } : {}),
  };
}

/**
 * Records a dispute's news on the payment it disputes, once and forward only. The job is found by the
 * payment intent's metadata (a dispute names only its payment), and the payment on it by the intent.
 */
export async function recordDispute(deps: DisputeContext, update: DisputeUpdate): Promise<DisputeOutcome> {
  const jobId = await deps.paymentIntents.jobIdOf(update.paymentIntentId);
  if (!jobId) return 'unknown-payment';
  return retryOnStaleVersion(async () => {
    const job = await deps.repository.get(jobId);
    if (!job) return 'unknown-payment';
    const at = deps.now().toISOString();
    const updated = withDispute(job, update, at);
    if (updated === 'unknown-payment' || updated === 'already-recorded') return updated;
    await deps.repository.save(
      { ...updated, version: job.version + 1, updatedAt: at, updatedBy: 'stripe' },
      job.version,
      { claim: undefined, release: undefined },
    );
    return 'recorded';
  });
}

function withDispute(
  job: JobRecord,
  update: DisputeUpdate,
  at: string,
): JobRecord | 'unknown-payment' | 'already-recorded' {
  if (job.payment?.method === 'card' && job.payment.reference === update.paymentIntentId) {
    const dispute = movedDispute(job.payment.dispute, update, at);
    return dispute ? { ...job, payment: { ...job.payment, dispute } } : 'already-recorded';
  }
  const returned = job.returnedPayments?.find((entry) => entry.reference === update.paymentIntentId);
  if (!returned) return 'unknown-payment';
  const dispute = movedDispute(returned.dispute, update, at);
  if (!dispute) return 'already-recorded';
  return {
    ...job,
    returnedPayments: job.returnedPayments?.map((entry) =>
      entry === returned ? { ...entry, dispute } : entry,
    ),
  };
}
