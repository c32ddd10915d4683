import { ForbiddenError } from '@qdn/shared/errors';
import type { HttpRequest } from '@qdn/shared/http';
import { secretParameter } from '@qdn/shared/ssm-secret';
// The signature check alone, not the SDK's index (which loads every Twilio product's client).
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { config, publicApiUrl } from './notifications-config.ts';

/** The account's Auth Token: only for checking webhook signatures (sending uses the API key). */
export function twilioAuthToken(): Promise<string> {
  return secretParameter(config.TWILIO_AUTH_TOKEN_PARAMETER);
}

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
  if (!signature || !validateRequest(await twilioAuthToken(), signature, url, request.body ?? {})) {
    throw new ForbiddenError('Invalid Twilio signature');
  }
}

/** An empty TwiML answer: Twilio needs one, the work happens from the queue. */
export const EMPTY_TWIML = {
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
  headers: { 'content-type': 'text/xml; charset=utf-8' },
};
