import { httpHandler } from '@qdn/shared/http';
import { logger } from '@qdn/shared/logging';
import { paymentsContext } from '../adapters/payments-context.ts';
import { refundsContext } from '../adapters/refunds-context.ts';
import { recordDispute } from '../domain/disputes.ts';
import { recordCheckout } from '../domain/payment-commands.ts';
import {
  checkoutOfEvent,
  disputeOfEvent,
  refundOfEvent,
  StripeWebhookBody,
} from '../domain/payment-input.ts';
import { recordRefundUpdate } from '../domain/refunds.ts';

/**
 * POST /stripe/webhook (public, signed by Stripe): a verified `checkout.session.completed` records the
 * deposit on its job, once (→ JobPaymentReceived from the table's stream); a session the job cannot
 * keep (paid already, or cancelled) is refunded through the refunds' ledger and Stripe client. A
 * `refund.updated` or `refund.failed` moves one of our refunds on (→ JobRefundFailed when it failed);
 * a `charge.dispute.created`, `.updated` or `.closed` records a chargeback on the payment it disputes
 * (→ JobPaymentDisputed, JobPaymentDisputeClosed).
 * A bad signature → 400, nothing changed; other event types, and sessions and refunds we did not make,
 * → 200, ignored.
 */
export const handler = httpHandler(
  { bodyFormat: 'raw', body: StripeWebhookBody, maxBodyBytes: 256 * 1024 },
  async function receiveStripeWebhook({ body, headers }) {
    const context = await paymentsContext();
    const event = await context.stripeWebhooks.verify(body, headers['stripe-signature']);
    const refund = refundOfEvent(event);
    if (refund) {
      const outcome = await recordRefundUpdate(refundsContext(), refund);
      logger.info('Stripe refund', {
        eventId: event.id,
        jobId: refund.jobId,
        status: refund.status,
        outcome,
      });
      return { body: { received: true, outcome } };
    }
    const dispute = disputeOfEvent(event);
    if (dispute) {
      const outcome = await recordDispute(context, dispute);
      logger.info('Stripe dispute', {
        eventId: event.id,
        disputeId: dispute.disputeId,
        status: dispute.status,
        inquiry: dispute.inquiry,
        outcome,
      });
      return { body: { received: true, outcome } };
    }
    const checkout = checkoutOfEvent(event);
    if (!checkout) return { body: { received: true, ignored: event.type } };
    const outcome = await recordCheckout(refundsContext(), checkout);
    logger.info('Stripe checkout', { eventId: event.id, jobId: checkout.jobId, outcome });
    return { body: { received: true, outcome } };
  },
);
