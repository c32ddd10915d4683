import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstance, perInstanceAsync } from '@qdn/shared/per-instance';
import { publishEvents } from '@qdn/shared/publish';
import { RateLimiter } from '@qdn/shared/rate-limiter';
import { snsClient } from '@qdn/shared/sns';
import { secretParameter } from '@qdn/shared/ssm-secret';
import * as z from 'zod';
import type { BridgeContext } from '../domain/ports.ts';
import type { RosterContext } from '../domain/roster-commands.ts';
import { SnsCrewMessenger } from './crew-messenger.ts';
import { DynamoCharterStore, DynamoCrewRoster } from './crew-store.ts';
import { SccClient } from './scc-client.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  CREW_TABLE: requiredString(),
  COUNTERS_TABLE: requiredString(),
  CREW_LOOKUPS_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(60),
  CHECKLIST_TICKS_PER_IP_PER_MINUTE: z.coerce.number().int().positive().default(60),
  CREW_NOTIFICATIONS_TOPIC_ARN: requiredString(),
  SCC_API_BASE_URL: z.url(),
  SCC_TIMEOUT_MS: z.coerce.number().int().positive().max(8_000).default(3_000),
  SCC_SERVICE_KEY_PARAMETER: requiredString(),
  CREW_LINK_SECRET_PARAMETER: requiredString(),
  /** Set locally, where every brand shares one site origin; in AWS each brand's own domain is used. */
  PUBLIC_BASE_URL: z.url().optional(),
});

// Longer than the consumer's 10 s timeout, so a lease only lapses for a delivery that really died.
const LEASE_MS = 15_000;
// Well inside the consumer's timeout, leaving time for the sync itself once the other delivery is done.
const BUSY_WAIT_MS = 5_000;

/** The roster routes' dependencies: the roster alone (a status change's event comes from the stream). */
export const rosterContext = /* @__PURE__ */ perInstance(
  (): RosterContext => ({
    roster: new DynamoCrewRoster(dynamoDocumentClient(), config.CREW_TABLE),
    now: () => new Date(),
  }),
);

/** The bridge's dependencies, built once per function instance. */
export const bridgeContext = /* @__PURE__ */ perInstanceAsync(() =>
  loadBrands().then(
    (brands): BridgeContext => ({
      roster: rosterContext().roster,
      charters: new DynamoCharterStore(dynamoDocumentClient(), config.CREW_TABLE),
      scc: new SccClient({
        baseUrl: config.SCC_API_BASE_URL,
        serviceKey: () => secretParameter(config.SCC_SERVICE_KEY_PARAMETER),
        timeoutMs: config.SCC_TIMEOUT_MS,
      }),
      messenger: new SnsCrewMessenger(snsClient(), config.CREW_NOTIFICATIONS_TOPIC_ARN),
      publish: (events) => publishEvents(events),
      brands,
      now: () => new Date(),
      linkSecret: () => secretParameter(config.CREW_LINK_SECRET_PARAMETER),
      siteBaseUrl: (brandId: string) => config.PUBLIC_BASE_URL ?? brands.get(brandId).siteBaseUrl,
      leaseMs: LEASE_MS,
      busyWaitMs: BUSY_WAIT_MS,
      limits: new RateLimiter(dynamoDocumentClient(), config.COUNTERS_TABLE),
      crewLinkLimits: {
        lookupsPerIpPerMinute: config.CREW_LOOKUPS_PER_IP_PER_MINUTE,
        ticksPerIpPerMinute: config.CHECKLIST_TICKS_PER_IP_PER_MINUTE,
      },
    }),
  ),
);
