import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DescribeArchiveCommand,
  DescribeReplayCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  createEventBridgeEmulator,
  type EventBridgeEmulator,
  type SqsDeliverer,
} from '../../src/eventbridge/emulator.ts';

const REGION = 'us-west-2';
const ACCOUNT = '123456789012';
const BUS = 'qdn-durable';
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${BUS}`;
const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:timeline`;
const EMULATOR_MODULE = fileURLToPath(new URL('../../src/eventbridge/emulator.ts', import.meta.url));
const PINNED_NODE = fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url));

interface RunningEmulator {
  emulator: EventBridgeEmulator;
  client: EventBridgeClient;
  messages: Array<{ queueArn: string; body: string }>;
  stop(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function givenDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'eventbridge-durable-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  return dataDir;
}

function clientFor(url: string): EventBridgeClient {
  return new EventBridgeClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

async function startEmulator(dataDir: string, deliver?: SqsDeliverer): Promise<RunningEmulator> {
  const messages: Array<{ queueArn: string; body: string }> = [];
  const emulator = createEventBridgeEmulator({
    dataDir,
    region: REGION,
    accountId: ACCOUNT,
    retry: { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 1_000 },
    deliver: deliver ?? {
      sqs: async function recordSqsMessage(queueArn: string, body: string) {
        messages.push({ queueArn, body });
      },
    },
  });
  const { url } = await emulator.listen();
  const client = clientFor(url);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    client.destroy();
    await emulator.close();
  };
  cleanups.push(stop);
  return { emulator, client, messages, stop };
}

/** Given a bus with a transforming rule to the timeline queue, and an archive of everything on the bus. */
async function givenTopology(client: EventBridgeClient): Promise<string> {
  await client.send(new CreateEventBusCommand({ Name: BUS }));
  await client.send(
    new PutRuleCommand({ Name: 'timeline', EventBusName: BUS, EventPattern: '{"source":["qdn.jobs"]}' }),
  );
  await client.send(
    new PutTargetsCommand({
      Rule: 'timeline',
      EventBusName: BUS,
      Targets: [
        {
          Id: 'timeline-queue',
          Arn: QUEUE_ARN,
          InputTransformer: {
            InputPathsMap: { n: '$.detail.n' },
            InputTemplate: '{"n": <n>, "rule": <aws.events.rule-name>}',
          },
        },
      ],
    }),
  );
  const archive = await client.send(
    new CreateArchiveCommand({ ArchiveName: 'all-jobs', EventSourceArn: BUS_ARN }),
  );
  return archive.ArchiveArn ?? '';
}

function putJobEvents(client: EventBridgeClient, numbers: number[]) {
  return client.send(
    new PutEventsCommand({
      Entries: numbers.map((n) => ({
        EventBusName: BUS,
        Source: 'qdn.jobs',
        DetailType: 'JobCreated',
        Detail: JSON.stringify({ n }),
      })),
    }),
  );
}

async function waitForReplayState(client: EventBridgeClient, name: string, state: string) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const replay = await client.send(new DescribeReplayCommand({ ReplayName: name }));
    if (replay.State === state) return replay;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`replay ${name} never reached ${state}`);
}

function archiveLogPath(dataDir: string): string {
  const [file] = readdirSync(join(dataDir, 'archives')).filter((name) => name.startsWith('all-jobs-'));
  return join(dataDir, 'archives', file ?? 'missing');
}

describe('EventBridge emulator persistence', () => {
  it('given buses, rules, targets, an archive and a replay, when the emulator is closed and reopened, then all of it is back and routing works', async () => {
    const dataDir = givenDataDir();
    const first = await startEmulator(dataDir);
    const archiveArn = await givenTopology(first.client);
    const windowStart = new Date();
    await putJobEvents(first.client, [1, 2]);
    await first.client.send(
      new StartReplayCommand({
        ReplayName: 'before-restart',
        EventSourceArn: archiveArn,
        EventStartTime: windowStart,
        EventEndTime: new Date(Date.now() + 1),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await waitForReplayState(first.client, 'before-restart', 'COMPLETED');
    await first.emulator.whenDeliveriesIdle();
    await first.stop();

    const second = await startEmulator(dataDir);
    const buses = await second.client.send(new ListEventBusesCommand({}));
    const rule = await second.client.send(new DescribeRuleCommand({ Name: 'timeline', EventBusName: BUS }));
    const targets = await second.client.send(
      new ListTargetsByRuleCommand({ Rule: 'timeline', EventBusName: BUS }),
    );
    const archive = await second.client.send(new DescribeArchiveCommand({ ArchiveName: 'all-jobs' }));
    const replay = await second.client.send(new DescribeReplayCommand({ ReplayName: 'before-restart' }));
    await putJobEvents(second.client, [3]);
    await second.emulator.whenDeliveriesIdle();

    expect(buses.EventBuses?.map((bus) => bus.Name)).toEqual(['default', BUS]);
    expect(rule).toMatchObject({ State: 'ENABLED', EventPattern: '{"source":["qdn.jobs"]}' });
    expect(targets.Targets?.[0]).toMatchObject({ Id: 'timeline-queue', Arn: QUEUE_ARN });
    expect(archive.EventCount).toBe(2);
    expect(replay.State).toBe('COMPLETED');
    expect(second.messages.map((message) => message.body)).toEqual(['{"n":3,"rule":"timeline"}']);
  });

  it('given torn last lines in an archive log and in the outbox, when reopened, then complete records load and new ones append cleanly', async () => {
    const dataDir = givenDataDir();
    const first = await startEmulator(dataDir);
    const archiveArn = await givenTopology(first.client);
    const windowStart = new Date();
    await putJobEvents(first.client, [1, 2]);
    await first.emulator.whenDeliveriesIdle();
    await first.stop();
    // As if the process died in the middle of writing a line.
    appendFileSync(archiveLogPath(dataDir), '{"archivedAt":1700000000000,"size":12,"event":{"vers');
    appendFileSync(join(dataDir, 'outbox.ndjson'), '{"enqueue":[{"id":99,"delivery":{"eventId":"x","que');

    const second = await startEmulator(dataDir);
    const reopened = await second.client.send(new DescribeArchiveCommand({ ArchiveName: 'all-jobs' }));
    await putJobEvents(second.client, [3]);
    await second.client.send(
      new StartReplayCommand({
        ReplayName: 'after-repair',
        EventSourceArn: archiveArn,
        EventStartTime: windowStart,
        EventEndTime: new Date(Date.now() + 1),
        Destination: { Arn: BUS_ARN },
      }),
    );
    await waitForReplayState(second.client, 'after-repair', 'COMPLETED');
    await second.emulator.whenDeliveriesIdle();

    expect(reopened.EventCount).toBe(2);
    const logLines = readFileSync(archiveLogPath(dataDir), 'utf8').trimEnd().split('\n');
    expect(logLines.map((line) => JSON.parse(line).event.detail.n)).toEqual([1, 2, 3]);
    const replayed = second.messages.slice(1).map((message) => JSON.parse(message.body).n);
    expect(replayed).toEqual([1, 2, 3]);
  });

  it('given a delivery still being retried, when the emulator is closed and reopened, then the event is delivered after the restart', async () => {
    const dataDir = givenDataDir();
    const failing = await startEmulator(dataDir, {
      sqs: async function refuse() {
        throw new Error('SQS is down');
      },
    });
    await givenTopology(failing.client);
    await putJobEvents(failing.client, [42]);
    await failing.stop();

    const recovered = await startEmulator(dataDir);
    await recovered.emulator.whenDeliveriesIdle();

    expect(recovered.messages).toEqual([{ queueArn: QUEUE_ARN, body: '{"n":42,"rule":"timeline"}' }]);
    expect(recovered.emulator.failedDeliveries()).toEqual([]);
  });

  it('given an accepted PutEvents, when the process is killed with SIGKILL before delivering, then a restart delivers it', async () => {
    const dataDir = givenDataDir();
    const stateDir = join(dataDir, 'state');
    const child = await spawnEmulatorProcess(dataDir, stateDir);
    const client = clientFor(child.url);
    await givenTopology(client);

    const put = await putJobEvents(client, [7]);
    child.process.kill('SIGKILL');
    await once(child.process, 'exit');
    client.destroy();

    const restarted = await startEmulator(stateDir);
    await restarted.emulator.whenDeliveriesIdle();
    const archive = await restarted.client.send(new DescribeArchiveCommand({ ArchiveName: 'all-jobs' }));

    expect(put.FailedEntryCount).toBe(0);
    expect(restarted.messages).toEqual([{ queueArn: QUEUE_ARN, body: '{"n":7,"rule":"timeline"}' }]);
    expect(archive.EventCount).toBe(1);
  });
});

/** Runs the emulator in its own Node process whose SQS never answers, so deliveries stay pending. */
async function spawnEmulatorProcess(
  workDir: string,
  stateDir: string,
): Promise<{ process: ChildProcess; url: string }> {
  const script = join(workDir, 'emulator-process.mts');
  writeFileSync(
    script,
    [
      `import { createEventBridgeEmulator } from ${JSON.stringify(EMULATOR_MODULE)};`,
      'const emulator = createEventBridgeEmulator({',
      `  dataDir: ${JSON.stringify(stateDir)}, region: '${REGION}', accountId: '${ACCOUNT}',`,
      '  deliver: { sqs: () => new Promise(() => {}) },',
      '});',
      'const { url } = await emulator.listen();',
      "process.stdout.write(url + '\\n');",
    ].join('\n'),
  );
  const nodeBinary = existsSync(PINNED_NODE) ? PINNED_NODE : process.execPath;
  const child = spawn(nodeBinary, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout! });
  const [url] = (await once(lines, 'line')) as [string];
  cleanups.push(() => lines.close());
  return { process: child, url: url.trim() };
}
