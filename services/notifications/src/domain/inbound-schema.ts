import { E164 } from '@qdn/shared/events';
import * as z from 'zod';

/** An inbound SMS as the webhook puts it on the `inbound` queue (and the worker reads it back). */
export const InboundSmsMessage = z.object({
  messageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
  from: E164,
  to: z.string().min(1),
  body: z.string().max(1600),
  mediaUrls: z.array(z.url()).max(10),
  messagingServiceSid: z.string().optional(),
  /**
   * Set by a Messaging Service with Advanced Opt-Out for a keyword it has already answered itself
   * (STOP, START, HELP): we must not answer again.
   * @see https://help.twilio.com/articles/360034798533
   */
  optOutType: z.enum(['STOP', 'START', 'HELP']).optional(),
  receivedAt: z.iso.datetime({ offset: true }),
});

/** Twilio's webhook parameters → the queued message: `NumMedia` attachments at `MediaUrl0…`. */
export function inboundFromWebhook(params: Record<string, string>, receivedAt: Date) {
  const mediaCount = Math.min(Number.parseInt(params.NumMedia ?? '0', 10) || 0, 10);
  return InboundSmsMessage.safeParse({
    messageSid: params.MessageSid ?? params.SmsSid,
    from: params.From,
    to: params.To,
    body: params.Body ?? '',
    mediaUrls: Array.from({ length: mediaCount }, (_, index) => params[`MediaUrl${index}`]).filter(Boolean),
    messagingServiceSid: params.MessagingServiceSid,
    optOutType: params.OptOutType,
    receivedAt: receivedAt.toISOString(),
  });
}
