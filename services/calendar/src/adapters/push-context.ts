import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstanceAsync } from '@qdn/shared/per-instance';
import { sleep } from '@qdn/shared/retry';
import { secretParameter } from '@qdn/shared/ssm-secret';
import * as z from 'zod';
import type { PushContext } from '../domain/calendar-commands.ts';
import { InternalCalendarClient } from './internal-calendar-client.ts';
import { DynamoPushLedger } from './push-ledger.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  CALENDAR_TABLE: requiredString(),
  /** The internal calendar's API; empty or unset turns pushing off for the stage. */
  CALENDAR_API_BASE_URL: z.union([z.url(), z.literal('')]).optional(),
  CALENDAR_DASHBOARD_TOKEN_PARAMETER: requiredString(),
  CALENDAR_API_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
});

/** The dashboard token (SecureString), cached so a rotation is picked up without a deploy. */
const dashboardToken = () => secretParameter(config.CALENDAR_DASHBOARD_TOKEN_PARAMETER);

const internalCalendar = config.CALENDAR_API_BASE_URL
  ? new InternalCalendarClient({
      baseUrl: config.CALENDAR_API_BASE_URL,
      dashboardToken,
      timeoutMs: config.CALENDAR_API_TIMEOUT_MS,
    })
  : undefined;

/** The calendar-push consumer's dependencies, built once per function instance. */
export const pushContext = /* @__PURE__ */ perInstanceAsync(
  async (): Promise<PushContext> => ({
    internalCalendar,
    ledger: new DynamoPushLedger(dynamoDocumentClient(), config.CALENDAR_TABLE),
    brands: await loadBrands(),
    now: () => new Date(),
    // The request's own timeout plus room for the ledger writes around it.
    leaseMs: config.CALENDAR_API_TIMEOUT_MS + 2_000,
    sleep,
  }),
);
