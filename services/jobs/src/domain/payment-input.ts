import { ValidationError } from '@qdn/shared/errors';
import { fieldErrorsOf } from '@qdn/shared/http';
import * as z from 'zod';
import { type DisputeUpdate, disputeStatus } from './disputes.ts';
import { JOB_ID_PATTERN } from './job-input.ts';
import type { CompletedCheckout } from './payment-commands.ts';
import { cardRefund, type RefundUpdate } from './refunds.ts';

// Stripe's webhook as we read it: the raw body (its signature is over the exact bytes), then, once
// verified, the event and the Checkout Session in it. Only the fields we use are named.

/** The raw webhook body; verified before it is parsed. */
export const StripeWebhookBody = z.string().min(2);

/** A verified Stripe event: `{ id, type, data: { object } }`. */
export const StripeEvent = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/),
  type: z.string().min(1).max(100),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
export type StripeEvent = z.infer<typeof StripeEvent>;

/**
 * The Checkout Session of `checkout.session.completed`: the job is ours (client_reference_id, set when
 * we created the session), amounts in cents.
 * @see https://docs.stripe.com/api/checkout/sessions/object
 */
const CompletedSession = z.object({
  id: z.string().regex(/^cs_[A-Za-z0-9_]{1,250}$/),
  client_reference_id: z.string().regex(JOB_ID_PATTERN),
  payment_status: z.string().min(1),
  amount_total: z.number().int().nonnegative(),
  payment_intent: z.string().min(1).nullish(),
});

/**
 * Ours: created by startCheckout, which alone sets `metadata.jobId` (a Payment Link's
 * client_reference_id comes from its URL, which anyone can set).
 */
const OurSession = z.object({
  client_reference_id: z.string(),
  metadata: z.object({ jobId: z.string() }),
});

/**
 * The completed checkout an event tells, or undefined for an event type we don't act on and for a
 * session we did not create: the endpoint gets every Checkout of the Stripe account, and a 400 to one
 * Stripe retries for three days, then may disable the endpoint, our own deposits' with it.
 */
export function checkoutOfEvent(event: StripeEvent): CompletedCheckout | undefined {
  if (event.type !== 'checkout.session.completed') return undefined;
  const ours = OurSession.safeParse(event.data.object);
  if (!ours.success || ours.data.metadata.jobId !== ours.data.client_reference_id) return undefined;
  const session = CompletedSession.safeParse(event.data.object);
  if (!session.success)
    throw new ValidationError('Invalid checkout session', fieldErrorsOf(session.error, 'data.object'));
  return {
    sessionId: session.data.id,
    jobId: session.data.client_reference_id,
    paymentStatus: session.data.payment_status,
    amountTotalCents: session.data.amount_total,
    ...(session.data.payment_intent ? { paymentIntentId: session.data.payment_intent } : {}),
  };
}

/** The Refund of `refund.updated` and `refund.failed`: @see https://docs.stripe.com/api/refunds/object */
const UpdatedRefund = z.object({
  id: z.string().regex(/^re_[A-Za-z0-9_]{1,250}$/),
  status: z.string().min(1).max(50).nullable(),
  failure_reason: z.string().min(1).max(100).nullish(),
});

/** Ours: made by the refunds of refunds.ts, which name the job in the refund's metadata. */
const OurRefund = z.object({
  metadata: z.object({ jobId: z.string().regex(JOB_ID_PATTERN) }),
});

/**
 * The refund a `refund.updated` or `refund.failed` event tells of (`charge.refund.updated` is the same
 * event under its older name), or undefined for any other event and for a refund we did not make: a
 * person refunding in the Dashboard names no job.
 */
export function refundOfEvent(event: StripeEvent): RefundUpdate | undefined {
  if (!['refund.updated', 'refund.failed', 'charge.refund.updated'].includes(event.type)) return undefined;
  const ours = OurRefund.safeParse(event.data.object);
  if (!ours.success) return undefined;
  const refund = UpdatedRefund.safeParse(event.data.object);
  if (!refund.success)
    throw new ValidationError('Invalid refund', fieldErrorsOf(refund.error, 'data.object'));
  return { jobId: ours.data.metadata.jobId, ...cardRefund(refund.data) };
}

/** The Dispute of `charge.dispute.*`: @see https://docs.stripe.com/api/disputes/object */
const StripeDispute = z.object({
  id: z.string().regex(/^d[pu]_[A-Za-z0-9_]{1,250}$/),
  payment_intent: z
    .string()
    .regex(/^pi_[A-Za-z0-9_]{1,250}$/)
    .nullable(),
  status: z.string().min(1).max(50),
  reason: z.string().min(1).max(100),
  amount: z.number().int().nonnegative(),
  // 0 when the bank takes no answer (Stripe), null when none is asked.
  evidence_details: z.object({ due_by: z.number().int().nonnegative().nullable() }).partial().nullish(),
});

const DISPUTE_EVENTS = ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed'];

/**
 * The dispute a `charge.dispute.created`, `.updated` or `.closed` event tells of, or undefined for any
 * other event (`charge.dispute.funds_withdrawn` and `.funds_reinstated` say again what the status says)
 * and for a dispute of a charge with no payment intent, which no Checkout Session of ours made.
 */
export function disputeOfEvent(event: StripeEvent): DisputeUpdate | undefined {
  if (!DISPUTE_EVENTS.includes(event.type)) return undefined;
  const dispute = StripeDispute.safeParse(event.data.object);
  if (!dispute.success)
    throw new ValidationError('Invalid dispute', fieldErrorsOf(dispute.error, 'data.object'));
  const { id, payment_intent, status, reason, amount, evidence_details } = dispute.data;
  if (!payment_intent) return undefined;
  const dueBy = evidence_details?.due_by;
  return {
    disputeId: id,
    paymentIntentId: payment_intent,
    ...disputeStatus(status),
    reason,
    amountCents: amount,
    ...(dueBy ? { respondBy: new Date(dueBy * 1000).toISOString() } : {}),
  };
}
