import { countSms, recordFanOutLatency } from '@qdn/shared/metrics';
import { type SmsGateway, SmsSendError } from '../domain/ports.ts';

/**
 * The SMS gateway with the send path's business metrics (EMF, @qdn/shared/metrics): a text Twilio took,
 * with the fan-out latency from its event's `occurredAt` to that acceptance, and a text Twilio refused
 * for good — per brand (the text's own). Around the port, so the send path (domain/delivery.ts) is untouched: Twilio's
 * answer is where "accepted" is known, once per text (a settled text is never sent again, so a
 * redelivery or replay counts nothing). Transient refusals aren't outcomes: the message is retried.
 */
export function meteredGateway(
  gateway: SmsGateway,
  /** The event's `occurredAt` when the text is a fan-out (a dispatcher's own text has none). */
  cause: { occurredAt?: string | undefined },
  now: () => Date,
): SmsGateway {
  return {
    async send(sms) {
      try {
        const sent = await gateway.send(sms);
        countSms('sent', sms.brandId);
        if (cause.occurredAt) recordFanOutLatency(sms.brandId, cause.occurredAt, now());
        return sent;
      } catch (error) {
        if (error instanceof SmsSendError && (error.kind === 'permanent' || error.kind === 'unsubscribed'))
          countSms('failed', sms.brandId);
        throw error;
      }
    },
    async findSent(sms) {
      const found = await gateway.findSent(sms);
      // An earlier attempt's text, found after a timeout: sent, when only Twilio knows (no latency).
      if (found) countSms('sent', sms.brandId);
      return found;
    },
  };
}
