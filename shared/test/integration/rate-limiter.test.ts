import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RateLimiter } from '../../src/rate-limiter.ts';

// The rate limiter's counters against DynamoDB Local (the one every integration suite shares, a database
// of this suite's own by its access key): the real engine's conditions on a window's count and takers.
const { endpoint } = JSON.parse(process.env.QDN_TEST_DYNAMODB!) as { endpoint: string };
const TABLE = 'qdn-test-counters';
const raw = new DynamoDBClient({
  endpoint,
  region: 'us-west-2',
  credentials: { accessKeyId: 'ratelimiter', secretAccessKey: 'local' },
});
const db = DynamoDBDocumentClient.from(raw);
const limiter = new RateLimiter(db, TABLE);
const RELAY = { name: 'relay-sender', limit: 2, windowSeconds: 3_600 };
const at = new Date('2026-12-05T18:20:00.000Z');
let clients = 0;
const newClient = () => `+1619555${String(++clients).padStart(4, '0')}`;
const counter = async (client: string) =>
  (await db.send(new GetCommand({ TableName: TABLE, Key: { pk: `relay-sender#${client}#1796493600` } })))
    .Item;

beforeAll(async () => {
  await raw.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    }),
  );
});

afterAll(() => db.destroy());

describe('RateLimiter against DynamoDB Local', () => {
  it('given the window full, then a take is refused until the window ends and uses nothing', async () => {
    const client = newClient();
    await limiter.take(RELAY, client, at);
    await limiter.take(RELAY, client, at);

    const refused = await limiter.take(RELAY, client, at);

    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 40 * 60 });
    expect((await counter(client))?.used).toBe(2);
    expect(await limiter.take(RELAY, client, new Date('2026-12-05T19:00:00.000Z'))).toEqual({
      allowed: true,
    });
  });

  it('given a taker that already took in the window, then it is allowed again without a charge, even with the window full', async () => {
    const client = newClient();
    expect(await limiter.take(RELAY, client, at, 'SM-first')).toEqual({ allowed: true });

    const again = await limiter.take(RELAY, client, at, 'SM-first');
    const second = await limiter.take(RELAY, client, at, 'SM-second');
    const secondAgain = await limiter.take(RELAY, client, at, 'SM-second');
    const third = await limiter.take(RELAY, client, at, 'SM-third');

    expect([again, second, secondAgain]).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(third).toMatchObject({ allowed: false });
    const item = await counter(client);
    expect(item?.used).toBe(2);
    expect(item?.takers).toEqual(new Set(['SM-first', 'SM-second']));
  });
});
