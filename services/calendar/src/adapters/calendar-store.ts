import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, queryAll, recordIfNewer } from '@qdn/shared/dynamo';
import { TransientError } from '@qdn/shared/errors';
import { JobStatus } from '@qdn/shared/events';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { CalendarEntry } from '../domain/calendar-entry.ts';
import type {
  CalendarEntryStore,
  CrewStatus,
  CrewStatusStore,
  FeedKeyRecord,
  FeedKeyStore,
  SaveOutcome,
} from '../domain/ports.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

// One table, several kinds of item:
//   JOB#<jobId> / ENTRY          the job's calendar entry (highest version seen) and the calendars it is in
//   CAL#<calendarId> / JOB#<id>  the entry in one calendar (a copy, so a feed is one query);
//                                GSI byEnd: CAL#<calendarId> / <endsAt>#<jobId>
//   CAL#<calendarId> / FEEDKEY   the calendar's live feed key, by hash
//   CREW#<crewId> / STATUS       whether the roster has the member active (CrewMemberStatusChanged)
//   JOB#<jobId> / PUSH           the internal-calendar push ledger (push-ledger.ts)
// The memberships are keyed by end so "what overlaps this range" is one range read: everything that
// ends after the range starts, filtered to what starts before it ends.
export const entryKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'ENTRY' });
const membershipKey = (calendarId: string, jobId: string) => ({
  pk: `CAL#${calendarId}`,
  sk: `JOB#${jobId}`,
});
const feedKeyKey = (calendarId: string) => ({ pk: `CAL#${calendarId}`, sk: 'FEEDKEY' });
const crewStatusKey = (crewId: string) => ({ pk: `CREW#${crewId}`, sk: 'STATUS' });

/** Attempts at a save that keeps losing a race with another save of the same job, before SQS retries it. */
const SAVE_ATTEMPTS = 5;

// Types, not formats: an entry is built from a validated event (domain/calendar-entry.ts).
const calendarEntry = recordFields<CalendarEntry>()({
  jobId: z.string(),
  brandId: z.string(),
  brandName: z.string(),
  version: z.number(),
  status: JobStatus,
  title: z.string(),
  serviceType: z.string(),
  serviceLabel: z.string(),
  customerFirstName: z.string(),
  location: z.string(),
  schedule: recordFields<CalendarEntry['schedule']>()({
    date: z.string(),
    window: z.string().optional(),
    time: z.string().optional(),
    endDate: z.string().optional(),
  }),
  windowHours: recordFields<NonNullable<CalendarEntry['windowHours']>>()({
    start: z.string(),
    end: z.string(),
  }).optional(),
  timeZone: z.string(),
  allDay: z.boolean(),
  startsAt: z.string(),
  endsAt: z.string(),
  firstDay: z.string(),
  lastDay: z.string(),
  trailerId: z.string().optional(),
  crewIds: z.array(z.string()),
  charter: recordFields<NonNullable<CalendarEntry['charter']>>()({
    vessel: z.string(),
    meetingPoint: z.string(),
    guestCount: z.number(),
    durationMinutes: z.number(),
  }).optional(),
  calendarIds: z.array(z.string()),
  changedAt: z.string(),
});

/** The job's entry item (JOB#<jobId> / ENTRY) without its keys. */
const storedEntry = storedRecord('calendar entry', calendarEntry);
/** A membership item (CAL#<calendarId> / JOB#<jobId>) carries a copy of the entry, so a feed is one query. */
const storedMembership = storedRecord(
  'calendar membership',
  recordFields<{ entry: CalendarEntry }>()({ entry: calendarEntry }),
);
const storedFeedKey = storedRecord(
  'feed key',
  recordFields<FeedKeyRecord>()({
    calendarId: z.string(),
    keyHash: z.string(),
    issuedAt: z.string(),
    issuedBy: z.string(),
  }),
);
const storedCrewStatus = storedRecord(
  'crew status',
  recordFields<CrewStatus>()({ crewId: z.string(), active: z.boolean(), changedAt: z.string() }),
);

/** Entries and their calendar memberships in the calendar table. */
export class DynamoCalendarStore implements CalendarEntryStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async get(jobId: string): Promise<CalendarEntry | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: entryKey(jobId), ConsistentRead: true }),
    );
    return Item ? storedEntry(Item) : undefined;
  }

  /**
   * Writes the entry and its memberships in one transaction conditioned on the version read, so two
   * events of one job processed side by side cannot interleave: the loser reads again and finds
   * itself duplicate or stale, or (being newer) writes on top.
   *
   * Not `recordIfNewer` (@qdn/shared/dynamo): the memberships to delete are those of the entry read, so
   * the write must be conditioned on that very version (compare and swap), not merely on being newer —
   * "newer than stored" would let a save built on a stale read go through and leave behind the
   * membership of a version written in between.
   */
  async save(entry: CalendarEntry): Promise<SaveOutcome> {
    for (let attempt = 1; attempt <= SAVE_ATTEMPTS; attempt++) {
      const current = await this.get(entry.jobId);
      if (current && current.version >= entry.version) {
        return current.version === entry.version ? 'duplicate' : 'stale';
      }
      const left = (current?.calendarIds ?? []).filter(
        (calendarId) => !entry.calendarIds.includes(calendarId),
      );
      const items: TransactItem[] = [
        {
          Put: {
            TableName: this.#table,
            Item: { ...entryKey(entry.jobId), ...entry },
            ...(current
              ? {
                  ConditionExpression: 'version = :read',
                  ExpressionAttributeValues: { ':read': current.version },
                }
              : { ConditionExpression: 'attribute_not_exists(pk)' }),
          },
        },
        ...entry.calendarIds.map(
          (calendarId): TransactItem => ({
            Put: {
              TableName: this.#table,
              Item: {
                ...membershipKey(calendarId, entry.jobId),
                gsi1pk: `CAL#${calendarId}`,
                gsi1sk: `${entry.endsAt}#${entry.jobId}`,
                startsAt: entry.startsAt,
                entry,
              },
            },
          }),
        ),
        ...left.map(
          (calendarId): TransactItem => ({
            Delete: { TableName: this.#table, Key: membershipKey(calendarId, entry.jobId) },
          }),
        ),
      ];
      try {
        await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
        return 'saved';
      } catch (error) {
        // Only the entry's put has a condition: a refused one is a race lost to another save.
        if (!isConditionalCheckFailure(error)) throw error;
      }
    }
    throw new TransientError(`Calendar entry ${entry.jobId} kept changing while it was saved`);
  }

  async list(calendarId: string, range: { from: Date; to?: Date }): Promise<CalendarEntry[]> {
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      IndexName: 'byEnd',
      // `~` sorts after every job id character: entries ending exactly at `from` are left out.
      KeyConditionExpression: 'gsi1pk = :calendar AND gsi1sk > :from',
      ...(range.to ? { FilterExpression: 'startsAt < :to' } : {}),
      ExpressionAttributeValues: {
        ':calendar': `CAL#${calendarId}`,
        ':from': `${range.from.toISOString()}#~`,
        ...(range.to ? { ':to': range.to.toISOString() } : {}),
      },
    });
    const entries = items.map((item) => storedMembership(item).entry);
    return entries.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.jobId.localeCompare(b.jobId));
  }
}

/** Feed keys in the calendar table: one live key per calendar, a new one replaces the old. */
export class DynamoFeedKeyStore implements FeedKeyStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async put(record: FeedKeyRecord): Promise<void> {
    await this.#client.send(
      new PutCommand({ TableName: this.#table, Item: { ...feedKeyKey(record.calendarId), ...record } }),
    );
  }

  async get(calendarId: string): Promise<FeedKeyRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: feedKeyKey(calendarId), ConsistentRead: true }),
    );
    return Item ? storedFeedKey(Item) : undefined;
  }
}

/** Crew members' roster status in the calendar table, latest change kept. */
export class DynamoCrewStatusStore implements CrewStatusStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async record(status: CrewStatus): Promise<boolean> {
    // The change's instant is its version: ISO instants in UTC compare as strings, and a redelivery of
    // the same change is simply rewritten.
    const { written } = await recordIfNewer(this.#client, {
      table: this.#table,
      key: crewStatusKey(status.crewId),
      versionAttribute: 'changedAt',
      version: status.changedAt,
      orEqual: true,
      fields: { crewId: status.crewId, active: status.active },
    });
    return written;
  }

  async get(crewId: string): Promise<CrewStatus | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: crewStatusKey(crewId), ConsistentRead: true }),
    );
    return Item ? storedCrewStatus(Item) : undefined;
  }
}
