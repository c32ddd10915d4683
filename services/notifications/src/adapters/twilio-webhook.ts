import { ForbiddenError } from '@qdn/shared/errors';
import type { HttpRequest } from '@qdn/shared/http';
import twilio from 'twilio';
import { publicApiUrl, twilioAuthToken } from './notifications-context.ts';

/**
 * Checks `X-Twilio-Signature` over the exact public URL Twilio called (path and query) and every
 * parameter it posted — including ones Twilio adds in future, which is why the whole form is passed.
 * Signed with the account's Auth Token. Anything else → 403 before anything is stored.
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export async function requireTwilioSignature(
  request: HttpRequest<Record<string, string>, unknown, unknown>,
  path: string,
): Promise<void> {
  const signature = request.headers['x-twilio-signature'] ?? request.headers['X-Twilio-Signature'];
  const query = request.event.rawQueryString;
  const url = `${publicApiUrl(path)}${query ? `?${query}` : ''}`;
  if (!signature || !twilio.validateRequest(await twilioAuthToken(), signature, url, request.body ?? {})) {
    throw new ForbiddenError('Invalid Twilio signature');
  }
}

/** An empty TwiML answer: Twilio needs one, the work happens from the queue. */
export const EMPTY_TWIML = {
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
  headers: { 'content-type': 'text/xml; charset=utf-8' },
};
