import { httpHandler } from '@qdn/shared/http';
import { logger } from '@qdn/shared/logging';
import { messageStore } from '../adapters/store-context.ts';
import { EMPTY_TWIML, twilioSignature } from '../adapters/twilio-webhook.ts';
import { StatusCallback, StatusCallbackQuery, TwilioForm } from '../domain/route-input.ts';

/**
 * POST /twilio/status?jobId=… (public, signed by Twilio): keeps each callback once (a replayed one is
 * acknowledged and stored no more) and moves the message's status forward only — a late "sent" after
 * "delivered" changes nothing.
 */
export const handler = httpHandler(
  {
    bodyFormat: 'form',
    body: TwilioForm,
    query: StatusCallbackQuery,
    maxBodyBytes: 16 * 1024,
    middlewares: [twilioSignature('/twilio/status')],
  },
  async function recordDeliveryStatus(request) {
    const callback = StatusCallback.safeParse(request.body);
    const { jobId } = request.query;
    if (!callback.success || !jobId) {
      // Signed by Twilio but not one of ours (or a shape we don't know): acknowledge, keep nothing.
      logger.warn('Status callback ignored', { jobId, issues: callback.error?.issues });
      return EMPTY_TWIML;
    }
    const outcome = await messageStore().recordDelivery(
      jobId,
      {
        messageSid: callback.data.MessageSid,
        status: callback.data.MessageStatus,
        errorCode: callback.data.ErrorCode,
      },
      { ...request.body, idempotencyToken: request.headers['i-twilio-idempotency-token'] ?? '' },
      new Date(),
    );
    logger.info('Delivery status', { status: callback.data.MessageStatus, outcome });
    return EMPTY_TWIML;
  },
);
