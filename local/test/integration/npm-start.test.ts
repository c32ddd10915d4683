import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeArchiveCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';

// `npm start` as a person runs it: a child process, ready in under 20 s, surviving kill -9 with its
// data, and leaving nothing behind on Ctrl-C.
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'qdn-start-'));
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** DynamoDB Local JVMs serving this test's data dir. */
function javaProcesses(): number[] {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.*${dataDir}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function startCloud(port: number, sitePort: number) {
  const started = Date.now();
  const child = spawn(process.execPath, ['local/src/cli/start.ts', '--quiet'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      QDN_DATA_DIR: dataDir,
      QDN_PORT: String(port),
      QDN_SITE_PORT: String(sitePort),
      QDN_CONSOLE_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
    try {
      const response = await fetch(`http://localhost:${port}/_local/health`);
      if (response.ok) {
        const health = (await response.json()) as { endpoints: Record<string, string> };
        return { child, readyMs: Date.now() - started, endpoints: health.endpoints, output: () => output };
      }
    } catch {
      // not up yet
    }
    if (Date.now() - started > 60_000) throw new Error(`npm start not ready: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of javaProcesses()) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('given a kill -9 mid-traffic, when started again, then it cleans up the dead run and every table item, queued message and archived event is still there; Ctrl-C leaves nothing behind', async () => {
    const [port, sitePort] = [await freePort(), await freePort()];

    // Prepare: a first run with data in a table, a message waiting in a DLQ and an archived event.
    const first = await startCloud(port, sitePort);
    expect(first.readyMs).toBeLessThan(20_000);
    const dynamodb = () =>
      new DynamoDBClient({ endpoint: first.endpoints.dynamodb, region: 'us-west-2', credentials });
    await dynamodb().send(
      new PutItemCommand({
        TableName: 'qdn-notifications-local-failures',
        Item: { messageId: { S: 'kept-across-kill' }, consumer: { S: 'sms' } },
      }),
    );
    const sqs = new SQSClient({ endpoint: first.endpoints.sqs, region: 'us-west-2', credentials });
    const dlqUrl = `${first.endpoints.sqs}/000000000000/qdn-local-calendar-calendar-dlq`;
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'parked-in-dlq' }));
    const events = new EventBridgeClient({
      endpoint: first.endpoints.events,
      region: 'us-west-2',
      credentials,
    });
    const { EventCount: archivedBefore = 0 } = await events.send(
      new DescribeArchiveCommand({ ArchiveName: 'qdn-local-all' }),
    );
    await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'qdn-local', Source: 'qdn.test', DetailType: 'Probe', Detail: '{"kept":true}' },
        ],
      }),
    );
    const jvmOfFirstRun = javaProcesses();
    expect(jvmOfFirstRun).toHaveLength(1);

    // Act: kill -9 (the JVM is orphaned), then start again.
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(javaProcesses()).toEqual(jvmOfFirstRun);
    const second = await startCloud(port, sitePort);

    // Assess: the orphan was ended, the data survived.
    expect(javaProcesses()).not.toContain(jvmOfFirstRun[0]);
    expect(javaProcesses()).toHaveLength(1);
    const kept = await new DynamoDBClient({
      endpoint: second.endpoints.dynamodb,
      region: 'us-west-2',
      credentials,
    }).send(
      new GetItemCommand({
        TableName: 'qdn-notifications-local-failures',
        Key: { messageId: { S: 'kept-across-kill' } },
      }),
    );
    expect(kept.Item?.consumer?.S).toBe('sms');
    const sqsAfter = new SQSClient({ endpoint: second.endpoints.sqs, region: 'us-west-2', credentials });
    const { Messages = [] } = await sqsAfter.send(
      new ReceiveMessageCommand({
        QueueUrl: `${second.endpoints.sqs}/000000000000/qdn-local-calendar-calendar-dlq`,
        WaitTimeSeconds: 1,
      }),
    );
    expect(Messages.map((message) => message.Body)).toContain('parked-in-dlq');
    const eventsAfter = new EventBridgeClient({
      endpoint: second.endpoints.events,
      region: 'us-west-2',
      credentials,
    });
    const archive = await eventsAfter.send(new DescribeArchiveCommand({ ArchiveName: 'qdn-local-all' }));
    expect(archive.EventCount).toBe(archivedBefore + 1);

    // Act: Ctrl-C.
    second.child.kill('SIGINT');
    const code = await new Promise((resolve) => second.child.once('exit', resolve));

    // Assess
    expect(code).toBe(0);
    expect(javaProcesses()).toEqual([]);
  }, 120_000);
});
