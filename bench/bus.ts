// npm run bench:bus — how fast an event gets from PutEvents to the function behind a rule's SQS queue
// on the local cloud (EventBridge emulator → fauxqs SQS → SQS trigger → worker-thread function), at
// rising rates up to saturation. Prints a table and writes bench/results/bus.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { startLocalCloud } from '../local/src/index.ts';
import { FunctionPool } from '../local/src/runtime/functions.ts';
import { SqsTrigger } from '../local/src/triggers/sqs.ts';

const RATES = (process.env.BENCH_RATES ?? '25,50,100,200,400,800').split(',').map(Number);
const SECONDS_PER_RATE = Number(process.env.BENCH_SECONDS ?? 5);
const now = () => performance.timeOrigin + performance.now();

const dataDir = mkdtempSync(join(tmpdir(), 'qdn-bench-'));
const cloud = await startLocalCloud({ dataDir, port: 0, sitePort: 0, quiet: true });

// Prepare: a rule of our own on the bus, its queue, and a function behind an SQS trigger — the same
// pieces and settings (batch 10, window 0, concurrency 2) the services' consumers use locally.
const queue = cloud.fauxqs.createQueue('qdn-local-bench-bus', {
  region: 'us-west-2',
  attributes: { VisibilityTimeout: '30' },
});
await cloud.clients.eventBridge.send(
  new PutRuleCommand({
    Name: 'qdn-local-bench',
    EventBusName: 'qdn-local',
    EventPattern: JSON.stringify({ source: ['qdn.bench'] }),
  }),
);
await cloud.clients.eventBridge.send(
  new PutTargetsCommand({
    Rule: 'qdn-local-bench',
    EventBusName: 'qdn-local',
    Targets: [{ Id: 'bench', Arn: queue.queueArn }],
  }),
);
const pool = new FunctionPool({
  key: 'bench.busConsumer',
  name: 'qdn-bench-bus-consumer',
  handlerFile: fileURLToPath(new URL('./bus-consumer.ts', import.meta.url)),
  handlerExport: 'handler',
  timeoutSeconds: 10,
  memorySizeMb: 256,
  maxConcurrency: 2,
  environment: {},
});
await pool.warm();
const deliveredAt = new Map<string, number>();
const trigger = new SqsTrigger(cloud.clients.sqs, {
  queue: {
    service: 'bench',
    logicalId: 'BenchQueue',
    name: queue.queueName,
    url: queue.queueUrl,
    arn: queue.queueArn,
    visibilityTimeout: 30,
  },
  batchSize: 10,
  batchWindowSeconds: 0,
  maxConcurrency: 2,
  reportBatchItemFailures: true,
  invoke: async (event) => {
    const at = now();
    for (const record of event.Records)
      deliveredAt.set((JSON.parse(record.body).detail as { n: string }).n, at);
    return pool.invoke(event);
  },
});
trigger.start();

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface RateResult {
  targetPerSecond: number;
  sent: number;
  delivered: number;
  lost: number;
  achievedPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

async function runRate(rate: number): Promise<RateResult> {
  const total = rate * SECONDS_PER_RATE;
  const sentAt = new Map<string, number>();
  const sends: Promise<unknown>[] = [];
  const started = now();
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / rate;
    const wait = due - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const n = `${rate}-${index}`;
    sentAt.set(n, now());
    sends.push(
      cloud.clients.eventBridge.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'qdn-local',
              Source: 'qdn.bench',
              DetailType: 'BenchEvent',
              Detail: JSON.stringify({ n }),
            },
          ],
        }),
      ),
    );
  }
  await Promise.all(sends);
  const sendSeconds = (now() - started) / 1000;
  // Drain: wait until everything arrived or nothing new came for 5 s.
  let last = -1;
  let quietSince = now();
  while (now() - quietSince < 5_000) {
    const count = [...sentAt.keys()].filter((n) => deliveredAt.has(n)).length;
    if (count === total) break;
    if (count !== last) {
      last = count;
      quietSince = now();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const latencies = [...sentAt.entries()]
    .filter(([n]) => deliveredAt.has(n))
    .map(([n, at]) => deliveredAt.get(n)! - at)
    .sort((a, b) => a - b);
  const lastDelivery = Math.max(...[...sentAt.keys()].map((n) => deliveredAt.get(n) ?? 0));
  return {
    targetPerSecond: rate,
    sent: total,
    delivered: latencies.length,
    lost: total - latencies.length,
    achievedPerSecond: Math.round(latencies.length / Math.max(sendSeconds, (lastDelivery - started) / 1000)),
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p95Ms: Number(percentile(latencies, 95).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    maxMs: Number((latencies.at(-1) ?? Number.NaN).toFixed(1)),
  };
}

const results: RateResult[] = [];
try {
  await runRate(20); // warm-up, not reported
  for (const rate of RATES) {
    const result = await runRate(rate);
    results.push(result);
    console.log(
      `${String(rate).padStart(5)}/s  delivered ${result.delivered}/${result.sent}  achieved ${result.achievedPerSecond}/s  ` +
        `p50 ${result.p50Ms} ms  p95 ${result.p95Ms} ms  p99 ${result.p99Ms} ms  max ${result.maxMs} ms`,
    );
    if (result.achievedPerSecond < rate * 0.9 || result.p99Ms > 2_000) break;
  }
} finally {
  await trigger.stop();
  await pool.close();
  await cloud.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const saturated = results.find(
  (result) => result.achievedPerSecond < result.targetPerSecond * 0.9 || result.p99Ms > 2_000,
);
const at100 = results.find((result) => result.targetPerSecond === 100);
const summary = {
  benchmark: 'bus: PutEvents → rule → SQS → SQS trigger → function (local cloud)',
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.versions.node },
  secondsPerRate: SECONDS_PER_RATE,
  results,
  target: {
    rule: 'p99 < 100 ms at 100 events/s, no event lost',
    met: Boolean(at100 && at100.p99Ms < 100 && at100.lost === 0),
  },
  saturatesAtPerSecond: saturated?.targetPerSecond ?? null,
  measuredAt: new Date().toISOString(),
};
mkdirSync(new URL('./results', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/bus.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\nrate/s | delivered | achieved/s | p50 ms | p95 ms | p99 ms | max ms`);
for (const result of results) {
  console.log(
    `${result.targetPerSecond} | ${result.delivered}/${result.sent} | ${result.achievedPerSecond} | ${result.p50Ms} | ${result.p95Ms} | ${result.p99Ms} | ${result.maxMs}`,
  );
}
console.log(`\ntarget (p99 < 100 ms at 100/s, none lost): ${summary.target.met ? 'met' : 'NOT met'}`);
console.log(
  `saturates at: ${summary.saturatesAtPerSecond ? `${summary.saturatesAtPerSecond}/s` : `not within ${RATES.at(-1)}/s`}`,
);
console.log('written bench/results/bus.json');
process.exit(0);
