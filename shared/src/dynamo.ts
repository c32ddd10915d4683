import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  paginateQuery,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { perInstance } from './per-instance.ts';
import { untilProcessed } from './retry.ts';

// One DynamoDB client per function, created on first use. Endpoints come from the SDK's standard
// AWS_ENDPOINT_URL_<SERVICE> variables, which is how the local cloud points them at its emulators.
// Every SDK client is made in @qdn/shared, one module each (sqs.ts, sns.ts, s3.ts, publish.ts for
// EventBridge), so a function loads only the clients it uses.

/** The item a failed condition returned (ReturnValuesOnConditionCheckFailure), unmarshalled. */
export function itemOfConditionFailure<T>(error: unknown): T | undefined {
  const item = (error as { Item?: Record<string, AttributeValue> }).Item;
  return item ? (unmarshall(item) as T) : undefined;
}

/**
 * A write refused by its condition: ConditionalCheckFailedException, or a transaction cancelled because
 * one of its conditions failed. Stores turn it into a domain answer (stale, taken, already done). With
 * `item`, only a transaction whose item at that index (0-based) failed its condition: which write refused.
 */
export function isConditionalCheckFailure(error: unknown, options: { item?: number } = {}): boolean {
  const { name, CancellationReasons = [] } = (error ?? {}) as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  const refused = (reason: { Code?: string } | undefined) => reason?.Code === 'ConditionalCheckFailed';
  if (name === 'ConditionalCheckFailedException') return options.item === undefined;
  if (name !== 'TransactionCanceledException') return false;
  return options.item === undefined
    ? CancellationReasons.some(refused)
    : refused(CancellationReasons[options.item]);
}

export const dynamoDocumentClient: () => DynamoDBDocumentClient = /* @__PURE__ */ perInstance(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  }),
);

/** What `recordIfNewer` writes: the item's key, its version (and the attribute holding it), the fields. */
export interface NewerVersion {
  table: string;
  key: Record<string, unknown>;
  /** A number, or a string that sorts as it should (an ISO instant in UTC: a change's `changedAt`). */
  version: number | string;
  /** The attribute the version is kept in (an item can hold several projections: `trackingLinkVersion`). */
  versionAttribute?: string;
  /** Attributes set with the version; `undefined` values are left as they are. */
  fields: Record<string, unknown>;
  /** Also write when the versions are equal (one job change can produce several events, each a snapshot). */
  orEqual?: boolean;
  /** Return the attributes the item held before (what the caller compares to skip follow-up writes). */
  returnPrevious?: boolean;
}

/**
 * The update `recordIfNewer` sends: every field and the version set under placeholder names (reserved
 * words such as `status` and `date` need no care at the call site), on the condition that the stored
 * version is older.
 */
export function newerVersionUpdate(write: NewerVersion): UpdateCommandInput {
  const versionAttribute = write.versionAttribute ?? 'version';
  const names: Record<string, string> = { '#version': versionAttribute };
  const values: Record<string, unknown> = { ':version': write.version };
  const sets = ['#version = :version'];
  Object.entries(write.fields)
    .filter(([, value]) => value !== undefined)
    .forEach(([name, value], index) => {
      names[`#f${index}`] = name;
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    });
  return {
    TableName: write.table,
    Key: write.key,
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: `attribute_not_exists(#version) OR #version ${write.orEqual ? '<=' : '<'} :version`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ...(write.returnPrevious ? { ReturnValues: 'ALL_OLD' as const } : {}),
  };
}

/**
 * "Highest version wins", the one rule of every projection fed by events: events arrive out of order and
 * more than once, and an older one must never bring back older state. Writes `fields` only when `version`
 * is newer than the item's; `{ written: false }` when the item already holds a newer one.
 */
export async function recordIfNewer(
  client: DynamoDBDocumentClient,
  write: NewerVersion,
): Promise<{ written: boolean; previous?: Record<string, unknown> }> {
  try {
    const { Attributes } = await client.send(new UpdateCommand(newerVersionUpdate(write)));
    return Attributes ? { written: true, previous: Attributes } : { written: true };
  } catch (error) {
    if (isConditionalCheckFailure(error)) return { written: false };
    throw error;
  }
}

/**
 * Every item a Query matches, page after page (DynamoDB answers at most 1 MB at a time), through the
 * SDK's own paginator; with `limit`, at most that many (each page asks for no more than are left).
 *
 * @example const photos = await queryAll(client, { TableName, KeyConditionExpression: 'jobId = :j', ExpressionAttributeValues: { ':j': jobId } });
 */
export async function queryAll(
  client: DynamoDBDocumentClient,
  input: QueryCommandInput,
  options: { limit?: number } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const { limit } = options;
  // The paginator writes its page token into the input it is given: a copy keeps the caller's intact.
  const query = { ...input, ...(limit === undefined ? {} : { Limit: limit }) };
  for await (const page of paginateQuery({ client }, query)) {
    items.push(...(page.Items ?? []));
    if (limit !== undefined) {
      if (items.length >= limit) return items.slice(0, limit);
      query.Limit = limit - items.length;
    }
  }
  return items;
}

/** How `batchGetAll` reads: consistently, a projection (everything of a BatchGet's per-table request but its keys). */
type BatchRead = Omit<NonNullable<BatchGetCommandInput['RequestItems']>[string], 'Keys'>;

/**
 * The items of any number of keys, by BatchGetItem (100 keys a call): what DynamoDB leaves unprocessed
 * under load is asked again after a backoff (untilProcessed), so an item is never silently missing; the
 * call throws if some stay unprocessed after `maxAttempts`. A key with no item has none in the answer,
 * which comes in no particular order.
 *
 * @example const members = await batchGetAll(client, table, ids.map(rosterKey), { what: 'roster members', read: { ConsistentRead: true } });
 */
export async function batchGetAll(
  client: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  options: { what: string; maxAttempts?: number; read?: BatchRead },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  await untilProcessed(
    keys,
    async (pending) => {
      const unprocessed: Record<string, unknown>[] = [];
      for (let start = 0; start < pending.length; start += 100) {
        const { Responses, UnprocessedKeys } = await client.send(
          new BatchGetCommand({
            RequestItems: { [table]: { ...options.read, Keys: pending.slice(start, start + 100) } },
          }),
        );
        items.push(...(Responses?.[table] ?? []));
        unprocessed.push(...(UnprocessedKeys?.[table]?.Keys ?? []));
      }
      return unprocessed;
    },
    {
      what: options.what,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    },
  );
  return items;
}
