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
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startLocalCloud } from '../local/src/index.ts';

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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const phoneOf = (index: number) => `+1858555${String(index).padStart(4, '0')}`;

const dataDir = mkdtempSync(join(dataParent, 'qdn-bench-fanout-'));
// In AWS every consumer has its own Lambda capacity; here they all share two cores. By default the
// consumers that are not on the measured path (calendar, calendar push, media's job projection, the SCC
// bridge) are switched off, so they don't take the CPU the SMS path would have in AWS.
// BENCH_FANOUT_ALL=1 keeps every consumer on: the whole system on one laptop.
const allConsumers = process.env.BENCH_FANOUT_ALL === '1';
const offPath = ['calendar.calendar', 'calendar.calendarPush', 'media.jobs', 'scc-bridge.crew'];
const resultFile = `fanout${allConsumers ? '-all' : ''}${process.env.BENCH_FANOUT_RATE ? `-${RATE}` : ''}.json`;
const cloud = await startLocalCloud({
  dataDir,
  port: 0,
  sitePort: 0,
  quiet: true,
  disabledTriggers: allConsumers ? [] : offPath,
});
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
          address: { text: '1 Bench St, San Diego, CA' },
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
  const goEnRoute = async (ids: string[], startedAt: Map<string, number>) => {
    const run = Date.now();
    await Promise.all(
      ids.map(async (jobId, index) => {
        await sleep(run + (index * 1000) / RATE - Date.now());
        startedAt.set(jobId, Date.now());
        await call('POST', `/jobs/${jobId}/status`, mover, { status: 'en_route', etaMinutes: 20 });
      }),
    );
    return run;
  };
  await goEnRoute(allJobIds.slice(JOBS), new Map());
  await waitForTexts(total + WARMUP);

  // Act: the measured N status changes.
  const startedAt = new Map<string, number>();
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
  const stats = (values: number[]) => ({
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
  });
  const lastArrival = Math.max(...[...smsByJob.values()].flat());
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
  console.log(`written bench/results/${resultFile}`);
  process.exitCode = pass ? 0 : 1;
} finally {
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
