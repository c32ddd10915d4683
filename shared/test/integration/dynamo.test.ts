import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { batchGetAll, queryAll } from '../../src/dynamo.ts';
import { TransientError } from '../../src/errors.ts';
import { IdempotencyLedger } from '../../src/idempotency.ts';

// @qdn/shared's DynamoDB helpers against DynamoDB Local (the real engine's conditions, return values and
// paging): the idempotency ledger, queryAll and batchGetAll. The DynamoDB Local every integration suite
// shares, a database of this suite's own by its access key.
const { endpoint } = JSON.parse(process.env.QDN_TEST_DYNAMODB!) as { endpoint: string };
const table = 'ledger';
let client: DynamoDBDocumentClient;
let ledger: IdempotencyLedger;
let keys = 0;
const newKey = () => ({ pk: `JOB#${++keys}`, sk: 'PUSH' });
const now = new Date('2026-12-04T15:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);

beforeAll(async () => {
  const raw = new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'sharedhelpers', secretAccessKey: 'local' },
  });
  await raw.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  client = DynamoDBDocumentClient.from(raw);
  ledger = new IdempotencyLedger(client, { table, versionAttribute: 'pushedVersion' });
});

afterAll(async () => {
  client?.destroy();
});

const stored = async (key: Record<string, string>) =>
  (await client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

describe('IdempotencyLedger', () => {
  it('claims a first attempt, refuses a second while the lease is live, then answers done', async () => {
    const key = newKey();
    const first = await ledger.claim(key, 3, { now, leaseMs: 30_000, set: { jobId: 'j1' } });
    expect(first).toMatchObject({ kind: 'claimed', previous: undefined, uncertain: false });
    expect(await ledger.claim(key, 3, { now: later(1_000), leaseMs: 30_000 })).toMatchObject({
      kind: 'busy',
      item: { jobId: 'j1', attempts: 1 },
    });
    if (first.kind !== 'claimed') throw new Error('not claimed');
    const completed = await ledger.complete(key, 3, {
      leaseToken: first.leaseToken,
      whenLeaseLost: 'record',
      set: { pushedAt: 'then' },
    });
    expect(completed).toMatchObject({ kind: 'completed', item: { pushedVersion: 3, pushedAt: 'then' } });
    expect(completed.item).not.toHaveProperty('leaseToken');
    // The same version again (a redelivery) and an older one arriving late both do nothing.
    expect(await ledger.claim(key, 3, { now: later(2_000), leaseMs: 30_000 })).toMatchObject({
      kind: 'done',
      item: { pushedVersion: 3, pushedAt: 'then' },
    });
    expect((await ledger.claim(key, 2, { now: later(2_000), leaseMs: 30_000 })).kind).toBe('done');
    // A later version is claimed again.
    expect(await ledger.claim(key, 4, { now: later(3_000), leaseMs: 30_000 })).toMatchObject({
      kind: 'claimed',
      previous: { pushedVersion: 3 },
      uncertain: false,
    });
  });

  it('lets a released claim be taken at once, and reports an uncertain or lapsed attempt', async () => {
    const key = newKey();
    const first = await ledger.claim(key, 1, { now, leaseMs: 30_000 });
    if (first.kind !== 'claimed') throw new Error('not claimed');
    await ledger.release(key, first.leaseToken);
    const second = await ledger.claim(key, 1, { now: later(10), leaseMs: 30_000 });
    expect(second).toMatchObject({ kind: 'claimed', uncertain: false, previous: { attempts: 1 } });
    if (second.kind !== 'claimed') throw new Error('not claimed');
    await ledger.release(key, second.leaseToken, { uncertain: true });
    const third = await ledger.claim(key, 1, { now: later(20), leaseMs: 30_000 });
    expect(third).toMatchObject({ kind: 'claimed', uncertain: true, previous: { attempts: 2 } });
    // Never released nor completed (a crash): after its lease lapses, the next attempt may take over,
    // told that the effect may have happened.
    const fourth = await ledger.claim(key, 1, { now: later(40_000), leaseMs: 30_000 });
    expect(fourth).toMatchObject({ kind: 'claimed', uncertain: true, previous: { attempts: 3 } });
    expect(await stored(key)).toMatchObject({ attempts: 4 });
  });

  it('keeps what the first attempt wrote with setIfAbsent', async () => {
    const key = newKey();
    const first = await ledger.claim(key, 1, { now, leaseMs: 1_000, setIfAbsent: { body: 'first' } });
    if (first.kind !== 'claimed') throw new Error('not claimed');
    await ledger.release(key, first.leaseToken);
    await ledger.claim(key, 1, { now: later(5), leaseMs: 1_000, setIfAbsent: { body: 'second' } });
    expect(await stored(key)).toMatchObject({ body: 'first' });
  });

  it('on a lost lease, records the version (leaving the new holder alone) or throws to retry', async () => {
    const key = newKey();
    const lapsed = await ledger.claim(key, 5, { now, leaseMs: 1_000 });
    const holder = await ledger.claim(key, 5, { now: later(2_000), leaseMs: 30_000 });
    if (lapsed.kind !== 'claimed' || holder.kind !== 'claimed') throw new Error('not claimed');
    await expect(
      ledger.complete(key, 5, { leaseToken: lapsed.leaseToken, whenLeaseLost: 'retry' }),
    ).rejects.toBeInstanceOf(TransientError);
    expect(await stored(key)).not.toHaveProperty('pushedVersion');
    const recorded = await ledger.complete(key, 5, {
      leaseToken: lapsed.leaseToken,
      whenLeaseLost: 'record',
    });
    expect(recorded).toMatchObject({
      kind: 'completed',
      item: { pushedVersion: 5, leaseToken: holder.leaseToken },
    });
    // The holder, finishing later, finds the version done.
    expect(
      await ledger.complete(key, 5, {
        leaseToken: holder.leaseToken,
        whenLeaseLost: 'record',
        set: { by: 'holder' },
      }),
    ).toMatchObject({ kind: 'already-done', item: { pushedVersion: 5 } });
    expect(await stored(key)).not.toHaveProperty('by');
  });

  it('records an outcome without a lease once, and returns the first one after', async () => {
    const key = newKey();
    expect(
      await ledger.complete(key, 1, { whenLeaseLost: 'record', set: { outcome: 'suppressed' } }),
    ).toMatchObject({ kind: 'completed', item: { outcome: 'suppressed', pushedVersion: 1 } });
    expect(
      await ledger.complete(key, 1, { whenLeaseLost: 'record', set: { outcome: 'sent' } }),
    ).toMatchObject({ kind: 'already-done', item: { outcome: 'suppressed' } });
  });

  it('appends to a log across releases and the completion (each failed attempt, then the outcome)', async () => {
    const key = newKey();
    const first = await ledger.claim(key, 1, { now, leaseMs: 1_000 });
    if (first.kind !== 'claimed') throw new Error('not claimed');
    await ledger.release(key, first.leaseToken, {
      append: { failures: [{ code: '20429' }, { code: '20429' }] },
    });
    const second = await ledger.claim(key, 1, { now: later(5), leaseMs: 1_000 });
    if (second.kind !== 'claimed') throw new Error('not claimed');
    const done = await ledger.complete(key, 1, {
      leaseToken: second.leaseToken,
      whenLeaseLost: 'record',
      append: { failures: [{ code: '20500' }] },
      set: { outcome: 'sent' },
    });
    expect(done.item).toMatchObject({
      outcome: 'sent',
      failures: [{ code: '20429' }, { code: '20429' }, { code: '20500' }],
    });
  });

  it('gives one lease to one of many simultaneous attempts', async () => {
    const key = newKey();
    const claims = await Promise.all(
      Array.from({ length: 12 }, () => ledger.claim(key, 1, { now, leaseMs: 30_000 })),
    );
    expect(claims.filter((claim) => claim.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((claim) => claim.kind === 'busy')).toHaveLength(11);
  });

  it('ignores the release of a lease another attempt has taken over', async () => {
    const key = newKey();
    const lapsed = await ledger.claim(key, 1, { now, leaseMs: 1_000 });
    const holder = await ledger.claim(key, 1, { now: later(2_000), leaseMs: 30_000 });
    if (lapsed.kind !== 'claimed' || holder.kind !== 'claimed') throw new Error('not claimed');
    await ledger.release(key, lapsed.leaseToken);
    expect(await stored(key)).toMatchObject({ leaseToken: holder.leaseToken });
  });
});

/** `count` items under one partition key, sk 00…, every other one `kept`, each `bytes` large. */
async function putItems(pk: string, count: number, bytes: number) {
  const items = Array.from({ length: count }, (_, index) => ({
    pk,
    sk: String(index).padStart(2, '0'),
    kept: index % 2 === 0,
    padding: 'x'.repeat(bytes),
  }));
  for (let start = 0; start < items.length; start += 25) {
    await client.send(
      new BatchWriteCommand({
        RequestItems: {
          [table]: items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } })),
        },
      }),
    );
  }
}

describe('queryAll', () => {
  const byPartition = (pk: string) => ({
    TableName: table,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
  });

  it('given more than one 1 MB page of items, then every item, in key order', async () => {
    await putItems('PAGED', 30, 45_000); // ≈1.35 MB: DynamoDB answers in two pages

    const items = await queryAll(client, byPartition('PAGED'));

    expect(items.map((item) => item.sk)).toEqual(
      Array.from({ length: 30 }, (_, i) => String(i).padStart(2, '0')),
    );
  });

  it('given a limit and a filter that drops half of each page, then exactly the first `limit` kept items', async () => {
    await putItems('FILTERED', 20, 10);

    const items = await queryAll(
      client,
      {
        ...byPartition('FILTERED'),
        FilterExpression: 'kept = :yes',
        ExpressionAttributeValues: { ':pk': 'FILTERED', ':yes': true },
      },
      { limit: 6 },
    );

    expect(items.map((item) => item.sk)).toEqual(['00', '02', '04', '06', '08', '10']);
  });
});

describe('batchGetAll', () => {
  const keysOf = (pk: string, count: number) =>
    Array.from({ length: count }, (_, index) => ({ pk, sk: String(index).padStart(2, '0') }));

  it('given more keys than one call takes and some with no item, then every item there is, as projected', async () => {
    await putItems('BATCH-A', 80, 10);
    await putItems('BATCH-B', 80, 10);
    const keys = [...keysOf('BATCH-A', 80), ...keysOf('BATCH-B', 80), ...keysOf('BATCH-NONE', 5)];

    const items = await batchGetAll(client, table, keys, {
      what: 'test items',
      read: { ProjectionExpression: 'pk, sk, kept', ConsistentRead: true },
    });

    expect(items.map((item) => `${item.pk}/${item.sk}`).sort()).toEqual(
      keys.slice(0, 160).map((key) => `${key.pk}/${key.sk}`),
    );
    expect(items.every((item) => !('padding' in item))).toBe(true);
  });

  it('given items past the 16 MB a call may answer, then the keys DynamoDB leaves unprocessed are asked again', async () => {
    await putItems('BATCH-LARGE', 60, 350_000); // ≈21 MB: one call answers at most 16 MB
    const keys = keysOf('BATCH-LARGE', 60);

    let calls = 0;
    const counting = {
      send: (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
        calls++;
        return client.send(command);
      },
    } as DynamoDBDocumentClient;

    const items = await batchGetAll(counting, table, keys, { what: 'test items' });

    expect(items.map((item) => item.sk).sort()).toEqual(keys.map((key) => key.sk));
    expect(calls).toBeGreaterThan(1);
  }, 60_000);
});
