import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailure, queryAll, recordIfNewer } from '@qdn/shared/dynamo';
import { type JobOnBus, JobStatus, SmsAudience, SmsConsentSource } from '@qdn/shared/events';
import { IdempotencyLedger } from '@qdn/shared/idempotency';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { ConsentRestorationRecord } from '../domain/consent-restoration.ts';
import { recordedSms } from '../domain/delivery.ts';
import { jobRef } from '../domain/inbound.ts';
import type {
  ConsentRecord,
  DeliveryStatus,
  FailedAttempt,
  JobObserved,
  JobSnapshot,
  NotificationStore,
  OutboundSms,
  RecordedSms,
  SendClaim,
  SendOutcome,
  SendRecord,
  Suppression,
  TextingPermission,
  TimelineEntry,
  TrackingLinkSeen,
} from '../domain/ports.ts';
import { deliveryRank } from '../domain/timeline.ts';

/*
 * One table, keyed pk/sk:
 *   JOB#<jobId>    JOB                      the job as the last (highest-version) event showed it
 *   JOB#<jobId>    ENTRY#<eventId>          a timeline entry (one per event, however often delivered)
 *   JOB#<jobId>    SMS#<MessageSid>         the message's latest delivery status (forward only)
 *   JOB#<jobId>    CREW#<crewId>            the highest job version texted to the crew member (an older one is out of date)
 *   JOB#<jobId>    LINK                     the tracking link id a rotation named (highest version wins); the
 *                                           job events' link is on JOB: the higher version of the two is current
 *   SID#<sid>      CALLBACK#<status>#<error> each status callback, once (a replay stores nothing; TTL)
 *   SEND#<key>     SEND                     one SMS's idempotency record (expires after SEND_RECORD_TTL_DAYS)
 *   PHONE#<e164>   JOB#<jobId>              the number's jobs, for linking replies
 *   PHONE#<e164>   OPTOUT | TEXTED          suppression list (`at`: when the customer asked); "has had a text from us"
 *   PHONE#<e164>   RESUBSCRIBED             when the number last opted in again (START): an opt-out asked for
 *                                           before it is never written after it
 *   PHONE#<e164>   OPTIN#<brandId>#<at>     a consent to texts from the brand (kept, never changed); OPTIN#
 *                                           sorts before OPTOUT and TEXTED, so one Query reads all three
 *   PHONE#<e164>   REVIEW#<brandId>         when the brand last asked the number for a review
 *   PHONE#<e164>   RESTORED#<at>            a dispatcher undid a revocation read into a reply (audit)
 *   REF#<ref>      JOB#<jobId>              `#ABC123` references in team replies
 *   INBOUND#<sid>  DONE                     an inbound SMS fully handled
 */

const sendKey = (key: string) => ({ pk: `SEND#${key}`, sk: 'SEND' });
/** An SMS is sent once: its send record is done at version 1. */
const SEND_ONCE = 1;

// Items are checked where they are turned back into domain types (the stored* mappers below).
// biome-ignore lint/suspicious/noExplicitAny: a DynamoDB item is untyped at this boundary
type Item = Record<string, any>;

/** JOB#<jobId> / JOB: the job's id is its key's, not an attribute. */
const storedJob = storedRecord(
  'job snapshot',
  recordFields<Omit<JobSnapshot, 'jobId'>>()({
    brandId: z.string(),
    version: z.number(),
    status: JobStatus,
    serviceType: z.string(),
    firstName: z.string(),
    phone: z.string(),
    addressText: z.string(),
    date: z.string(),
    endDate: z.string().optional(),
    crewIds: z.array(z.string()).default([]),
    statusVersion: z.number().optional(),
    scheduleVersion: z.number().optional(),
  }),
);

const optionalString = z.string().optional();
const sendOutcome = z.union([
  recordFields<Extract<SendOutcome, { state: 'sent' }>>()({
    state: z.literal('sent'),
    messageSid: z.string(),
    status: z.string(),
  }),
  recordFields<Extract<SendOutcome, { state: 'failed' }>>()({
    state: z.literal('failed'),
    errorCode: optionalString,
    errorMessage: z.string(),
  }),
  recordFields<Extract<SendOutcome, { state: 'suppressed' }>>()({
    state: z.literal('suppressed'),
    reason: z.enum([
      'stale',
      'too-late',
      'opted-out',
      'no-consent',
      'complained',
      'recently-asked',
      'no-longer-due',
      'undone',
    ]),
  }),
]);

/** SEND#<key> / SEND without its key (the SMS's key is the item's) and the ledger's lease attributes. */
const storedSend = storedRecord(
  'send record',
  recordFields<Omit<SendRecord, 'key'>>()({
    brandId: z.string(),
    jobId: optionalString,
    version: z.number().optional(),
    to: z.string(),
    template: z.string(),
    audience: SmsAudience,
    body: z.string(),
    firstAttemptAt: z.string(),
    outcome: sendOutcome.optional(),
    settledAt: optionalString,
    failedAttempts: z
      .array(
        recordFields<FailedAttempt>()({
          at: z.string(),
          errorCode: optionalString,
          next: z.enum(['retried', 'retry-later', 'look-up']),
        }),
      )
      .optional(),
  }),
);

/**
 * JOB#<jobId> / ENTRY#<eventId>: an entry keeps whatever its event's line shows (TimelineEntry is open),
 * so the schema passes unknown fields through and leaves out only the keys and `recordedAt`.
 */
const storedTimelineEntry = storedRecord(
  'timeline entry',
  z
    .looseObject({
      jobId: z.string(),
      at: z.string(),
      type: z.string(),
      eventId: z.string(),
      actor: optionalString,
    })
    .transform(({ pk: _pk, sk: _sk, recordedAt: _recordedAt, ...entry }): TimelineEntry => entry),
);

/** JOB#<jobId> / SMS#<MessageSid>: the message's id is its key's; a status without an error stores null. */
const storedDelivery = storedRecord(
  'delivery status',
  recordFields<Omit<DeliveryStatus, 'messageSid'>>()({ status: z.string(), errorCode: optionalString }),
  { nullIsAbsent: true },
);

/** PHONE#<e164> / OPTOUT. */
const storedSuppression = storedRecord(
  'suppression',
  recordFields<Suppression>()({ source: z.string(), at: z.string(), messageSid: optionalString }),
);

export class DynamoNotificationStore implements NotificationStore {
  readonly #db: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #sendRecordTtlSeconds: number;
  /** SEND#<key> items: one lease per SMS (@qdn/shared/idempotency). */
  readonly #sends: IdempotencyLedger;

  constructor(db: DynamoDBDocumentClient, table: string, options: { sendRecordTtlDays: number }) {
    this.#db = db;
    this.#table = table;
    this.#sendRecordTtlSeconds = options.sendRecordTtlDays * 86_400;
    this.#sends = new IdempotencyLedger(db, { table });
  }

  async observeJob(
    job: JobOnBus,
    now: Date,
    options: { statusChanged?: boolean; scheduleChanged?: boolean } = {},
  ): Promise<JobObserved> {
    // The job's other items are written before the job item, measured against the job item as it was:
    // the job item is what the next event compares with, so it must not say they are written before they
    // are. A write that fails (or a Lambda that times out) leaves it as it was, and the retry, or the
    // next version's event, writes them again (each is idempotent). One read for it: most events (every
    // status change) write nothing else.
    const known = await this.#get(`JOB#${job.jobId}`, 'JOB');
    const since = changesSince(known, job);
    const knownStatusVersion = typeof known?.statusVersion === 'number' ? known.statusVersion : undefined;
    if (typeof known?.version === 'number' && known.version > job.version) {
      const moved = await this.#recordLateChange(job, known, options);
      if (moved === 'raced') return this.observeJob(job, now, options);
      return moved === undefined
        ? { stale: true, ...since }
        : { stale: true, ...since, previousStatusVersion: moved.previousStatusVersion };
    }
    await Promise.all(this.#jobItemWrites(job, known, now));
    const { written, previous } = await recordIfNewer(this.#db, {
      table: this.#table,
      key: { pk: `JOB#${job.jobId}`, sk: 'JOB' },
      version: job.version,
      // Equal versions pass: one job change can produce several events.
      orEqual: true,
      fields: {
        brandId: job.brandId,
        status: job.status,
        serviceType: job.serviceType,
        firstName: job.customer.firstName,
        phone: job.customer.phone,
        addressText: job.address.text,
        date: job.schedule.date,
        endDate: job.schedule.endDate ?? job.schedule.date,
        crewIds: job.crewIds,
        // Which consent the projection has recorded: the next event carrying the same one writes nothing.
        ...(job.smsConsent ? { consentAt: job.smsConsent.at } : {}),
        // The job's tracking link at this version, for currentTrackingLink: the job events' links cost
        // no write of their own (the LINK item keeps only what a rotation names).
        trackingLinkId: job.trackingLinkId,
        // The version the status last changed at: a held complete/cancelled text goes out only if its
        // status change is still the last one (not undone, not undone and redone); a late status text is
        // out of date only if a later status change was seen. The version the job was last (re)scheduled
        // at: a confirmation it overtook is out of date. A projection begun by another event has seen
        // neither (0), unlike one older than these attributes (absent: changesSince assumes the worst).
        ...(options.statusChanged
          ? { statusVersion: job.version }
          : known === undefined
            ? { statusVersion: 0 }
            : {}),
        // The status change it replaced, kept while the same one is seen again: a correction's retry
        // still finds the text it takes back.
        ...(options.statusChanged && knownStatusVersion !== job.version && knownStatusVersion !== undefined
          ? { priorStatusVersion: knownStatusVersion }
          : {}),
        ...(options.scheduleChanged
          ? { scheduleVersion: job.version }
          : known === undefined
            ? { scheduleVersion: 0 }
            : {}),
        updatedAt: now.toISOString(),
      },
      returnPrevious: true,
    });
    // A newer version was written since the read: measured again against it.
    if (!written) return this.observeJob(job, now, options);
    // The same status change seen again (a retry) replaced the one before it, not itself.
    const previousStatusVersion = changeVersion(
      previous?.statusVersion === job.version ? previous?.priorStatusVersion : previous?.statusVersion,
    );
    return previousStatusVersion === undefined
      ? { stale: false, ...since }
      : { stale: false, ...since, previousStatusVersion };
  }

  /**
   * A status or schedule change older than the job item but newer than the last one it records (a notes
   * change overtook it): its version is recorded all the same (the job item's state already shows it), so
   * a held complete text it undid is withheld and a text it makes wrong is stale. Nothing else is written.
   * `raced` when the item changed since it was read.
   */
  async #recordLateChange(
    job: JobOnBus,
    known: Item,
    options: { statusChanged?: boolean; scheduleChanged?: boolean },
  ): Promise<{ previousStatusVersion?: number } | 'raced' | undefined> {
    const statusVersion = typeof known.statusVersion === 'number' ? known.statusVersion : undefined;
    const scheduleVersion = typeof known.scheduleVersion === 'number' ? known.scheduleVersion : undefined;
    // Absent: a projection older than these attributes, which cannot say what came between.
    const status = options.statusChanged && statusVersion !== undefined && job.version > statusVersion;
    const schedule =
      options.scheduleChanged && scheduleVersion !== undefined && job.version > scheduleVersion;
    if (!status && !schedule) return undefined;
    const sets: string[] = [];
    const conditions: string[] = [];
    const values: Record<string, number> = { ':v': job.version };
    if (status) {
      sets.push('statusVersion = :v', 'priorStatusVersion = :status');
      conditions.push('statusVersion = :status');
      values[':status'] = statusVersion;
    }
    if (schedule) {
      sets.push('scheduleVersion = :v');
      conditions.push('scheduleVersion = :schedule');
      values[':schedule'] = scheduleVersion;
    }
    try {
      await this.#db.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: { pk: `JOB#${job.jobId}`, sk: 'JOB' },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return 'raced';
      throw error;
    }
    const previousStatusVersion = status ? changeVersion(statusVersion) : undefined;
    return previousStatusVersion === undefined ? {} : { previousStatusVersion };
  }

  /** The items besides JOB an event of the job needs that the job item `known` says are not written yet. */
  #jobItemWrites(job: JobOnBus, known: Item | undefined, now: Date): Promise<void>[] {
    // The lookup for replies (jobsForPhone) orders by date and reads each job's status from its JOB item:
    // it changes only with the job's number or date, so most events (every status change) skip it.
    const writes: Promise<void>[] = [];
    if (known?.phone !== job.customer.phone || known?.date !== job.schedule.date) {
      writes.push(
        this.#put({
          pk: `PHONE#${job.customer.phone}`,
          sk: `JOB#${job.jobId}`,
          date: job.schedule.date,
          updatedAt: now.toISOString(),
        }),
      );
    }
    const consent = job.smsConsent;
    if (consent && consent.phone === job.customer.phone && known?.consentAt !== consent.at) {
      writes.push(this.#recordConsent({ ...consent, brandId: job.brandId, jobId: job.jobId }));
    }
    if (known === undefined) {
      writes.push(
        this.#put({ pk: `REF#${jobRef(job.jobId)}`, sk: `JOB#${job.jobId}`, updatedAt: now.toISOString() }),
      );
    }
    return writes;
  }

  async sendRecord(key: string): Promise<SendRecord | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: sendKey(key), ConsistentRead: true }),
    );
    return Item ? recordOf(Item) : undefined;
  }

  async job(jobId: string): Promise<JobSnapshot | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({
        TableName: this.#table,
        Key: { pk: `JOB#${jobId}`, sk: 'JOB' },
        ConsistentRead: true,
      }),
    );
    return Item ? { jobId, ...storedJob(Item) } : undefined;
  }

  async jobsForPhone(phone: string): Promise<JobSnapshot[]> {
    const items = await this.#query(`PHONE#${phone}`, { prefix: 'JOB#' });
    // Most recently scheduled first, at most 20 looked at; a job whose phone has since changed no longer counts.
    const recent = items
      .sort(
        (a, b) =>
          String(b.date).localeCompare(String(a.date)) || String(b.updatedAt).localeCompare(a.updatedAt),
      )
      .slice(0, 20);
    const jobs = await Promise.all(recent.map((item) => this.job(String(item.sk).slice('JOB#'.length))));
    return jobs.filter((job): job is JobSnapshot => job !== undefined && job.phone === phone);
  }

  async jobByRef(ref: string): Promise<JobSnapshot | undefined> {
    const items = await this.#query(`REF#${ref.toUpperCase()}`, { prefix: 'JOB#' });
    const newest = items.sort((a, b) => String(b.updatedAt).localeCompare(a.updatedAt))[0];
    return newest ? this.job(String(newest.sk).slice('JOB#'.length)) : undefined;
  }

  async isSuppressed(phone: string): Promise<boolean> {
    return (await this.#get(`PHONE#${phone}`, 'OPTOUT')) !== undefined;
  }

  async textingPermission(phone: string, brandId: string): Promise<TextingPermission> {
    // OPTIN# … TEXTED also spans RESTORED# and REVIEW# (a few small items), not the number's JOB# ones:
    // one Query instead of a Query and a GetItem per text.
    const items = await this.#query(`PHONE#${phone}`, { between: ['OPTIN#', 'TEXTED'] });
    return {
      optedOut: items.some((item) => item.sk === 'OPTOUT'),
      consented: items.some((item) => String(item.sk).startsWith(`OPTIN#${brandId}#`)),
      texted: items.some((item) => item.sk === 'TEXTED'),
    };
  }

  async consentHistory(phone: string) {
    const items = await this.#query(`PHONE#${phone}`);
    const optOut = items.find((item) => item.sk === 'OPTOUT');
    return {
      consents: items.filter((item) => String(item.sk).startsWith('OPTIN#')).map(storedConsent),
      ...(optOut ? { optOut: storedSuppression(optOut) } : {}),
      restorations: items
        .filter((item) => String(item.sk).startsWith('RESTORED#'))
        .map((item) => {
          const { phone: _phone, ...restoration } = storedRestoration(item);
          return restoration;
        }),
    };
  }

  /** Once per consent: a record is evidence, so a redelivered event never rewrites it. */
  async #recordConsent(consent: ConsentRecord): Promise<void> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: `PHONE#${consent.phone}`, sk: `OPTIN#${consent.brandId}#${consent.at}`, ...consent },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  async suppression(phone: string): Promise<Suppression | undefined> {
    const item = await this.#get(`PHONE#${phone}`, 'OPTOUT');
    return item ? storedSuppression(item) : undefined;
  }

  async restoreConsent(
    phone: string,
    audit: { by: string; messageSid: string; at: Date; jobId: string; brandId: string },
  ): Promise<boolean> {
    try {
      // Only a reply's suppression: a STOP is also Twilio's (it blocks the number until START), and a
      // 21610 is Twilio's own record; lifting ours would change nothing but the timeline. The audit
      // record goes in the same transaction: no undo without its record, and its insert publishes
      // SmsConsentRestored (consentRestoredEventsOf).
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.#table,
                Key: { pk: `PHONE#${phone}`, sk: 'OPTOUT' },
                ConditionExpression: '#source = :reply',
                ExpressionAttributeNames: { '#source': 'source' },
                ExpressionAttributeValues: { ':reply': 'reply' },
              },
            },
            {
              Put: {
                TableName: this.#table,
                Item: {
                  pk: `PHONE#${phone}`,
                  sk: `RESTORED#${audit.at.toISOString()}`,
                  phone,
                  by: audit.by,
                  messageSid: audit.messageSid,
                  at: audit.at.toISOString(),
                  jobId: audit.jobId,
                  brandId: audit.brandId,
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
    return true;
  }

  async suppress(phone: string, source: string, at: Date, messageSid?: string): Promise<void> {
    try {
      await this.#db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              // Never after a later opt-in: a STOP redriven from the dead letters after the customer's
              // START must not silence them again.
              ConditionCheck: {
                TableName: this.#table,
                Key: { pk: `PHONE#${phone}`, sk: 'RESUBSCRIBED' },
                ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
                ExpressionAttributeNames: { '#at': 'at' },
                ExpressionAttributeValues: { ':at': at.toISOString() },
              },
            },
            {
              Put: {
                TableName: this.#table,
                Item: {
                  pk: `PHONE#${phone}`,
                  sk: 'OPTOUT',
                  source,
                  at: at.toISOString(),
                  ...(messageSid ? { messageSid } : {}),
                },
                // A reply's suppression is the one a dispatcher can lift (restoreConsent): it never
                // replaces one already on record, so a STOP or a 21610 never becomes liftable, and the
                // first reply's record (which message, when) stays. A STOP or a 21610 replaces anything.
                ...(source === 'reply' ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  async unsuppress(phone: string, at: Date): Promise<void> {
    const when = {
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: { ':at': at.toISOString() },
    };
    // The latest opt-in is kept (suppress reads it) before the opt-out it is later than goes: an opt-out
    // asked for after it (a START redriven from the dead letters after a STOP) stays.
    await this.#ignoringRefusal(() =>
      this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: `PHONE#${phone}`, sk: 'RESUBSCRIBED', at: at.toISOString() },
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :at',
          ...when,
        }),
      ),
    );
    await this.#ignoringRefusal(() =>
      this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { pk: `PHONE#${phone}`, sk: 'OPTOUT' },
          ConditionExpression: '#at < :at',
          ...when,
        }),
      ),
    );
  }

  async #ignoringRefusal(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  async reviewRequestedAt(phone: string, brandId: string): Promise<string | undefined> {
    const item = await this.#get(`PHONE#${phone}`, `REVIEW#${brandId}`);
    return item ? storedReviewRequest(item).at : undefined;
  }

  async claimReviewRequest(
    phone: string,
    brandId: string,
    key: string,
    now: Date,
    since: Date,
  ): Promise<boolean> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: { pk: `PHONE#${phone}`, sk: `REVIEW#${brandId}`, at: now.toISOString(), key },
          // One claim per interval: of two requests at once (two jobs completed together) one is sent.
          // The same request again (a retry) keeps its claim.
          ConditionExpression: 'attribute_not_exists(pk) OR #at < :since OR #key = :key',
          ExpressionAttributeNames: { '#at': 'at', '#key': 'key' },
          ExpressionAttributeValues: { ':since': since.toISOString(), ':key': key },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailure(error)) return false;
      throw error;
    }
  }

  async releaseReviewRequest(phone: string, brandId: string, key: string): Promise<void> {
    // (What it replaced was older than the interval: no claim.)
    await this.#ignoringRefusal(() =>
      this.#db.send(
        new DeleteCommand({
          TableName: this.#table,
          Key: { pk: `PHONE#${phone}`, sk: `REVIEW#${brandId}` },
          ConditionExpression: '#key = :key',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':key': key },
        }),
      ),
    );
  }

  async claimCrewMessageVersion(jobId: string, crewId: string, version: number): Promise<boolean> {
    // Equal passes: a retry of the same message, or another kind at the same version.
    const { written } = await recordIfNewer(this.#db, {
      table: this.#table,
      key: { pk: `JOB#${jobId}`, sk: `CREW#${crewId}` },
      version,
      orEqual: true,
      fields: {},
    });
    return written;
  }

  async markTexted(phone: string, now: Date): Promise<void> {
    await this.#put({ pk: `PHONE#${phone}`, sk: 'TEXTED', at: now.toISOString() });
  }

  async claimSend(sms: OutboundSms, now: Date, leaseMs: number): Promise<SendClaim> {
    // The first attempt's body and time stay: a retry sends (and looks up) what was first claimed.
    const claim = await this.#sends.claim(sendKey(sms.key), SEND_ONCE, {
      now,
      leaseMs,
      set: { expiresAt: this.#sendExpiry(now) },
      setIfAbsent: { ...recordedSms(sms), body: sms.body, firstAttemptAt: now.toISOString() },
    });
    switch (claim.kind) {
      case 'done':
        return { kind: 'done', record: recordOf(claim.item) };
      case 'busy':
        return { kind: 'busy' };
      case 'claimed': {
        const { previous, leaseToken } = claim;
        const record: SendRecord = {
          ...recordedSms(sms),
          body: (previous?.body as string | undefined) ?? sms.body,
          firstAttemptAt: (previous?.firstAttemptAt as string | undefined) ?? now.toISOString(),
        };
        return { kind: claim.uncertain ? 'uncertain' : 'new', record, leaseToken };
      }
    }
  }

  async settleSend(
    sms: RecordedSms,
    body: string,
    outcome: SendOutcome,
    now: Date,
    attempt: { leaseToken?: string | undefined; failedAttempts?: FailedAttempt[] } = {},
  ): Promise<SendRecord> {
    // The record keeps what the outcome's event needs (the stream derives it from this write); what an
    // earlier attempt stored stays as it was. A settled record never changes: a second outcome gets the first.
    const { item } = await this.#sends.complete(sendKey(sms.key), SEND_ONCE, {
      leaseToken: attempt.leaseToken,
      append: { failedAttempts: attempt.failedAttempts ?? [] },
      // Twilio took the text (or refused it for good) even if the lease lapsed meanwhile: record it.
      whenLeaseLost: 'record',
      set: { outcome, settledAt: now.toISOString(), expiresAt: this.#sendExpiry(now) },
      setIfAbsent: { ...recordedSms(sms), body, firstAttemptAt: now.toISOString() },
    });
    return recordOf(item);
  }

  async releaseSend(key: string, leaseToken: string, failedAttempts: FailedAttempt[] = []): Promise<void> {
    await this.#sends.release(sendKey(key), leaseToken, { append: { failedAttempts } });
  }

  async markSendUncertain(
    key: string,
    leaseToken: string,
    failedAttempts: FailedAttempt[] = [],
  ): Promise<void> {
    await this.#sends.release(sendKey(key), leaseToken, { uncertain: true, append: { failedAttempts } });
  }

  #sendExpiry(now: Date): number {
    return Math.floor(now.getTime() / 1000) + this.#sendRecordTtlSeconds;
  }

  async isInboundDone(messageSid: string): Promise<boolean> {
    return (await this.#get(`INBOUND#${messageSid}`, 'DONE')) !== undefined;
  }

  async markInboundDone(messageSid: string, now: Date): Promise<void> {
    await this.#put({
      pk: `INBOUND#${messageSid}`,
      sk: 'DONE',
      at: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + this.#sendRecordTtlSeconds,
    });
  }

  async recordDelivery(
    jobId: string,
    delivery: DeliveryStatus,
    raw: Record<string, string>,
    now: Date,
  ): Promise<'moved' | 'kept' | 'duplicate'> {
    // The status first: it only moves forward, so doing it again for a replay changes nothing, and a
    // callback whose record is written (a replay's "duplicate") has always moved it. (Kept first, a record
    // written before a failed move made Twilio's retry a duplicate: the status never moved.)
    const moved = await this.#moveStatusForward(jobId, delivery, now);
    // Keyed on what Twilio signs (message, status, error), not on the unsigned idempotency header or
    // the time: a replayed signed callback finds its record and changes nothing. Records expire with
    // the send records.
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: `SID#${delivery.messageSid}`,
            sk: `CALLBACK#${delivery.status}#${delivery.errorCode ?? ''}`,
            jobId,
            raw,
            receivedAt: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + this.#sendRecordTtlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailure(error)) return 'duplicate';
      throw error;
    }
    return moved ? 'moved' : 'kept';
  }

  async #moveStatusForward(jobId: string, delivery: DeliveryStatus, now: Date): Promise<boolean> {
    // Forward only, the status's rank as its version: a late "sent" never overwrites "delivered"; a
    // final status never changes.
    const { written } = await recordIfNewer(this.#db, {
      table: this.#table,
      key: { pk: `JOB#${jobId}`, sk: `SMS#${delivery.messageSid}` },
      versionAttribute: 'rank',
      version: deliveryRank(delivery.status),
      fields: {
        status: delivery.status,
        errorCode: delivery.errorCode ?? null,
        updatedAt: now.toISOString(),
      },
    });
    return written;
  }

  async recordTrackingLink(link: TrackingLinkSeen): Promise<void> {
    // Out of order is normal: an older event never brings back a rotated link.
    await recordIfNewer(this.#db, {
      table: this.#table,
      key: { pk: `JOB#${link.jobId}`, sk: 'LINK' },
      version: link.version,
      orEqual: true,
      fields: { linkId: link.linkId },
    });
  }

  async currentTrackingLink(jobId: string): Promise<string | undefined> {
    // JOB (the link the job events showed) and LINK (what a rotation named), the only keys from JOB to
    // LINK in a job's partition: the higher version's link is current (a rotation wins a tie).
    const { Items = [] } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :job AND :link',
        ExpressionAttributeValues: { ':pk': `JOB#${jobId}`, ':job': 'JOB', ':link': 'LINK' },
        ConsistentRead: true,
      }),
    );
    const seen = Items.flatMap((item) => {
      const linkId = item.sk === 'LINK' ? item.linkId : item.sk === 'JOB' ? item.trackingLinkId : undefined;
      return typeof linkId === 'string'
        ? [{ linkId, version: Number(item.version), rotation: item.sk === 'LINK' }]
        : [];
    });
    seen.sort((a, b) => b.version - a.version || Number(b.rotation) - Number(a.rotation));
    return seen[0]?.linkId;
  }

  async addTimelineEntry(entry: TimelineEntry): Promise<void> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#table,
          // recordedAt: when the fan-out reached the timeline (bench:fanout measures up to here).
          Item: {
            ...entry,
            pk: `JOB#${entry.jobId}`,
            sk: `ENTRY#${entry.eventId}`,
            recordedAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
    }
  }

  async timeline(jobId: string) {
    const items = await this.#query(`JOB#${jobId}`);
    const entries: TimelineEntry[] = [];
    const deliveries = new Map<string, DeliveryStatus>();
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith('ENTRY#')) entries.push(storedTimelineEntry(item));
      if (sk.startsWith('SMS#')) {
        const messageSid = sk.slice('SMS#'.length);
        deliveries.set(messageSid, { messageSid, ...storedDelivery(item) });
      }
    }
    return { entries, deliveries };
  }

  async #get(pk: string, sk: string): Promise<Item | undefined> {
    const { Item } = await this.#db.send(
      new GetCommand({ TableName: this.#table, Key: { pk, sk }, ConsistentRead: true }),
    );
    return Item;
  }

  async #put(item: Record<string, unknown>): Promise<void> {
    await this.#db.send(new PutCommand({ TableName: this.#table, Item: item }));
  }

  /**
   * A partition's items, all pages, read consistently (a record written a moment ago counts): all of
   * them, those whose sort key starts with `prefix`, or those `between` two sort keys (inclusive).
   */
  async #query(pk: string, sk?: { prefix: string } | { between: [string, string] }): Promise<Item[]> {
    const [condition, values] =
      sk === undefined
        ? ['pk = :pk', {}]
        : 'prefix' in sk
          ? ['pk = :pk AND begins_with(sk, :prefix)', { ':prefix': sk.prefix }]
          : ['pk = :pk AND sk BETWEEN :from AND :to', { ':from': sk.between[0], ':to': sk.between[1] }];
    return queryAll(this.#db, {
      TableName: this.#table,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: { ':pk': pk, ...values },
      ConsistentRead: true,
    });
  }
}

/**
 * Whether the projection `known` has seen a status or schedule change newer than `version`. A projection
 * written before it kept one of them (no statusVersion, no scheduleVersion) says any newer version may
 * have been one.
 */
function changesSince(
  known: Item | undefined,
  job: JobOnBus,
): Pick<JobObserved, 'statusChangedSince' | 'scheduleChangedSince' | 'numberChangedSince'> {
  const { version } = job;
  const knownVersion = typeof known?.version === 'number' ? known.version : undefined;
  const newer = (attribute: number | undefined) =>
    knownVersion !== undefined && (attribute ?? knownVersion) > version;
  return {
    numberChangedSince: newer(knownVersion) && known?.phone !== job.customer.phone,
    statusChangedSince: newer(typeof known?.statusVersion === 'number' ? known.statusVersion : undefined),
    scheduleChangedSince: newer(
      typeof known?.scheduleVersion === 'number' ? known.scheduleVersion : undefined,
    ),
  };
}

/** A recorded change's version; 0 (a projection begun by another event: none seen) is none. */
const changeVersion = (version: unknown): number | undefined =>
  typeof version === 'number' && version > 0 ? version : undefined;

function recordOf(item: Record<string, unknown>): SendRecord {
  return { key: String(item.pk).slice('SEND#'.length), ...storedSend(item) };
}

/** PHONE#<e164> / REVIEW#<brandId>: when the brand last asked the number for a review. */
const storedReviewRequest = storedRecord(
  'review request',
  recordFields<{ at: string }>()({ at: z.string() }),
);

/** PHONE#<e164> / OPTIN#<brandId>#<at>: a consent to texts. */
const storedConsent = storedRecord(
  'consent',
  recordFields<ConsentRecord>()({
    phone: z.string(),
    brandId: z.string(),
    source: SmsConsentSource,
    statement: z.string(),
    at: z.string(),
    by: z.string(),
    jobId: optionalString,
  }),
);

/** PHONE#<e164> / RESTORED#<at>: a consent restoration's audit record. */
const storedRestoration = storedRecord(
  'consent restoration',
  recordFields<ConsentRestorationRecord>()({
    phone: z.string(),
    by: z.string(),
    messageSid: z.string(),
    at: z.string(),
    jobId: z.string(),
    brandId: z.string(),
  }),
);

/**
 * A consent restoration's audit record from a messages-table item as the stream carries it (undefined for
 * every other item); a record without what its event needs is an error, not a half event.
 */
export function restorationRecordOf(
  item: Record<string, unknown> | undefined,
): ConsentRestorationRecord | undefined {
  if (typeof item?.sk !== 'string' || !item.sk.startsWith('RESTORED#')) return undefined;
  return storedRestoration(item);
}

/**
 * A send record from a messages-table item as the stream carries it (undefined for every other item):
 * what outcomeEventsOf derives the SMS's event from.
 */
export function sendRecordOf(item: Record<string, unknown> | undefined): SendRecord | undefined {
  return item?.sk === 'SEND' && String(item.pk).startsWith('SEND#') ? recordOf(item) : undefined;
}
