import { backoffDelayMs, sleep } from '@qdn/shared/retry';
import { redactLinkTokens } from '@qdn/shared/tracking-link';
import { type FailedAttempt, type Sender, type SmsGateway, SmsSendError } from '../domain/ports.ts';
import type { TwilioMessagingClient } from './twilio-request-client.ts';

// Errors that prove the request never reached Twilio: safe to send again without looking first.
const NOT_SENT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Twilio's error → what the sender does next (see SmsSendError). Only the status, code and message
 * are kept: the SDK's error carries the request, whose Authorization header must never reach a log.
 */
export function classifyTwilioError(error: unknown): SmsSendError {
  const { status, code, message } = (error ?? {}) as { status?: unknown; code?: unknown; message?: string };
  const text = `Twilio: ${message ?? 'request failed'}`;
  const twilioCode = typeof code === 'number' || typeof code === 'string' ? code : undefined;
  if (typeof status === 'number') {
    if (status === 429 || status >= 500) return new SmsSendError('transient', text, twilioCode ?? status);
    if (code === 21610) return new SmsSendError('unsubscribed', text, code);
    return new SmsSendError('permanent', text, twilioCode ?? status);
  }
  if (typeof code === 'string' && NOT_SENT_NETWORK_CODES.has(code)) {
    return new SmsSendError('transient', text, code);
  }
  // Timeouts and dropped connections: Twilio may have taken the message.
  return new SmsSendError('ambiguous', text, typeof code === 'string' ? code : undefined);
}

/**
 * Twilio's Messages API through the official SDK. 429s and 5xx are retried here a few times with
 * jittered, growing delays (Twilio asks senders to back off); what still fails goes back to the queue.
 * @see https://www.twilio.com/docs/usage/rest-api-best-practices#handle-429-errors
 */
export class TwilioSmsGateway implements SmsGateway {
  readonly #client: () => Promise<TwilioMessagingClient>;
  readonly #attempts: number;
  readonly #baseDelayMs: number;

  constructor(
    client: () => Promise<TwilioMessagingClient>,
    options: { attempts: number; baseDelayMs: number },
  ) {
    this.#client = client;
    this.#attempts = options.attempts;
    this.#baseDelayMs = options.baseDelayMs;
  }

  async send(sms: {
    to: string;
    body: string;
    sender: Sender;
    statusCallback?: string | undefined;
    validitySeconds?: number | undefined;
  }) {
    const client = await this.#client();
    const failedAttempts: FailedAttempt[] = [];
    for (let attempt = 1; ; attempt++) {
      const at = new Date().toISOString();
      try {
        const message = await client.messages.create({
          to: sms.to,
          body: sms.body,
          ...('messagingServiceSid' in sms.sender
            ? { messagingServiceSid: sms.sender.messagingServiceSid }
            : { from: sms.sender.from }),
          ...(sms.statusCallback ? { statusCallback: sms.statusCallback } : {}),
          ...(sms.validitySeconds ? { validityPeriod: sms.validitySeconds } : {}),
        });
        return {
          messageSid: message.sid,
          status: message.status,
          ...(failedAttempts.length > 0 ? { failedAttempts } : {}),
        };
      } catch (error) {
        const failure = classifyTwilioError(error);
        if (failure.kind !== 'transient' || attempt >= this.#attempts) {
          failure.failedAttempts = failedAttempts;
          throw failure;
        }
        failedAttempts.push({ at, errorCode: failure.code, next: 'retried' });
        await sleep(backoffDelayMs(attempt, this.#baseDelayMs));
      }
    }
  }

  async findSent(sms: { to: string; body: string; since: Date }) {
    const client = await this.#client();
    // Newest first, by recipient; a message Twilio has only queued has no DateSent yet, so the date
    // is matched on DateCreated here rather than with Twilio's DateSent filter.
    const since = sms.since.getTime() - 60_000;
    // Page tokens aside: a retry renders its links again, and a token derived under a rotated secret is
    // not the one Twilio took; the send record keeps the body with its tokens redacted anyway.
    const body = redactLinkTokens(sms.body);
    const messages = await client.messages.list({ to: sms.to, limit: 50 });
    const match = messages.find(
      (message) =>
        redactLinkTokens(message.body) === body &&
        message.direction !== 'inbound' &&
        (message.dateCreated?.getTime() ?? 0) >= since,
    );
    return match ? { messageSid: match.sid, status: match.status } : undefined;
  }
}
