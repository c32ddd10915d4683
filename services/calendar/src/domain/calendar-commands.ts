import type { Brand, Brands } from '@qdn/shared/brands';
import { NotFoundError, TransientError } from '@qdn/shared/errors';
import type { JobOnBus } from '@qdn/shared/events';
import { claimWhenFree } from '@qdn/shared/retry';
import { addDays, zonedTimeToInstant } from '@qdn/shared/zoned-time';
import { boardView, calendarEntryFor } from './calendar-entry.ts';
import { calendarName, parseCalendarId } from './calendar-ids.ts';
import type { BoardQuery } from './calendar-input.ts';
import { feedKeyHash, feedKeyMatches, newFeedKey } from './feed-key.ts';
import { DISPATCH_TIME_ZONE, icsFeed } from './ics-feed.ts';
import { internalCalendarChangeFor } from './internal-calendar.ts';
import type {
  CalendarEntryStore,
  CrewStatus,
  CrewStatusStore,
  FeedKeyStore,
  InternalCalendar,
  PushLedger,
  SaveOutcome,
} from './ports.ts';

/** How far back a subscribed feed reaches: recent history stays visible on phones, older drops off. */
export const FEED_HISTORY_DAYS = 60;

/** What both consumers need to turn a job event into an entry. */
interface EntrySource {
  brands: Brands;
}

function brandOf(context: EntrySource, brandId: string): Brand {
  try {
    return context.brands.get(brandId);
  } catch (error) {
    // A brand added to the configuration after this function instance loaded it: retrying (and a
    // redrive from the DLQ) reaches an instance that knows it, so the job is not dropped.
    if (error instanceof NotFoundError) {
      throw new TransientError(`Brand ${brandId} is not in this function's brand configuration`);
    }
    throw error;
  }
}

export interface SyncContext extends EntrySource {
  entries: CalendarEntryStore;
}

/** The calendar consumer: a job event moves the job's entry, unless the entry already has a newer version. */
export async function syncCalendarEntry(
  context: SyncContext,
  job: JobOnBus,
  occurredAt: string,
): Promise<SaveOutcome> {
  return context.entries.save(calendarEntryFor(job, brandOf(context, job.brandId), occurredAt));
}

export interface PushContext extends EntrySource {
  /** Absent when no internal calendar is configured for the stage: pushing is off. */
  internalCalendar: InternalCalendar | undefined;
  ledger: PushLedger;
  now: () => Date;
  /** How long a claimed push may take before another attempt may claim it (covers the request timeout). */
  leaseMs: number;
  /** Waits between looks at a push another attempt is making. */
  sleep: (ms: number) => Promise<unknown>;
}

export type PushOutcome = 'pushed' | 'already-pushed' | 'off';

/**
 * The calendar-push consumer: sends a job version to the internal calendar once. An older version than
 * one already pushed sends nothing. When another attempt holds the job's lease, wait for it a little
 * (it is usually a duplicate finishing); if it doesn't finish, retry later through SQS.
 */
export async function pushToInternalCalendar(
  context: PushContext,
  job: JobOnBus,
  occurredAt: string,
): Promise<PushOutcome> {
  const { internalCalendar } = context;
  if (!internalCalendar) return 'off';
  const entry = calendarEntryFor(job, brandOf(context, job.brandId), occurredAt);
  const claim = await claimWhenFree(
    () => context.ledger.claim(job.jobId, job.version, context.now(), context.leaseMs),
    (answer) => answer.outcome === 'busy',
    { ceilingMs: context.leaseMs / 2, now: () => context.now().getTime(), sleep: context.sleep },
  );
  if (claim.outcome === 'done') return 'already-pushed';
  if (claim.outcome === 'busy') throw new TransientError(`Another push of job ${job.jobId} is in flight`);
  try {
    await internalCalendar.apply(internalCalendarChangeFor(entry));
  } catch (error) {
    await context.ledger.release(job.jobId, claim.leaseToken);
    throw error;
  }
  await context.ledger.complete(job.jobId, job.version, claim.leaseToken, context.now());
  return 'pushed';
}

export interface FeedContext extends EntrySource {
  entries: CalendarEntryStore;
  feedKeys: FeedKeyStore;
  crewStatus: CrewStatusStore;
  now: () => Date;
  apiBaseUrl: string;
}

/** The answer to every feed request that is not a live key for a known calendar. */
export const FEED_NOT_FOUND = 'Not found';

/**
 * Issues a new feed key for a calendar (admin), revoking the one before. Calendars of crew members
 * and trailers need not have entries yet; a brand must be configured.
 */
export async function issueFeedKey(
  context: FeedContext,
  calendarId: string,
  issuedBy: string,
): Promise<{ feedKey: string; url: string }> {
  const ref = parseCalendarId(calendarId);
  if (!ref) throw new NotFoundError('Unknown calendar');
  if (ref.kind === 'brand') context.brands.get(ref.brandId);
  const feedKey = newFeedKey();
  await context.feedKeys.put({
    calendarId,
    keyHash: feedKeyHash(feedKey),
    issuedAt: context.now().toISOString(),
    issuedBy,
  });
  const url = new URL(`/calendars/${calendarId}/feed.ics`, `${context.apiBaseUrl.replace(/\/$/, '')}/`);
  url.searchParams.set('key', feedKey);
  return { feedKey, url: url.toString() };
}

/** The calendar's iCalendar feed, or undefined for an unknown calendar or a key that isn't its live one. */
export async function calendarFeed(
  context: FeedContext,
  calendarId: string,
  feedKey: string | undefined,
): Promise<string | undefined> {
  const ref = parseCalendarId(calendarId);
  // Unknown ids still cost a lookup and a comparison, so timing says nothing about which part was wrong.
  const [stored, crew] = await Promise.all([
    context.feedKeys.get(ref ? calendarId : '(unknown)'),
    ref?.kind === 'crew' ? context.crewStatus.get(ref.crewId) : undefined,
  ]);
  if (!ref || !feedKeyMatches(feedKey, stored?.keyHash)) return undefined;
  // A deactivated member's calendar closes with the rest of their access (links, ticks): same answer.
  if (crew?.active === false) return undefined;
  const since = new Date(context.now().getTime() - FEED_HISTORY_DAYS * 24 * 60 * 60 * 1000);
  const entries = await context.entries.list(calendarId, { from: since });
  const name = calendarName(ref, (brandId) => {
    try {
      return context.brands.get(brandId).displayName;
    } catch {
      return brandId;
    }
  });
  return icsFeed({ name }, entries);
}

/**
 * The crew-status consumer: the roster's latest word on a member (older or repeated changes are
 * ignored), which the feed route checks before serving a crew calendar.
 */
export async function recordCrewStatus(
  context: { crewStatus: CrewStatusStore },
  status: CrewStatus,
): Promise<'recorded' | 'stale'> {
  return (await context.crewStatus.record(status)) ? 'recorded' : 'stale';
}

/** The dispatcher board: a calendar's entries overlapping the days from..to (inclusive) in the dispatch zone. */
export async function boardEntries(context: FeedContext, query: BoardQuery) {
  const from = zonedTimeToInstant(query.from, '00:00', DISPATCH_TIME_ZONE);
  const to = zonedTimeToInstant(addDays(query.to, 1), '00:00', DISPATCH_TIME_ZONE);
  const entries = await context.entries.list(query.calendarId, { from, to });
  return {
    calendarId: query.calendarId,
    from: query.from,
    to: query.to,
    timeZone: DISPATCH_TIME_ZONE,
    entries: entries.map(boardView),
  };
}
