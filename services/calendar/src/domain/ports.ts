import type { CalendarEntry } from './calendar-entry.ts';
import type { InternalCalendarChange } from './internal-calendar.ts';

/**
 * `saved`: the entry moved to this version. `duplicate`: it is already at this version (a redelivery,
 * or a second event of the same job write). `stale`: it is at a higher version; nothing changed.
 */
export type SaveOutcome = 'saved' | 'duplicate' | 'stale';

/** The calendar entries, one per job, and which calendars each is in. */
export interface CalendarEntryStore {
  /** Stores the entry and its calendar memberships if its version is higher than the stored one. */
  save(entry: CalendarEntry): Promise<SaveOutcome>;
  get(jobId: string): Promise<CalendarEntry | undefined>;
  /** A calendar's entries that end after `from` and (when given) start before `to`, by start. */
  list(calendarId: string, range: { from: Date; to?: Date }): Promise<CalendarEntry[]>;
}

/** A calendar's live feed key, by hash. Issuing a new one replaces (revokes) the old. */
export interface FeedKeyRecord {
  calendarId: string;
  keyHash: string;
  issuedAt: string;
  issuedBy: string;
}

export interface FeedKeyStore {
  put(record: FeedKeyRecord): Promise<void>;
  get(calendarId: string): Promise<FeedKeyRecord | undefined>;
}

/** Whether a crew member may use their crew calendar's feed, as the roster last said (latest change kept). */
export interface CrewStatus {
  crewId: string;
  active: boolean;
  changedAt: string;
}

export interface CrewStatusStore {
  /** Records the status unless a later change is already recorded; false when it was older. */
  record(status: CrewStatus): Promise<boolean>;
  get(crewId: string): Promise<CrewStatus | undefined>;
}

/**
 * Which job versions reached the internal calendar, and which push is in flight. A push is claimed
 * for a short lease before the request goes out, so duplicates of one event — redelivered,
 * replayed or processed side by side — send one request, and a job's requests never overlap.
 */
export type PushClaim =
  | { outcome: 'claimed'; leaseToken: string }
  | { outcome: 'done' }
  | { outcome: 'busy' };

export interface PushLedger {
  claim(jobId: string, version: number, now: Date, leaseMs: number): Promise<PushClaim>;
  /** Records the version as pushed and ends the lease. */
  complete(jobId: string, version: number, leaseToken: string, at: Date): Promise<void>;
  /** Ends the lease without recording a push (the request failed), so a retry can claim at once. */
  release(jobId: string, leaseToken: string): Promise<void>;
}

/** The internal calendar's API: transient failures throw TransientError, refusals PermanentError. */
export interface InternalCalendar {
  apply(change: InternalCalendarChange): Promise<void>;
}
