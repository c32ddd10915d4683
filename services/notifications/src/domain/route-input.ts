import { PhoneNumber } from '@qdn/shared/phone';
import * as z from 'zod';

// What the notifications API's routes accept, one schema each, shared by the handlers and the fuzz suite.

/** `{jobId}` in `/jobs/{jobId}/…` and `/track/jobs/{jobId}/…`. */
export const JobIdParams = z.object({ jobId: z.string().min(1).max(64) });

/** `{jobId}/messages/{messageSid}`: a message of a job (Twilio's SIDs are 34 characters). */
export const ReplyParams = JobIdParams.extend({ messageSid: z.string().min(1).max(64) });

/** `POST /jobs/{jobId}/messages` (dispatcher, admin). */
export const DispatcherMessageInput = z.object({
  body: z.string().trim().min(1).max(640),
  /** It can wait: outside the brand's sending hours it is held until they open (quiet hours). */
  nonUrgent: z.boolean().default(false),
});

/** A Twilio webhook's form body: every field a string (the signature covers them all). */
export const TwilioForm = z.record(z.string(), z.string());

/** `POST /twilio/status?jobId=…`: the job the callback URL names. */
export const StatusCallbackQuery = z.object({ jobId: z.string().min(1).max(64).optional() });

/** The fields of a status callback we keep; anything else signed by Twilio is acknowledged and ignored. */
export const StatusCallback = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/),
  MessageStatus: z.string().regex(/^[a-z_]{1,32}$/),
  ErrorCode: z.string().max(10).optional(),
});

/** `GET /consent/{phone}` (admin): the number as typed or E.164 (`+` may arrive encoded as %2B). */
export const ConsentParams = z.object({
  phone: z.preprocess((value) => (typeof value === 'string' ? decodedOnce(value) : value), PhoneNumber),
});

function decodedOnce(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a stray % is left for PhoneNumber to refuse with its field error
  }
}
