import { ForbiddenError } from '@qdn/shared/errors';
import type { HttpMiddleware } from '@qdn/shared/http';
import { secretParameter } from '@qdn/shared/ssm-secret';
// The signature check alone, not the SDK's index (which loads every Twilio product's client).
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { config, publicApiUrl } from './notifications-config.ts';

/** The account's Auth Token: only for checking webhook signatures (sending uses the API key). */
export function twilioAuthToken(): Promise<string> {
  return secretParameter(config.TWILIO_AUTH_TOKEN_PARAMETER);
}

/**
 * Middleware for Twilio's webhooks: checks `X-Twilio-Signature` over the exact public URL Twilio called
 * (path and query) and every parameter it posted — including ones Twilio adds in future, which is why the
 * whole parsed form is passed. Signed with the account's Auth Token. Runs after the form is parsed and
 * before it is validated, so anything unsigned → 403 before anything is validated or stored.
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function twilioSignature(path: string): HttpMiddleware {
  return {
    before: async function requireTwilioSignature({ event }) {
      // Header names are lower-cased by httpHandler's header normalizer.
      const signature = event.headers['x-twilio-signature'];
      const query = event.rawQueryString;
      const url = `${publicApiUrl(path)}${query ? `?${query}` : ''}`;
      const params = (event.body ?? {}) as unknown as Record<string, string>;
      if (!signature || !validateRequest(await twilioAuthToken(), signature, url, params)) {
        throw new ForbiddenError('Invalid Twilio signature');
      }
    },
  };
}

/** An empty TwiML answer: Twilio needs one, the work happens from the queue. */
export const EMPTY_TWIML = {
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
  headers: { 'content-type': 'text/xml; charset=utf-8' },
};
