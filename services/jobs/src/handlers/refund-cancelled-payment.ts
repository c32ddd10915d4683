import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { refundsContext } from '../adapters/refunds-context.ts';
import { refunds } from '../consumers.ts';
import { refundCancelledJob } from '../domain/refunds.ts';

/** Queue `refunds`: a cancelled job paid by card → its payment refunded at Stripe once, and recorded. */
export const handler = queueConsumer(
  { consumer: refunds.name, parse: busEvents(...acceptedDetailTypes(refunds)) },
  async function refundCancelledPayment(event) {
    const outcome = await refundCancelledJob(refundsContext(), event);
    logger.info('Refund', { outcome });
  },
);
