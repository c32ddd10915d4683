import { loadBrands } from '@qdn/shared/brand-loader';
import { loadConfig, requiredString } from '@qdn/shared/config';
import { dynamoDocumentClient } from '@qdn/shared/dynamo';
import * as z from 'zod';
import type { FeedContext, SyncContext } from '../domain/calendar-commands.ts';
import { DynamoCalendarStore, DynamoCrewStatusStore, DynamoFeedKeyStore } from './calendar-store.ts';

// Read once per cold start; a missing variable fails the first invocation with its name.
const config = loadConfig({
  CALENDAR_TABLE: requiredString(),
  /** Where feed URLs point: the one public API (the local cloud sets its own). */
  API_BASE_URL: z.url(),
});

let entries: DynamoCalendarStore | undefined;

function entryStore(): DynamoCalendarStore {
  entries ??= new DynamoCalendarStore(dynamoDocumentClient(), config.CALENDAR_TABLE);
  return entries;
}

/** The calendar consumer's dependencies. */
export async function syncContext(): Promise<SyncContext> {
  return { entries: entryStore(), brands: await loadBrands() };
}

let crewStatus: DynamoCrewStatusStore | undefined;

/** The crew members' roster status (the crew-status consumer writes it, the feed route reads it). */
export function crewStatusStore(): DynamoCrewStatusStore {
  crewStatus ??= new DynamoCrewStatusStore(dynamoDocumentClient(), config.CALENDAR_TABLE);
  return crewStatus;
}

let feed: Promise<FeedContext> | undefined;

/** The feed and board routes' dependencies, built once per function instance. */
export function feedContext(): Promise<FeedContext> {
  feed ??= loadBrands().then((brands) => ({
    entries: entryStore(),
    feedKeys: new DynamoFeedKeyStore(dynamoDocumentClient(), config.CALENDAR_TABLE),
    crewStatus: crewStatusStore(),
    brands,
    now: () => new Date(),
    apiBaseUrl: config.API_BASE_URL,
  }));
  feed.catch(() => {
    feed = undefined;
  });
  return feed;
}
