import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll, isConditionalCheckFailure, queryAll } from '@qdn/shared/dynamo';
import type { Arrival } from '../domain/arrival.ts';
import { earlierStartsThrough, type TrailerBookings } from '../domain/fleet.ts';
import type { GeocodedAddress, GeocodeStore, UnplacedAddress } from '../domain/geocoding.ts';
import type { JobRecord } from '../domain/job.ts';
import {
  type JobRepository,
  StaleVersionError,
  type TrackingLinkRecord,
  TrailerBookedError,
  type TrailerClaims,
} from '../domain/ports.ts';
import { storedJob, storedLink } from './stored-job.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

// One table, several kinds of item (single-table design):
//   JOB#<jobId> / JOB                 the job; GSI byDate: DATE#<date> / <jobId>; while `requested`
//                                     also GSI byRequest: REQUESTED / <createdAt>#<jobId> (sparse);
//                                     over several days also GSI bySpan: SPAN#<year of date> / <date> (sparse)
//   LINK#<sha256(token)> / LINK        a live tracking link: its id and job, never the token (deleted when rotated)
//   TRAILER#<trailerId>#<day> / CLAIM  who has a trailer that day (conditional puts make double booking impossible)
const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
const linkKey = (tokenHash: string) => ({ pk: `LINK#${tokenHash}`, sk: 'LINK' });
const claimKey = (trailerId: string, day: string) => ({ pk: `TRAILER#${trailerId}#${day}`, sk: 'CLAIM' });

/**
 * The item of a job. Web bookings waiting for a dispatcher are also in the sparse index byRequest,
 * oldest first: every write puts the whole item, so confirming or declining (any other status) takes
 * the job out of it. A job over several days (a rental, drop-off to pick-up) is also in the sparse index
 * bySpan, by the year and day it starts, so the board of each of its later days finds it (listByDate).
 */
function jobItem(job: JobRecord) {
  const { date, endDate } = job.schedule;
  return {
    ...jobKey(job.jobId),
    gsi1pk: `DATE#${date}`,
    gsi1sk: job.jobId,
    ...(job.status === 'requested'
      ? { gsi2pk: 'REQUESTED', gsi2sk: `${job.createdAt ?? job.updatedAt}#${job.jobId}` }
      : {}),
    ...(endDate && endDate > date ? { gsi3pk: spanKey(date), gsi3sk: date } : {}),
    ...job,
  };
}

const spanKey = (date: string) => `SPAN#${date.slice(0, 4)}`;

/** A save found the version it expected, and a geocoder's note the job it saves doesn't carry. */
class GeocoderNoteAddedError extends Error {
  override name = 'GeocoderNoteAddedError';
  readonly stored: JobRecord;
  constructor(stored: JobRecord) {
    super('The geocoder noted the address as not found since the job was read');
    this.stored = stored;
  }
}

/** The jobs table through the DynamoDB document client. */
export class DynamoJobRepository implements JobRepository, GeocodeStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  #claimItems(job: JobRecord, trailer: TrailerClaims): TransactItem[] {
    const items: TransactItem[] = [];
    for (const day of trailer.claim?.days ?? []) {
      items.push({
        Put: {
          TableName: this.#table,
          Item: {
            ...claimKey(trailer.claim!.trailerId, day),
            jobId: job.jobId,
            day,
            trailerId: trailer.claim!.trailerId,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR jobId = :jobId',
          ExpressionAttributeValues: { ':jobId': job.jobId },
        },
      });
    }
    for (const day of trailer.release?.days ?? []) {
      items.push({
        Delete: {
          TableName: this.#table,
          Key: claimKey(trailer.release!.trailerId, day),
          ConditionExpression: 'attribute_not_exists(pk) OR jobId = :jobId',
          ExpressionAttributeValues: { ':jobId': job.jobId },
        },
      });
    }
    return items;
  }

  /** `expectedVersion`: the version a save's put is conditioned on (none for a create). */
  async #write(
    items: TransactItem[],
    job: JobRecord,
    trailer: TrailerClaims,
    expectedVersion?: number,
  ): Promise<void> {
    try {
      await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      // Item 0 is the job (conditioned on the version read), then one claim per day.
      if (isConditionalCheckFailure(error, { item: 0 })) {
        const stored = await this.get(job.jobId);
        const noteOnly =
          expectedVersion !== undefined &&
          stored?.version === expectedVersion &&
          stored.address.notFound !== undefined &&
          job.address.notFound === undefined;
        if (noteOnly) throw new GeocoderNoteAddedError(stored);
        throw new StaleVersionError(stored?.version);
      }
      const claimed = trailer.claim?.days ?? [];
      const failedDay = claimed.find((_, index) => isConditionalCheckFailure(error, { item: index + 1 }));
      if (failedDay && trailer.claim) {
        const { Item } = await this.#client.send(
          new GetCommand({ TableName: this.#table, Key: claimKey(trailer.claim.trailerId, failedDay) }),
        );
        throw new TrailerBookedError(trailer.claim.trailerId, failedDay, String(Item?.jobId ?? 'unknown'));
      }
      throw error;
    }
  }

  async create(
    job: JobRecord,
    link: TrackingLinkRecord,
    trailer: TrailerClaims,
    importedLinks: readonly TrackingLinkRecord[] = [],
  ): Promise<void> {
    await this.#write(
      [
        {
          Put: {
            TableName: this.#table,
            Item: jobItem(job),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...this.#claimItems(job, trailer),
        { Put: { TableName: this.#table, Item: { ...linkKey(link.tokenHash), ...link } } },
        // An old token is never taken over from another job (the write fails whole instead).
        ...importedLinks.map((old) => ({
          Put: {
            TableName: this.#table,
            Item: { ...linkKey(old.tokenHash), ...old },
            ConditionExpression: 'attribute_not_exists(pk) OR jobId = :jobId',
            ExpressionAttributeValues: { ':jobId': job.jobId },
          },
        })),
      ],
      job,
      trailer,
    );
  }

  async save(
    job: JobRecord,
    expectedVersion: number,
    trailer: TrailerClaims,
    link?: { issue: TrackingLinkRecord; revokeTokenHash: string | undefined },
  ): Promise<void> {
    try {
      await this.#save(job, expectedVersion, trailer, link, { keepsGeocoderNote: true });
    } catch (error) {
      if (!(error instanceof GeocoderNoteAddedError)) throw error;
      // The geocoder noted meanwhile that the address can't be placed (a write without a new version):
      // the job keeps the note when its address is still the text looked up; an address changed since
      // goes without it (the new text is geocoded afresh). Either way nothing else changed, so no 409.
      const { notFound } = error.stored.address;
      const sameText = error.stored.address.text === job.address.text && job.address.lat === undefined;
      const merged = sameText ? { ...job, address: { ...job.address, notFound } } : job;
      await this.#save(merged, expectedVersion, trailer, link, { keepsGeocoderNote: false });
    }
  }

  async #save(
    job: JobRecord,
    expectedVersion: number,
    trailer: TrailerClaims,
    link: { issue: TrackingLinkRecord; revokeTokenHash: string | undefined } | undefined,
    options: { keepsGeocoderNote: boolean },
  ): Promise<void> {
    // The whole item is put, so a geocoder's note written after the job was read would be dropped (and
    // the stream would publish the address as changed): unless the job carries the note, the put also
    // requires that the stored job has none.
    const guardsNote = options.keepsGeocoderNote && job.address.notFound === undefined;
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.#table,
          Item: jobItem(job),
          ConditionExpression: guardsNote
            ? 'version = :expected AND attribute_not_exists(#address.notFound)'
            : 'version = :expected',
          ...(guardsNote ? { ExpressionAttributeNames: { '#address': 'address' } } : {}),
          ExpressionAttributeValues: { ':expected': expectedVersion },
        },
      },
      ...this.#claimItems(job, trailer),
    ];
    if (link) {
      items.push({
        Put: { TableName: this.#table, Item: { ...linkKey(link.issue.tokenHash), ...link.issue } },
      });
      if (link.revokeTokenHash)
        items.push({ Delete: { TableName: this.#table, Key: linkKey(link.revokeTokenHash) } });
    }
    await this.#write(items, job, trailer, expectedVersion);
  }

  async get(jobId: string): Promise<JobRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: jobKey(jobId), ConsistentRead: true }),
    );
    return Item ? storedJob(Item) : undefined;
  }

  /**
   * Every job one of whose days is `date`: those starting that day (byDate), and the multi-day ones that
   * started in the MAX_JOB_DAYS - 1 days before and end on it or later (bySpan, keyed by start year, so
   * one query, two across a year end). What is read is bounded by the multi-day jobs started in that
   * window, never the whole table.
   */
  async listByDate(date: string): Promise<JobRecord[]> {
    const { from, to } = earlierStartsThrough(date);
    const pages = await Promise.all([
      queryAll(this.#client, {
        TableName: this.#table,
        IndexName: 'byDate',
        KeyConditionExpression: 'gsi1pk = :date',
        ExpressionAttributeValues: { ':date': `DATE#${date}` },
      }),
      ...[...new Set([spanKey(from), spanKey(to)])].map((year) =>
        queryAll(this.#client, {
          TableName: this.#table,
          IndexName: 'bySpan',
          KeyConditionExpression: 'gsi3pk = :year AND gsi3sk BETWEEN :from AND :to',
          FilterExpression: '#schedule.endDate >= :date',
          ExpressionAttributeNames: { '#schedule': 'schedule' },
          ExpressionAttributeValues: { ':year': year, ':from': from, ':to': to, ':date': date },
        }),
      ),
    ]);
    return pages.flat().map(storedJob);
  }

  async listRequested(limit: number): Promise<JobRecord[]> {
    const items = await queryAll(
      this.#client,
      {
        TableName: this.#table,
        IndexName: 'byRequest',
        KeyConditionExpression: 'gsi2pk = :requested',
        ExpressionAttributeValues: { ':requested': 'REQUESTED' },
        ScanIndexForward: true,
      },
      { limit },
    );
    return items.map(storedJob);
  }

  async recordArrival(jobId: string, arrival: Arrival, change: { at: string; by: string }): Promise<boolean> {
    // An update in place, not a read-modify-write: two batches of points racing each other cannot both
    // win the condition, so the stream sees arrivingAt set exactly once and JobArriving goes out once.
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: jobKey(jobId),
          UpdateExpression:
            'SET arrivingAt = :arrivingAt, arrivingDistanceMeters = :distance, updatedAt = :at, updatedBy = :by, version = version + :one',
          ConditionExpression:
            'attribute_exists(pk) AND #status = :enRoute AND attribute_not_exists(arrivingAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':arrivingAt': arrival.arrivingAt,
            ':distance': arrival.distanceMeters,
            ':at': change.at,
            ':by': change.by,
            ':one': 1,
            ':enRoute': 'en_route',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async recordGeocode(jobId: string, address: GeocodedAddress, by: string): Promise<boolean> {
    return this.#recordGeocoderOutcome(jobId, address.text, by, address.geocodedAt, {
      set: '#address.lat = :lat, #address.lng = :lng, #address.geocoded = :geocoded',
      values: {
        ':lat': address.lat,
        ':lng': address.lng,
        ':geocoded': { label: address.label, relevance: address.relevance, at: address.geocodedAt },
      },
    });
  }

  async recordNotFound(jobId: string, address: UnplacedAddress, by: string): Promise<boolean> {
    return this.#recordGeocoderOutcome(jobId, address.text, by, address.at, {
      set: '#address.notFound = :notFound',
      values: { ':notFound': { reason: address.reason, at: address.at } },
      condition: 'attribute_not_exists(#address.notFound)',
      // A note for staff, not a change of the job: no new version, so no event for every consumer to
      // act on (a second SCC sync, a calendar push) and no 409 for a dispatcher saving what they read.
      // Later events carry it (JobOnBus address.notFound), which keeps the geocode rule from asking again.
      newVersion: false,
    });
  }

  /**
   * The geocoder's write, in place and conditional on the text that was looked up: a dispatcher who
   * changed the address (or gave coordinates) meanwhile keeps theirs, and the version bump makes a stale
   * full-item write of theirs fail as any concurrent edit does rather than drop this outcome.
   */
  async #recordGeocoderOutcome(
    jobId: string,
    text: string,
    by: string,
    at: string,
    write: { set: string; values: Record<string, unknown>; condition?: string; newVersion?: boolean },
  ): Promise<boolean> {
    const newVersion = write.newVersion ?? true;
    try {
      await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: jobKey(jobId),
          UpdateExpression: newVersion
            ? `SET ${write.set}, updatedAt = :at, updatedBy = :by, version = version + :one`
            : `SET ${write.set}`,
          ConditionExpression: [
            'attribute_exists(pk) AND #address.#text = :text AND attribute_not_exists(#address.lat) AND attribute_not_exists(#address.lng)',
            ...(write.condition ? [write.condition] : []),
          ].join(' AND '),
          ExpressionAttributeNames: { '#address': 'address', '#text': 'text' },
          ExpressionAttributeValues: {
            ...write.values,
            ':text': text,
            ...(newVersion ? { ':at': at, ':by': by, ':one': 1 } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async findLink(tokenHash: string): Promise<TrackingLinkRecord | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: linkKey(tokenHash) }),
    );
    return Item ? storedLink(Item) : undefined;
  }

  async trailerBookings(trailerIds: readonly string[], days: readonly string[]): Promise<TrailerBookings> {
    const bookings: TrailerBookings = new Map(trailerIds.map((trailerId) => [trailerId, new Map()]));
    const keys = trailerIds.flatMap((trailerId) => days.map((day) => claimKey(trailerId, day)));
    const claims = await batchGetAll(this.#client, this.#table, keys, {
      what: 'trailer claims',
      read: { ProjectionExpression: 'trailerId, #day, jobId', ExpressionAttributeNames: { '#day': 'day' } },
    });
    for (const item of claims) {
      bookings.get(String(item.trailerId))?.set(String(item.day), String(item.jobId));
    }
    return bookings;
  }
}
