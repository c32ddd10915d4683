import { loadBrands } from '@qdn/shared/brand-loader';
import type { Brands } from '@qdn/shared/brands';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import { publishEvents } from '@qdn/shared/publish';
import { RateLimiter } from '@qdn/shared/rate-limiter';
import { retryBaseDelayMs } from '@qdn/shared/retry';
import { scheduleOnce } from '@qdn/shared/scheduler';
import { secretJsonParameter, secretParameter } from '@qdn/shared/ssm-secret';
import { guestPageUrl, trackingToken, trackingUrl } from '@qdn/shared/tracking-link';
import * as z from 'zod';
import type { TrackingLinks } from '../domain/customer-page.ts';
import { type FollowUpScheduler, scheduleKeyOf } from '../domain/follow-ups.ts';
import type { RelayLimit } from '../domain/inbound.ts';
import type { NotificationsContext } from '../domain/ports.ts';
import { config, publicApiUrl } from './notifications-config.ts';
import { messageStore } from './store-context.ts';
import { TwilioSmsGateway } from './twilio-gateway.ts';
import { createTwilioClient } from './twilio-request-client.ts';

const TwilioApiKey = z.object({
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/),
  apiKeySid: z.string().regex(/^SK[0-9a-f]{32}$/),
  apiKeySecret: z.string().min(1),
});

let cachedClient: { apiKeySecret: string; client: ReturnType<typeof createTwilioClient> } | undefined;

/**
 * The Twilio client, kept while the key stays the same so its HTTP connections are reused from send to
 * send; a rotated key (read again after SECRET_MAX_AGE_SECONDS) makes a new one.
 */
async function twilioClient() {
  const key = TwilioApiKey.parse(await secretJsonParameter(config.TWILIO_API_KEY_PARAMETER));
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

type SendingContext = NotificationsContext & {
  followUps: FollowUpScheduler;
  brands: Brands;
  trackingLinks: TrackingLinks;
  relayLimit: RelayLimit;
  timeSensitiveValiditySeconds: number;
};

/**
 * What the functions that send SMS need (the Twilio client among it), built once per function instance
 * (functions that only read or record messages use store-context.ts). A failed build (the brand
 * catalog not readable from SSM at cold start) is not kept: the next invocation tries again.
 */
export const notificationsContext = /* @__PURE__ */ perInstanceAsync(buildContext);

function buildContext(): Promise<SendingContext> {
  return loadBrands().then((brands) => {
    return {
      brands,
      relayLimit: {
        limits: new RateLimiter(dynamoDocumentClient(), config.COUNTERS_TABLE),
        perSenderPerHour: config.RELAYS_PER_SENDER_PER_HOUR,
      },
      trackingLinks: {
        async urlFor(brandId: string, linkId: string, page = 'track') {
          const secret = await secretParameter(config.TRACKING_LINK_SECRET_PARAMETER);
          const site = config.PUBLIC_BASE_URL ?? brands.get(brandId).siteBaseUrl;
          const token = trackingToken(secret, linkId);
          return page === 'guest' ? guestPageUrl(site, token) : trackingUrl(site, token);
        },
      },
      store: messageStore(),
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
      timeSensitiveValiditySeconds: config.TIME_SENSITIVE_SMS_VALIDITY_SECONDS,
      followUps: {
        schedule: (followUp, at) =>
          scheduleOnce({
            key: scheduleKeyOf(followUp, at),
            at,
            targetArn: config.FOLLOW_UPS_QUEUE_ARN,
            roleArn: config.FOLLOW_UPS_ROLE_ARN,
            groupName: config.FOLLOW_UPS_SCHEDULE_GROUP,
            payload: { ...followUp, dueAt: at.toISOString() },
          }),
      },
    };
  });
}
