import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { FunctionError, FunctionPool } from '../../src/runtime/functions.ts';

// Functions as the local cloud runs them: a worker thread each, their own environment, a Lambda
// context, a timeout that ends the sandbox, and application code reaching SQS by queue URL.
// Handlers are written inside the repository so they resolve its packages, as the services' do.
const cacheDir = fileURLToPath(new URL('../../../.cache/', import.meta.url));
mkdirSync(cacheDir, { recursive: true });
const dir = mkdtempSync(join(cacheDir, 'runtime-test-'));
let fauxqs: FauxqsServer;
const pools: FunctionPool[] = [];

function pool(
  source: string,
  options: { timeoutSeconds?: number; environment?: Record<string, string> } = {},
) {
  const handlerFile = join(dir, `handler-${pools.length}.ts`);
  writeFileSync(handlerFile, source);
  const created = new FunctionPool({
    key: `test.fn${pools.length}`,
    name: `qdn-test-fn${pools.length}`,
    handlerFile,
    handlerExport: 'handler',
    timeoutSeconds: options.timeoutSeconds ?? 5,
    memorySizeMb: 256,
    maxConcurrency: 2,
    environment: options.environment ?? {},
  });
  pools.push(created);
  return created;
}

beforeAll(async () => {
  fauxqs = await startFauxqs({ port: 0, logger: false, defaultRegion: 'us-west-2' });
  fauxqs.createQueue('runtime-probe', { region: 'us-west-2' });
});

afterAll(async () => {
  await Promise.all(pools.map((created) => created.close()));
  await fauxqs.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the function runtime', () => {
  it('given a handler, when invoked, then it sees its own environment and a Lambda context', async () => {
    const fn = pool(
      `export const handler = async (event: { n: number }, context: { functionName: string; getRemainingTimeInMillis(): number }) =>
        ({ doubled: event.n * 2, table: process.env.JOBS_TABLE, name: context.functionName, left: context.getRemainingTimeInMillis() });`,
      { environment: { JOBS_TABLE: 'qdn-local-jobs' } },
    );
    const result = (await fn.invoke({ n: 21 })) as Record<string, unknown>;
    expect(result).toMatchObject({ doubled: 42, table: 'qdn-local-jobs', name: 'qdn-test-fn0' });
    expect(result.left).toBeGreaterThan(4_000);
    expect(process.env.JOBS_TABLE).toBeUndefined();
  });

  it('given a handler that throws, when invoked, then the error type and message come back', async () => {
    const fn = pool(`export const handler = async () => { throw new RangeError('bad window'); };`);
    await expect(fn.invoke({})).rejects.toMatchObject({ errorType: 'RangeError', message: 'bad window' });
  });

  it('given a handler slower than its timeout, when invoked, then it times out and the next call gets a fresh sandbox', async () => {
    const fn = pool(
      `let calls = 0; export const handler = async (event: { wait: number }) => { calls++; await new Promise((r) => setTimeout(r, event.wait)); return calls; };`,
      { timeoutSeconds: 1 },
    );
    await expect(fn.invoke({ wait: 3_000 })).rejects.toBeInstanceOf(FunctionError);
    // A warm sandbox would count 2; a fresh one starts again at 1.
    expect(await fn.invoke({ wait: 0 })).toBe(1);
  });

  it('given application code that sends to a queue by the URL fauxqs hands out, then it reaches the queue', async () => {
    const fn = pool(
      `import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
       const sqs = new SQSClient({});
       export const handler = async () => {
         const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'runtime-probe' }));
         await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'from a function' }));
         return QueueUrl;
       };`,
      {
        environment: {
          AWS_ENDPOINT_URL_SQS: fauxqs.address,
          AWS_REGION: 'us-west-2',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        },
      },
    );
    expect(await fn.invoke({})).toMatch(/localhost/);
    expect(fauxqs.inspectQueue('runtime-probe')?.messages.ready.map((message) => message.body)).toEqual([
      'from a function',
    ]);
  });
});
