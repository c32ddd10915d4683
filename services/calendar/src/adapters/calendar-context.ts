import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import { perInstance, perInstanceAsync } from '@qdn/shared/per-instance';
import * as z from 'zod';
import type { FeedContext, SyncContext } from '../domain/calendar-commands.ts';
import { DynamoCalendarStore, DynamoCrewStatusStore, DynamoFeedKeyStore } from './calendar-store.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  CALENDAR_TABLE: requiredString(),
  /** Where feed URLs point: the one public API (the local cloud sets its own). */
  API_BASE_URL: z.url(),
});

const entryStore = /* @__PURE__ */ perInstance(
  () => new DynamoCalendarStore(dynamoDocumentClient(), config.CALENDAR_TABLE),
);

/** The calendar consumer's dependencies, built once per function instance. */
export const syncContext = /* @__PURE__ */ perInstanceAsync(
  async (): Promise<SyncContext> => ({ entries: entryStore(), brands: await loadBrands() }),
);

/** The crew members' roster status (the crew-status consumer writes it, the feed route reads it). */
export const crewStatusStore = /* @__PURE__ */ perInstance(
  () => new DynamoCrewStatusStore(dynamoDocumentClient(), config.CALENDAR_TABLE),
);

/** The feed and board routes' dependencies, built once per function instance. */
export const feedContext = /* @__PURE__ */ perInstanceAsync(() =>
  loadBrands().then(
    (brands): FeedContext => ({
      entries: entryStore(),
      feedKeys: new DynamoFeedKeyStore(dynamoDocumentClient(), config.CALENDAR_TABLE),
      crewStatus: crewStatusStore(),
      brands,
      now: () => new Date(),
      apiBaseUrl: config.API_BASE_URL,
    }),
  ),
);
