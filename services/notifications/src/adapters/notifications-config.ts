import { loadConfig, requiredString } from '@qdn/shared/config';
import * as z from 'zod';

// The service's environment, checked once per cold start by every function (a missing variable fails
// the first invocation with its name). Apart from the contexts so a function that only reads messages
// loads neither the Twilio client nor the SSM one.
export const config = loadConfig({
  MESSAGES_TABLE: requiredString(),
  /** Per-sender limits (relays to the backup team), one item per sender and hour, gone by TTL. */
  COUNTERS_TABLE: requiredString(),
  RELAYS_PER_SENDER_PER_HOUR: z.coerce.number().int().positive().default(10),
  /** The public API origin: Twilio's callbacks are addressed, and their signatures computed, on it. */
  API_BASE_URL: z.url(),
  /** Locally the Twilio fake; unset in AWS. */
  TWILIO_API_BASE_URL: z.string().optional(),
  TWILIO_API_KEY_PARAMETER: requiredString(),
  TWILIO_AUTH_TOKEN_PARAMETER: requiredString(),
  TWILIO_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Customers' tracking links are rebuilt from their ids under this secret (never carried by events). */
  TRACKING_LINK_SECRET_PARAMETER: requiredString(),
  /** Set locally, where every brand shares one site origin; in AWS each brand's own domain is used. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Idempotency records must outlive the bus archive, or a replay could text again. */
  SEND_RECORD_TTL_DAYS: z.coerce.number().int().positive(),
  /**
   * How long Twilio may hold a time-sensitive text ("on the way", "arriving now") before dropping it
   * (its ValidityPeriod, 1 s – 10 h): a text an hour late is worse than none.
   */
  TIME_SENSITIVE_SMS_VALIDITY_SECONDS: z.coerce.number().int().min(1).max(36_000).default(900),
  /**
   * Follow-ups (day-before reminders, review requests) wait as EventBridge Scheduler one-time schedules
   * in this group, sent to the follow-ups queue through this role (src/consumers.ts, followUps).
   */
  FOLLOW_UPS_QUEUE_ARN: requiredString(),
  FOLLOW_UPS_ROLE_ARN: requiredString(),
  FOLLOW_UPS_SCHEDULE_GROUP: requiredString(),
});

/** The exact public URL Twilio calls for `path` (what its signature covers). */
export function publicApiUrl(path: string): string {
  return `${config.API_BASE_URL.replace(/\/$/, '')}${path}`;
}
