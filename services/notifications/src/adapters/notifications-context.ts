import { getParameter } from '@aws-lambda-powertools/parameters/ssm';
import { loadBrands } from '@qdn/shared/brand-loader';
import type { Brands } from '@qdn/shared/brands';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { publishEvents } from '@qdn/shared/publish';
import { retryBaseDelayMs } from '@qdn/shared/retry';
import { z } from 'zod';
import type { NotificationsDeps } from '../domain/ports.ts';
import { DynamoNotificationStore } from './notification-store.ts';
import { TwilioSmsGateway } from './twilio-gateway.ts';
import { createTwilioClient } from './twilio-request-client.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  MESSAGES_TABLE: requiredString(),
  /** The public API origin: Twilio's callbacks are addressed, and their signatures computed, on it. */
  API_BASE_URL: z.url(),
  /** Locally the Twilio fake; unset in AWS. */
  TWILIO_API_BASE_URL: z.string().optional(),
  TWILIO_API_KEY_PARAMETER: requiredString(),
  TWILIO_AUTH_TOKEN_PARAMETER: requiredString(),
  TWILIO_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Idempotency records must outlive the bus archive, or a replay could text again. */
  SEND_RECORD_TTL_DAYS: z.coerce.number().int().positive(),
});

const TwilioApiKey = z.object({
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/),
  apiKeySid: z.string().regex(/^SK[0-9a-f]{32}$/),
  apiKeySecret: z.string().min(1),
});

// Secrets are cached for five minutes: a rotated key reaches warm functions without a deploy.
const SECRET_MAX_AGE_SECONDS = 300;

let cachedClient: { apiKeySecret: string; client: ReturnType<typeof createTwilioClient> } | undefined;

/**
 * The Twilio client, kept while the key stays the same so its HTTP connections are reused from send to
 * send; a rotated key (read again after SECRET_MAX_AGE_SECONDS) makes a new one.
 */
async function twilioClient() {
  const key = TwilioApiKey.parse(
    await getParameter(config.TWILIO_API_KEY_PARAMETER, {
      decrypt: true,
      transform: 'json',
      maxAge: SECRET_MAX_AGE_SECONDS,
    }),
  );
  if (cachedClient?.apiKeySecret !== key.apiKeySecret) {
    cachedClient = {
      apiKeySecret: key.apiKeySecret,
      client: createTwilioClient({
        ...key,
        apiBaseUrl: config.TWILIO_API_BASE_URL,
        timeoutMs: config.TWILIO_TIMEOUT_MS,
      }),
    };
  }
  return cachedClient.client;
}

/** The account's Auth Token: only for checking webhook signatures (sending uses the API key). */
export async function twilioAuthToken(): Promise<string> {
  const token = await getParameter(config.TWILIO_AUTH_TOKEN_PARAMETER, {
    decrypt: true,
    maxAge: SECRET_MAX_AGE_SECONDS,
  });
  if (!token) throw new Error(`SSM parameter ${config.TWILIO_AUTH_TOKEN_PARAMETER} is empty`);
  return token;
}

/** The exact public URL Twilio calls for `path` (what its signature covers). */
export function publicApiUrl(path: string): string {
  return `${config.API_BASE_URL.replace(/\/$/, '')}${path}`;
}

let deps: Promise<NotificationsDeps & { brands: Brands }> | undefined;

/**
 * The notification commands' dependencies, built once per function instance. A failed build (the brand
 * catalog not readable from SSM at cold start) is not kept: the next invocation tries again.
 */
export function notificationsContext(): Promise<NotificationsDeps & { brands: Brands }> {
  deps ??= buildDeps().catch((error: unknown) => {
    deps = undefined;
    throw error;
  });
  return deps;
}

function buildDeps(): Promise<NotificationsDeps & { brands: Brands }> {
  return loadBrands().then((brands) => {
    return {
      brands,
      store: new DynamoNotificationStore(dynamoDocumentClient(), config.MESSAGES_TABLE, {
        sendRecordTtlDays: config.SEND_RECORD_TTL_DAYS,
      }),
      gateway: new TwilioSmsGateway(twilioClient, {
        attempts: 3,
        baseDelayMs: retryBaseDelayMs(),
      }),
      publish: (events) => publishEvents(events),
      now: () => new Date(),
      statusCallbackUrl: (jobId) =>
        publicApiUrl(`/twilio/status${jobId ? `?jobId=${encodeURIComponent(jobId)}` : ''}`),
      // Request handlers: the API's 30 s limit; consumers pass their invocation's remaining time.
      sendLeaseMs: 30_000,
      busyWaitMs: 5_000,
    };
  });
}
