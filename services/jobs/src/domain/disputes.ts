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
 * Stripe's dispute statuses in our four: an inquiry (`warning_*`, no money moved yet) follows the same
 * steps, `warning_closed` (the inquiry ended without a chargeback) and `prevented` keep the money as a
 * win does. Anything else Stripe adds later reads as still needing an answer: the safe side.
 * @see https://docs.stripe.com/api/disputes/object#dispute_object-status
 */
export function disputeStatus(stripeStatus: string): DisputeStatus {
  switch (stripeStatus) {
    case 'won':
    case 'warning_closed':
    case 'prevented':
      return 'won';
    case 'lost':
      return 'lost';
    case 'under_review':
    case 'warning_under_review':
      return 'under_review';
    default:
      return 'needs_response';
  }
}

// Forward only: webhooks can arrive out of order and twice; a closed dispute stays closed.
const STAGE: Record<DisputeStatus, number> = { needs_response: 0, under_review: 1, won: 2, lost: 2 };

/** The dispute as recorded after this update, or undefined when the update tells nothing new. */
export function movedDispute(
  recorded: PaymentDispute | undefined,
  update: DisputeUpdate,
  at: string,
): PaymentDispute | undefined {
  if (recorded && recorded.disputeId === update.disputeId && STAGE[update.status] <= STAGE[recorded.status])
    return undefined;
  const closed = update.status === 'won' || update.status === 'lost';
  return {
    disputeId: update.disputeId,
    status: update.status,
    reason: update.reason,
    amountCents: update.amountCents,
    // Evidence can no longer be sent once it is under review or closed.
    ...(update.respondBy && update.status === 'needs_response' ? { respondBy: update.respondBy } : {}),
    openedAt: recorded?.disputeId === update.disputeId ? recorded.openedAt : at,
    ...(closed ? { closedAt: at } : {}),
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
