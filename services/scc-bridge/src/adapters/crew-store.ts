import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { batchGetAll, isConditionalCheckFailure, queryAll } from '@qdn/shared/dynamo';
import { ConflictError } from '@qdn/shared/errors';
import { CrewMessageKind, JobStatus } from '@qdn/shared/events';
import { IdempotencyLedger } from '@qdn/shared/idempotency';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type { ChecklistTick, StoredTick } from '../domain/checklist.ts';
import type { CrewMember } from '../domain/crew-member.ts';
import { CrewView } from '../domain/crew-view.ts';
import type {
  CharterClaim,
  CharterRecord,
  CharterStore,
  CrewLink,
  CrewRoster,
  SccState,
} from '../domain/ports.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

// One table, several kinds of item (single-table design):
//   ROSTER / CREW#<crewId>          a crew member (the roster is one small partition: listed with a Query)
//   JOB#<jobId> / CHARTER           the bridge's record of a charter: highest version, SCC event, crew view
//   JOB#<jobId> / LINK#<crewId>     a crew member's magic link for that charter (linkId + token hash)
//   JOB#<jobId> / CHECK#<itemId>    a checklist item as the crew ticked it
//   TOKEN#<sha256(token)> / TOKEN   a live link's lookup (deleted on revoke; TTL after expiry)
const rosterKey = (crewId: string) => ({ pk: 'ROSTER', sk: `CREW#${crewId}` });
const charterKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'CHARTER' });
const linkKey = (jobId: string, crewId: string) => ({ pk: `JOB#${jobId}`, sk: `LINK#${crewId}` });
const tickKey = (jobId: string, itemId: string) => ({ pk: `JOB#${jobId}`, sk: `CHECK#${itemId}` });
const tokenKey = (tokenHash: string) => ({ pk: `TOKEN#${tokenHash}`, sk: 'TOKEN' });

const DAY_SECONDS = 24 * 60 * 60;
/** Token lookups are removed by TTL a day after the link expired (reads check the expiry themselves). */
const purgeAt = (expiresAt: string) => Math.floor(Date.parse(expiresAt) / 1000) + DAY_SECONDS;

// The table's records, read back through @qdn/shared/stored-record: keys, the charter's lease (the
// idempotency ledger's attributes) and TTLs are left out by the schemas; a corrupt item is an error
// naming its key. Types, not formats: every record was validated on its way in.
const optionalString = z.string().optional();

const storedMember = storedRecord(
  'crew member',
  recordFields<CrewMember>()({
    crewId: z.string(),
    name: z.string(),
    phone: z.string(),
    email: optionalString,
    role: z.string(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    updatedBy: z.string(),
    version: z.number().optional(),
  }),
);

const sccLastSync = recordFields<NonNullable<CharterRecord['sccLastSync']>>()({
  version: z.number(),
  action: z.enum(['created', 'updated', 'deleted']),
  sccEventId: z.string(),
});

const sccFields = {
  sccEventId: optionalString,
  sccBodyHash: optionalString,
  sccLastSync: sccLastSync.optional(),
};
/** The charter's SCC state, kept on its item (recordSccSync stores "no last sync" as null). */
const storedSccState = storedRecord('charter SCC state', recordFields<SccState>()(sccFields), {
  nullIsAbsent: true,
});

const storedCharter = storedRecord(
  'charter',
  recordFields<CharterRecord>()({
    jobId: z.string(),
    brandId: z.string(),
    serviceType: z.string(),
    version: z.number(),
    status: JobStatus,
    crewIds: z.array(z.string()),
    // The crew view's own schema (domain/crew-view.ts): it was parsed with it when built.
    crewView: CrewView,
    scheduleKey: z.string(),
    ...sccFields,
    unavailableCrewIds: z.array(z.string()),
    updatedAt: z.string(),
  }),
  { nullIsAbsent: true },
);

const storedLink = storedRecord(
  'crew link',
  recordFields<CrewLink>()({
    jobId: z.string(),
    crewId: z.string(),
    linkId: z.string(),
    tokenHash: z.string(),
    issuedAt: z.string(),
    expiresAt: z.string(),
    revokedAt: optionalString,
    notifiedScheduleKey: optionalString,
    lastMessage: recordFields<NonNullable<CrewLink['lastMessage']>>()({
      version: z.number(),
      kind: CrewMessageKind,
      messageId: z.string(),
      at: z.string(),
    }).optional(),
  }),
);

/** TOKEN#<sha256(token)> / TOKEN: a live link's lookup. */
const storedToken = storedRecord(
  'crew link token',
  recordFields<{ jobId: string; crewId: string; linkId: string }>()({
    jobId: z.string(),
    crewId: z.string(),
    linkId: z.string(),
  }),
);

const tickFields = {
  itemId: z.string(),
  done: z.boolean(),
  byCrewId: z.string(),
  byFirstName: z.string(),
  at: z.string(),
  revision: z.number(),
};
const storedTick = storedRecord('checklist tick', recordFields<ChecklistTick>()(tickFields));
/** The stream's view of a tick keeps what its event names (ticks stored before they kept it have none). */
const storedTickWithEvent = storedRecord(
  'checklist tick',
  recordFields<StoredTick>()({
    ...tickFields,
    jobId: optionalString,
    brandId: optionalString,
    label: optionalString,
  }),
);

/** A checklist tick from a crew-table item as the stream carries it (undefined for every other item). */
export function storedTickOf(item: Record<string, unknown> | undefined): StoredTick | undefined {
  return typeof item?.sk === 'string' && item.sk.startsWith('CHECK#') ? storedTickWithEvent(item) : undefined;
}

/** A roster member from a crew-table item as the stream carries it (undefined for every other item). */
export function storedMemberOf(item: Record<string, unknown> | undefined): CrewMember | undefined {
  return item?.pk === 'ROSTER' && typeof item.sk === 'string' && item.sk.startsWith('CREW#')
    ? storedMember(item)
    : undefined;
}

/** The crew roster in the bridge's table. */
export class DynamoCrewRoster implements CrewRoster {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async create(member: CrewMember): Promise<void> {
    await this.#client.send(
      new PutCommand({
        TableName: this.#table,
        Item: { ...rosterKey(member.crewId), ...member },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(crewId: string): Promise<CrewMember | undefined> {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: rosterKey(crewId), ConsistentRead: true }),
    );
    return Item ? storedMember(Item) : undefined;
  }

  async list(): Promise<CrewMember[]> {
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :roster AND begins_with(sk, :crew)',
      ExpressionAttributeValues: { ':roster': 'ROSTER', ':crew': 'CREW#' },
    });
    return items.map(storedMember);
  }

  async save(member: CrewMember): Promise<void> {
    // The whole item, over the version it was changed from: a member read before another admin's
    // change (a deactivation) is never put back over it.
    const readVersion = (member.version ?? 1) - 1;
    try {
      await this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: { ...rosterKey(member.crewId), ...member },
          ConditionExpression:
            readVersion > 0
              ? 'attribute_exists(pk) AND version = :read'
              : 'attribute_exists(pk) AND attribute_not_exists(version)',
          ...(readVersion > 0 ? { ExpressionAttributeValues: { ':read': readVersion } } : {}),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      throw new ConflictError('The crew member was changed since you loaded them; load them again', [
        { field: 'crewId', crewId: member.crewId },
      ]);
    }
  }

  async getMany(crewIds: readonly string[]): Promise<Map<string, CrewMember>> {
    const items = await batchGetAll(this.#client, this.#table, [...new Set(crewIds)].map(rosterKey), {
      what: 'roster members',
      maxAttempts: 6,
      read: { ConsistentRead: true },
    });
    return new Map(items.map((item) => storedMember(item)).map((member) => [member.crewId, member]));
  }
}

/** Charters, crew links, their token lookups and checklist ticks in the bridge's table. */
export class DynamoCharterStore implements CharterStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  /** JOB#<jobId> / CHARTER: the highest version handled and the lease of the delivery handling one. */
  readonly #charters: IdempotencyLedger;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
    this.#charters = new IdempotencyLedger(client, { table: tableName, versionAttribute: 'version' });
  }

  async claim(jobId: string, version: number, now: Date, leaseMs: number): Promise<CharterClaim> {
    // The lease and the version check in one conditional write (@qdn/shared/idempotency): two
    // deliveries of one job never run at once, and a version at or below the one handled never runs.
    const claim = await this.#charters.claim(charterKey(jobId), version, { now, leaseMs });
    if (claim.kind === 'done') return { kind: 'stale', handledVersion: Number(claim.item.version) };
    if (claim.kind === 'busy') return { kind: 'busy' };
    const { charter, links, scc } = await this.#charterItems(jobId);
    return { kind: 'claimed', charter, links, scc, leaseToken: claim.leaseToken };
  }

  async release(jobId: string, leaseToken: string): Promise<void> {
    await this.#charters.release(charterKey(jobId), leaseToken);
  }

  async complete(charter: CharterRecord, leaseToken: string): Promise<void> {
    const { version, ...fields } = charter;
    // A lost lease means another delivery is syncing this job now: retry rather than overwrite its work.
    await this.#charters.complete(charterKey(charter.jobId), version, {
      leaseToken,
      whenLeaseLost: 'retry',
      set: fields,
    });
  }

  async recordSccSync(jobId: string, scc: SccState): Promise<void> {
    // On the charter item, next to the lease: present even before the version is complete, so a retry
    // after a later step failed knows SCC already has the event.
    const present = scc.sccEventId !== undefined && scc.sccBodyHash !== undefined;
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: charterKey(jobId),
        UpdateExpression: present
          ? 'SET sccEventId = :sccEventId, sccBodyHash = :sccBodyHash, sccLastSync = :last'
          : 'SET sccLastSync = :last REMOVE sccEventId, sccBodyHash',
        ExpressionAttributeValues: {
          ...(present ? { ':sccEventId': scc.sccEventId, ':sccBodyHash': scc.sccBodyHash } : {}),
          ':last': scc.sccLastSync ?? null,
        },
      }),
    );
  }

  async saveLink(link: CrewLink, replacedTokenHash?: string): Promise<void> {
    const items: TransactItem[] = [
      { Put: { TableName: this.#table, Item: { ...linkKey(link.jobId, link.crewId), ...link } } },
      {
        Put: {
          TableName: this.#table,
          Item: {
            ...tokenKey(link.tokenHash),
            jobId: link.jobId,
            crewId: link.crewId,
            linkId: link.linkId,
            purgeAt: purgeAt(link.expiresAt),
          },
        },
      },
    ];
    if (replacedTokenHash && replacedTokenHash !== link.tokenHash) {
      items.push({ Delete: { TableName: this.#table, Key: tokenKey(replacedTokenHash) } });
    }
    await this.#client.send(new TransactWriteCommand({ TransactItems: items }));
  }

  async extendLink(link: CrewLink, expiresAt: string): Promise<void> {
    await this.#client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.#table,
              Key: linkKey(link.jobId, link.crewId),
              UpdateExpression: 'SET expiresAt = :expiresAt',
              ExpressionAttributeValues: { ':expiresAt': expiresAt },
            },
          },
          {
            Update: {
              TableName: this.#table,
              Key: tokenKey(link.tokenHash),
              UpdateExpression: 'SET purgeAt = :purgeAt',
              ExpressionAttributeValues: { ':purgeAt': purgeAt(expiresAt) },
            },
          },
        ],
      }),
    );
  }

  async recordMessage(
    link: CrewLink,
    message: NonNullable<CrewLink['lastMessage']>,
    notifiedScheduleKey: string | undefined,
  ): Promise<void> {
    await this.#client.send(
      new UpdateCommand({
        TableName: this.#table,
        Key: linkKey(link.jobId, link.crewId),
        UpdateExpression: notifiedScheduleKey
          ? 'SET lastMessage = :message, notifiedScheduleKey = :scheduleKey'
          : 'SET lastMessage = :message',
        ExpressionAttributeValues: {
          ':message': message,
          ...(notifiedScheduleKey ? { ':scheduleKey': notifiedScheduleKey } : {}),
        },
      }),
    );
  }

  async revokeLink(link: CrewLink, at: string): Promise<void> {
    await this.#client.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.#table,
              Key: linkKey(link.jobId, link.crewId),
              UpdateExpression: 'SET revokedAt = :at',
              ExpressionAttributeValues: { ':at': at },
            },
          },
          { Delete: { TableName: this.#table, Key: tokenKey(link.tokenHash) } },
        ],
      }),
    );
  }

  async findToken(tokenHash: string) {
    const { Item } = await this.#client.send(
      new GetCommand({ TableName: this.#table, Key: tokenKey(tokenHash), ConsistentRead: true }),
    );
    return Item ? storedToken(Item) : undefined;
  }

  async charterWithLinks(jobId: string) {
    const { charter, links, ticks } = await this.#charterItems(jobId);
    return { charter, links, ticks };
  }

  async #charterItems(jobId: string) {
    let charter: CharterRecord | undefined;
    let scc: SccState = {};
    const links: CrewLink[] = [];
    const ticks: ChecklistTick[] = [];
    const items = await queryAll(this.#client, {
      TableName: this.#table,
      KeyConditionExpression: 'pk = :job',
      ExpressionAttributeValues: { ':job': `JOB#${jobId}` },
      ConsistentRead: true,
    });
    for (const item of items) {
      const sk = String(item.sk);
      if (sk === 'CHARTER') {
        scc = storedSccState(item);
        // A charter claimed but never completed has a lease (and maybe SCC state) but no version yet.
        if (item.version !== undefined) charter = storedCharter(item);
      } else if (sk.startsWith('LINK#')) links.push(storedLink(item));
      else if (sk.startsWith('CHECK#')) ticks.push(storedTick(item));
    }
    return { charter, links, ticks, scc };
  }

  async tick(
    jobId: string,
    tick: Omit<ChecklistTick, 'revision'> & { brandId: string; label: string },
  ): Promise<{ changed: boolean; tick: ChecklistTick }> {
    try {
      const { Attributes } = await this.#client.send(
        new UpdateCommand({
          TableName: this.#table,
          Key: tickKey(jobId, tick.itemId),
          UpdateExpression:
            // jobId, brandId and label: what the stream publisher's CrewChecklistItemTicked names.
            'SET itemId = :itemId, done = :done, byCrewId = :by, byFirstName = :name, #at = :at, jobId = :jobId, brandId = :brandId, label = :label, revision = if_not_exists(revision, :zero) + :one',
          ConditionExpression: 'attribute_not_exists(done) OR done <> :done',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: {
            ':itemId': tick.itemId,
            ':done': tick.done,
            ':by': tick.byCrewId,
            ':name': tick.byFirstName,
            ':at': tick.at,
            ':jobId': jobId,
            ':brandId': tick.brandId,
            ':label': tick.label,
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { changed: true, tick: storedTick(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      const { Item } = await this.#client.send(
        new GetCommand({ TableName: this.#table, Key: tickKey(jobId, tick.itemId), ConsistentRead: true }),
      );
      return { changed: false, tick: storedTick(Item ?? {}) };
    }
  }
}
