import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { ValidationError } from '@qdn/shared/errors';
import { fieldErrorsOf, httpHandler } from '@qdn/shared/http';
import { logger } from '@qdn/shared/logging';
import { sqsClient } from '@qdn/shared/sqs';
import { EMPTY_TWIML, twilioSignature } from '../adapters/twilio-webhook.ts';
import { inboundFromWebhook } from '../domain/inbound-schema.ts';
import { TwilioForm } from '../domain/route-input.ts';

const config = loadConfig({ INBOUND_QUEUE_URL: requiredString() });
const sqs = sqsClient();

/**
 * POST /twilio/inbound (public, signed by Twilio): answers at once with empty TwiML and hands the SMS to
 * the `inbound` queue, buffered and replayable. A webhook Twilio retries carries the same MessageSid (and
 * I-Twilio-Idempotency-Token); the worker handles each MessageSid once, so retries change nothing.
 */
export const handler = httpHandler(
  {
    bodyFormat: 'form',
    body: TwilioForm,
    maxBodyBytes: 16 * 1024,
    middlewares: [twilioSignature('/twilio/inbound')],
  },
  async function receiveSms(request) {
    const parsed = inboundFromWebhook(request.body, new Date());
    if (!parsed.success)
      throw new ValidationError('Invalid inbound SMS', fieldErrorsOf(parsed.error, 'body'));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.INBOUND_QUEUE_URL,
        MessageBody: JSON.stringify(parsed.data),
      }),
    );
    logger.info('Inbound SMS queued', { messageSid: parsed.data.messageSid });
    return EMPTY_TWIML;
  },
);
