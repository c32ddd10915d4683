// npm run bench:fanout — one job status change fanned out to the customer's SMS and the job's timeline,
// end to end on the local cloud: API → jobs table → stream publisher → EventBridge → sms queue →
// notifications → fake Twilio; SmsSent → EventBridge → timeline queue → messages table.
// N jobs go en route at a fixed rate; for each, the time from the status request to the SMS at the
// fake Twilio and to its SmsSent timeline entry being stored. Reports p50/p95/p99, throughput, lost and
// duplicate counts (both must be 0). Targets at 20 status changes/s on this machine: p99 ≤ 500 ms
// (notifications path), ≤ 1 s with every consumer on (BENCH_FANOUT_ALL=1); BENCH_FANOUT_RATE=30 checks a
// sustained 30/s. Writes bench/results/fanout.json (fanout-all.json with BENCH_FANOUT_ALL=1, a -<rate>
// suffix when BENCH_FANOUT_RATE is set).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createLocalServer } from '@qdn/local-cloud/http-server';
import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { startLocalCloud } from '../local/src/index.ts';
import type { InvocationLog } from '../local/src/runtime/functions.ts';

const JOBS = Number(process.env.BENCH_FANOUT_JOBS ?? 200);
const RATE = Number(process.env.BENCH_FANOUT_RATE ?? 20);
const WARMUP = Number(process.env.BENCH_FANOUT_WARMUP ?? 100);
// Targets: p99 ≤ 500 ms on the notifications path; with every consumer on, ≤ 1 s (BENCH_FANOUT_ALL=1).
const TARGET_P99_MS = process.env.BENCH_FANOUT_ALL === '1' ? 1000 : 500;
const DEADLINE_MS = 60_000;
const dataParent = process.env.BENCH_DATA_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
/** An HTTP proxy in front of DynamoDB Local that counts calls by operation and table. */
async function startCallCounter() {
  let target = '';
  const calls = new Map<string, number>();
  const server = createLocalServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(request.headers['x-amz-target'] ?? '')
      .split('.')
      .pop();
    const table = (JSON.parse(body.toString() || '{}') as { TableName?: string }).TableName ?? '-';
    const call = `${operation} ${table.replace(/^qdn-(local-)?/, '')}`;
    calls.set(call, (calls.get(call) ?? 0) + 1);
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([name]) => !['host', 'connection'].includes(name)),
    ) as Record<string, string>;
    const answer = await fetch(`${target}${request.url}`, { method: request.method, headers, body });
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    forwardTo(endpoint: string) {
      target = endpoint;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const phoneOf = (index: number) => `+1858555${String(index).padStart(4, '0')}`;

const dataDir = mkdtempSync(join(dataParent, 'qdn-bench-fanout-'));
// In AWS every consumer has its own Lambda capacity; here they all share two cores. By default the
// consumers that are not on the measured path (calendar, calendar push, media's job projection, the SCC
// bridge) are switched off, so they don't take the CPU the SMS path would have in AWS.
// BENCH_FANOUT_ALL=1 keeps every consumer on: the whole system on one laptop.
const allConsumers = process.env.BENCH_FANOUT_ALL === '1';
const offPath = ['calendar.calendar', 'calendar.calendarPush', 'media.mediaJobs', 'scc-bridge.crew'];
const resultFile = `fanout${allConsumers ? '-all' : ''}${process.env.BENCH_FANOUT_RATE ? `-${RATE}` : ''}.json`;
// BENCH_FANOUT_COUNT_CALLS=1: the functions reach DynamoDB through a counting proxy, and the bench
// prints the DynamoDB calls per measured status change by operation and table (the proxy adds a hop,
// so the latencies of such a run are not the figures to quote).
const callCounter = process.env.BENCH_FANOUT_COUNT_CALLS === '1' ? await startCallCounter() : undefined;
const cloud = await startLocalCloud({
  dataDir,
  port: 0,
  sitePort: 0,
  quiet: true,
  disabledTriggers: allConsumers ? [] : offPath,
  ...(callCounter ? { environment: { AWS_ENDPOINT_URL_DYNAMODB: callCounter.url } } : {}),
});
callCounter?.forwardTo(cloud.endpoints.dynamodb);
try {
  const dispatcher = await cloud.token('dispatcher');
  // A dispatcher moves the jobs: a driver could only move jobs assigned to them for today.
  const mover = await cloud.token('dispatcher');
  const call = async (method: string, path: string, token: string, body: unknown) => {
    const response = await fetch(`${cloud.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<{ job: { jobId: string } }>;
  };

  // Arrange: N + WARMUP scheduled jobs, each with its own customer number. Their "booked" texts, then
  // WARMUP status changes at the measured rate, warm up every function on the path (as many instances
  // as the rate needs, as in a system that has been running); the measurement starts after that.
  const allJobIds: string[] = [];
  const total = JOBS + WARMUP;
  for (let index = 0; index < total; index += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, total - index) }, (_, offset) =>
        call('POST', '/jobs', dispatcher, {
          customer: { name: 'Bench Customer', phone: phoneOf(index + offset) },
          // With coordinates, as a dispatcher's job may have them: the geocoder (a JobCreated consumer)
          // would otherwise place 300 addresses while the measured status changes run beside it.
          address: { text: '1 Bench St, San Diego, CA', lat: 32.7157, lng: -117.1611 },
          serviceType: 'junk_removal',
          schedule: { date: '2026-12-15', window: 'morning' },
          crewIds: [],
        }),
      ),
    );
    allJobIds.push(...batch.map((created) => created.job.jobId));
  }
  const jobIds = allJobIds.slice(0, JOBS);
  const outboundCount = () =>
    cloud.twilio.messages().filter((message) => message.direction === 'outbound-api').length;
  const waitForTexts = async (count: number) => {
    const deadline = Date.now() + DEADLINE_MS * 2;
    while (outboundCount() < count) {
      if (Date.now() > deadline) throw new Error('warm-up texts did not all arrive');
      await sleep(200);
    }
    await sleep(2_000);
  };
  await waitForTexts(total);

  /** Status changes at RATE per second, each timed from the moment its request starts. */
  const answeredAt = new Map<string, number>();
  const goEnRoute = async (ids: string[], startedAt: Map<string, number>) => {
    const run = Date.now();
    await Promise.all(
      ids.map(async (jobId, index) => {
        await sleep(run + (index * 1000) / RATE - Date.now());
        startedAt.set(jobId, Date.now());
        await call('POST', `/jobs/${jobId}/status`, mover, { status: 'en_route', etaMinutes: 20 });
        answeredAt.set(jobId, Date.now());
      }),
    );
    return run;
  };
  await goEnRoute(allJobIds.slice(JOBS), new Map());
  await waitForTexts(total + WARMUP);

  // Act: the measured N status changes.
  const startedAt = new Map<string, number>();
  const callsBefore = new Map(callCounter?.calls);
  const run = await goEnRoute(jobIds, startedAt);
  const sentDuration = (Date.now() - run) / 1000;

  // Collect: the "on the way" SMS per number at the fake, and the SmsSent entries in the timeline.
  const onTheWay = () =>
    cloud.twilio.messages().filter((message) => message.body.includes("we're on the way"));
  const timelineEntries = async () => {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await cloud.clients.dynamodb.send(
        new ScanCommand({
          TableName: 'qdn-notifications-local-messages',
          FilterExpression: '#type = :sent AND template = :template',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: { ':sent': { S: 'SmsSent' }, ':template': { S: 'on_the_way' } },
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
    return items;
  };
  const deadline = Date.now() + DEADLINE_MS;
  let entries = await timelineEntries();
  while ((onTheWay().length < total || entries.length < total) && Date.now() < deadline) {
    await sleep(500);
    entries = await timelineEntries();
  }
  await sleep(3_000); // anything sent twice would show by now
  entries = await timelineEntries();

  const jobByPhone = new Map(jobIds.map((jobId, index) => [phoneOf(index), jobId]));
  const smsByJob = new Map<string, number[]>();
  for (const message of onTheWay()) {
    const jobId = jobByPhone.get(message.to);
    if (!jobId) continue; // a warm-up job
    smsByJob.set(jobId, [...(smsByJob.get(jobId) ?? []), Date.parse(message.dateCreated)]);
  }
  const entryByJob = new Map<string, number[]>();
  const measured = new Set(jobIds);
  for (const entry of entries) {
    const jobId = String(entry.jobId);
    if (!measured.has(jobId)) continue;
    entryByJob.set(jobId, [...(entryByJob.get(jobId) ?? []), Date.parse(String(entry.recordedAt))]);
  }
  const smsLatencies: number[] = [];
  const timelineLatencies: number[] = [];
  for (const jobId of jobIds) {
    const start = startedAt.get(jobId)!;
    const sms = smsByJob.get(jobId);
    const entry = entryByJob.get(jobId);
    if (sms?.[0] !== undefined) smsLatencies.push(Math.min(...sms) - start);
    if (entry?.[0] !== undefined) timelineLatencies.push(Math.min(...entry) - start);
  }
  /**
   * Each measured status change followed through the pipeline, from the invocation log (when each
   * function was called, got its event, ended) and the SQS attributes of the sms queue's records.
   */
  function hopBreakdown(
    ids: string[],
    requested: Map<string, number>,
    answered: Map<string, number>,
    sms: Map<string, number[]>,
    timeline: Map<string, number[]>,
  ) {
    const measuredIds = new Set(ids);
    const statusCall = new Map<string, InvocationLog>();
    const publisherCall = new Map<string, InvocationLog>();
    const smsCall = new Map<string, { invocation: InvocationLog; sentAt: number; receivedAt: number }>();
    for (const invocation of cloud.invocations) {
      if (invocation.functionKey === 'jobs.changeStatus') {
        const jobId = (invocation.event as { rawPath?: string }).rawPath?.split('/')[2];
        if (jobId && measuredIds.has(jobId)) statusCall.set(jobId, invocation);
      } else if (invocation.functionKey === 'jobs.publisher') {
        for (const record of (invocation.event as DynamoDBStreamEvent).Records) {
          const image = record.dynamodb?.NewImage;
          const jobId = image?.jobId?.S;
          if (jobId && measuredIds.has(jobId) && image?.status?.S === 'en_route' && image?.sk?.S === 'JOB')
            if (!publisherCall.has(jobId)) publisherCall.set(jobId, invocation);
        }
      } else if (invocation.functionKey === 'notifications.sms') {
        for (const record of (invocation.event as SQSEvent).Records) {
          const envelope = JSON.parse(record.body) as {
            'detail-type'?: string;
            detail?: { meta?: { jobId?: string }; data?: { job?: { status?: string } } };
          };
          const jobId = envelope.detail?.meta?.jobId;
          if (envelope['detail-type'] !== 'JobStatusChanged' || !jobId || !measuredIds.has(jobId)) continue;
          if (envelope.detail?.data?.job?.status !== 'en_route') continue;
          if (smsCall.has(jobId)) continue;
          smsCall.set(jobId, {
            invocation,
            sentAt: Number(record.attributes.SentTimestamp),
            receivedAt: Number(record.attributes.ApproximateFirstReceiveTimestamp),
          });
        }
      }
    }
    const hop: Record<string, number[]> = {
      'API answered (request → response)': [],
      'status written (request → changeStatus ended)': [],
      'stream read (→ publisher called)': [],
      'publisher start (waits for an environment)': [],
      'publisher ran (→ its batch done)': [],
      'bus → sms queue (publisher start → SQS sent)': [],
      'in queue (sent → received)': [],
      'sms start (received → handler has it)': [],
      'sms handler (→ text at Twilio)': [],
      'timeline (text → SmsSent stored)': [],
    };
    for (const jobId of ids) {
      const start = requested.get(jobId);
      const status = statusCall.get(jobId);
      const publisher = publisherCall.get(jobId);
      const consumer = smsCall.get(jobId);
      const text = sms.get(jobId)?.[0];
      const entry = timeline.get(jobId)?.[0];
      if (!start || !status || !publisher || !consumer || text === undefined) continue;
      hop['API answered (request → response)']!.push(answered.get(jobId)! - start);
      hop['status written (request → changeStatus ended)']!.push(status.endedAt - start);
      hop['stream read (→ publisher called)']!.push(publisher.calledAt - status.endedAt);
      hop['publisher start (waits for an environment)']!.push(publisher.startedAt - publisher.calledAt);
      hop['publisher ran (→ its batch done)']!.push(publisher.endedAt - publisher.startedAt);
      hop['bus → sms queue (publisher start → SQS sent)']!.push(consumer.sentAt - publisher.startedAt);
      hop['in queue (sent → received)']!.push(consumer.receivedAt - consumer.sentAt);
      hop['sms start (received → handler has it)']!.push(consumer.invocation.startedAt - consumer.receivedAt);
      hop['sms handler (→ text at Twilio)']!.push(text - consumer.invocation.startedAt);
      if (entry !== undefined) hop['timeline (text → SmsSent stored)']!.push(entry - text);
    }
    return Object.fromEntries(
      Object.entries(hop).map(([name, values]) => [
        name,
        {
          p50: percentile(values, 50),
          p99: percentile(values, 99),
          max: Math.max(...values),
          n: values.length,
        },
      ]),
    );
  }
  const stats = (values: number[]) => ({
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
  });
  const lastArrival = Math.max(...[...smsByJob.values()].flat());
  const hops = hopBreakdown(jobIds, startedAt, answeredAt, smsByJob, entryByJob);
  const summary = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    consumers: allConsumers ? 'all' : `all but ${offPath.join(', ')}`,
    statusChanges: JOBS,
    warmUpStatusChanges: WARMUP,
    ratePerSecond: RATE,
    sentOverSeconds: Number(sentDuration.toFixed(2)),
    smsAtTwilioMs: stats(smsLatencies),
    timelineEntryStoredMs: stats(timelineLatencies),
    throughputSmsPerSecond: Number((smsLatencies.length / ((lastArrival - run) / 1000)).toFixed(1)),
    lost: {
      sms: JOBS - smsByJob.size,
      timelineEntries: JOBS - entryByJob.size,
    },
    duplicates: {
      sms: [...smsByJob.values()].reduce((sum, sent) => sum + sent.length - 1, 0),
      timelineEntries: [...entryByJob.values()].reduce((sum, stored) => sum + stored.length - 1, 0),
    },
    targetP99Ms: TARGET_P99_MS,
    hopsMs: hops,
  };
  const pass =
    summary.smsAtTwilioMs.p99 <= TARGET_P99_MS &&
    summary.timelineEntryStoredMs.p99 <= TARGET_P99_MS &&
    summary.lost.sms +
      summary.lost.timelineEntries +
      summary.duplicates.sms +
      summary.duplicates.timelineEntries ===
      0;
  writeFileSync(
    new URL(`./results/${resultFile}`, import.meta.url),
    `${JSON.stringify({ ...summary, pass }, null, 2)}\n`,
  );
  console.log(`fan-out: ${JOBS} status changes at ${RATE}/s (sent over ${summary.sentOverSeconds} s)`);
  console.table({
    'SMS at Twilio (ms)': summary.smsAtTwilioMs,
    'timeline entry stored (ms)': summary.timelineEntryStoredMs,
  });
  console.log(
    `throughput ${summary.throughputSmsPerSecond} SMS/s; lost ${JSON.stringify(summary.lost)}; duplicates ${JSON.stringify(summary.duplicates)}`,
  );
  console.log(`${pass ? 'PASS' : 'FAIL'}: p99 ≤ ${TARGET_P99_MS} ms with nothing lost or doubled`);
  console.log('Where a status change spends its time, per hop (ms; each from the end of the one before):');
  console.table(hops);
  // Where the time goes: each function's invocations during the measured run.
  const during = cloud.invocations.filter((invocation) => invocation.ms !== undefined);
  const byFunction = new Map<string, { invocations: number; records: number; ms: number }>();
  for (const invocation of during) {
    const records = (invocation.event as { Records?: unknown[] }).Records?.length ?? 1;
    const seen = byFunction.get(invocation.functionKey) ?? { invocations: 0, records: 0, ms: 0 };
    byFunction.set(invocation.functionKey, {
      invocations: seen.invocations + 1,
      records: seen.records + records,
      ms: seen.ms + invocation.ms,
    });
  }
  console.table(
    Object.fromEntries(
      [...byFunction].map(([key, seen]) => [
        key,
        { ...seen, msPerRecord: Number((seen.ms / seen.records).toFixed(1)) },
      ]),
    ),
  );
  if (callCounter) {
    const perChange = [...callCounter.calls]
      .map(([call, count]) => [call, (count - (callsBefore.get(call) ?? 0)) / JOBS] as const)
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1]);
    console.log(
      `DynamoDB calls per measured status change (all functions): ${perChange.reduce((sum, [, count]) => sum + count, 0).toFixed(1)}`,
    );
    console.table(Object.fromEntries(perChange.map(([call, count]) => [call, Number(count.toFixed(2))])));
    await callCounter.close();
  }
  console.log(`written bench/results/${resultFile}`);
  process.exitCode = pass ? 0 : 1;
} finally {
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
