// npm run bench:jobs — latency of the jobs API through the local cloud's HTTP API (API Gateway front →
// worker-thread function → DynamoDB Local) with 100 and with 20,000 jobs stored: `GET /track/{token}`
// (public) and `POST /jobs/{jobId}/status` (dispatcher). Does either get slower as the table grows?
// Target: p50 at 20,000 / p50 at 100 < 1.3 for both (100 is measured before and after 20,000, see
// PHASES). Prints a table and writes bench/results/jobs.json.
//
// Seeding: each job is what `POST /jobs` and then `POST /jobs/{jobId}/status {"status":"en_route"}` store,
// made by the jobs service's own `createJob` and `changeStatus` commands over its repository
// (`DynamoJobRepository`) writing to a recording client; the recorded items (job + tracking link) then
// go to the table with parallel BatchWriteItem. The stream publisher's trigger is disabled
// (`disabledTriggers: ['jobs.publisher']`), so neither the seeding nor the measured status changes set
// off the fan-out (bus → SMS, calendar, SCC consumers).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  type GetCommand,
  type TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { loadBrands } from '@qdn/shared/brand-loader';
import { monotonicFactory } from 'ulid';
import { startLocalCloud } from '../local/src/index.ts';
import { DynamoJobRepository } from '../services/jobs/src/adapters/job-store.ts';
import { changeStatus, createJob, type JobsContext } from '../services/jobs/src/domain/job-commands.ts';
import { CreateJobInput } from '../services/jobs/src/domain/job-input.ts';

/**
 * Jobs stored in each phase, measured in turn: 100, then 20,000, then back to 100 (the 19,900 added
 * jobs deleted). Whatever is measured later runs on a warmer JVM and worker threads, so measuring 100
 * before and after 20,000 shows that drift, and 20,000 is compared with the faster of the two.
 */
const PHASES = (process.env.BENCH_JOBS ?? '100,20000,100').split(',').map(Number);
/** Measured requests per endpoint and phase (GET and POST alternate). */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 500);
/** API warm-up, in GET + POST pairs: at least this many in the first phase, ... */
const FIRST_WARMUP = Number(process.env.BENCH_FIRST_WARMUP ?? 1_500);
/** ... this many for the others, and at most MAX_WARMUP, stopping once it no longer gets faster. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
const MAX_WARMUP = Number(process.env.BENCH_MAX_WARMUP ?? 4_000);
const BATCH_CONCURRENCY = 3;
const TABLE = 'qdn-local-jobs';
const TARGET_RATIO = 1.3;
const repoRoot = new URL('..', import.meta.url).pathname;
// DynamoDB Local's files go to tmpfs (/dev/shm) when there is one: writing 40,000 items takes ≈20 s there
// and 50-90 s on this machine's disk (fsync waits), for the same API latencies; BENCH_DATA_DIR overrides.
const dataParent = process.env.BENCH_DATA_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

const GET_TRACK = 'GET /track/{token}';
const POST_STATUS = 'POST /jobs/{jobId}/status';

/** A small seeded PRNG (mulberry32): the same picks on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round = (value: number) => Number(value.toFixed(1));
const median = (values: number[]) => percentile(values, 50);
const pad = (size: number) => String(size).padStart(6);

interface SeededJob {
  jobId: string;
  token: string;
  status: 'scheduled' | 'en_route';
  /** The keys of its two items (job, tracking link), as the repository wrote them. */
  keys: { pk: unknown; sk: unknown }[];
}

interface EndpointResult {
  phase: number;
  jobs: number;
  endpoint: string;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** p50 of the function's own duration in its worker thread (handler + its DynamoDB calls). */
  functionP50Ms: number;
}

const dataDir = mkdtempSync(join(dataParent, 'qdn-bench-jobs-'));
const results: EndpointResult[] = [];
const warmups: { phase: number; jobs: number; pairs: number; blockP50Ms: number[] }[] = [];
const storage: { phase: number; jobs: number; getItemP50Ms: number; getItemP99Ms: number }[] = [];
const seeding: Record<string, number>[] = [];
let publisherInvocations = 0;
let failure: unknown;
const removeData = () => rmSync(dataDir, { recursive: true, force: true });
const cloud = await startLocalCloud({
  dataDir,
  port: 0,
  sitePort: 0,
  quiet: true,
  disabledTriggers: ['jobs.publisher'],
  // Every request comes from this one address: lift the per-address tracking lookup limit.
  environment: { TRACK_LOOKUPS_PER_IP_PER_MINUTE: '1000000' },
}).catch((error: unknown) => {
  removeData();
  throw error;
});
// One stop for everyone (the run's end, a failure, Ctrl-C), so nothing exits before DynamoDB Local has.
let stopped: Promise<void> | undefined;
const stopCloud = () => (stopped ??= cloud.stop().finally(removeData));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void stopCloud().finally(() => process.exit(130)));
}
try {
  if (![...cloud.provisioned.tables.values()].some((table) => table.name === TABLE))
    throw new Error(`no table ${TABLE}`);
  const documents = DynamoDBDocumentClient.from(cloud.clients.dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

  // The repository (and the commands above it) run against a recorder: it keeps the latest item each
  // TransactWriteItems puts, by key, and answers GetItem from them, as the table would.
  const pending = new Map<string, Record<string, unknown>>();
  const keyOf = (item: Record<string, unknown>) => `${item.pk} ${item.sk}`;
  const recorder = {
    async send(command: TransactWriteCommand | GetCommand) {
      if ('Key' in command.input) return { Item: pending.get(keyOf(command.input.Key!)) };
      for (const item of command.input.TransactItems ?? []) {
        if (!item.Put?.Item || item.Put.TableName !== TABLE)
          throw new Error('unexpected write while seeding');
        pending.set(keyOf(item.Put.Item), item.Put.Item);
      }
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  const newUlid = monotonicFactory();
  const context: JobsContext = {
    repository: new DynamoJobRepository(recorder, TABLE),
    brands: await loadBrands({ BRANDS_FILE: join(repoRoot, 'shared/config/brands.local.json') }),
    now: () => new Date(),
    newJobId: () => `qdn_${newUlid()}`,
    siteBaseUrl: () => cloud.siteUrl,
    trackingLinkSecret: async () => cloud.ssm.get('/qdn/local/tracking-link-secret')!.value,
    bookingLimits: { perPhonePerDay: 3, perIpPerHour: 10, maxDaysAhead: 365, maxRentalDays: 30 },
    trackingLinkDaysAfterClose: 3,
    // Seeding creates jobs only: no limit is taken.
    limits: { take: async () => ({ allowed: true }) },
    trackLookupsPerIpPerMinute: 1_000_000,
    // Seeding opens no tracking page.
    linkViews: {
      recordOpen: async () => {
        throw new Error('unexpected link open while seeding');
      },
      of: async () => undefined,
    },
  };
  const dispatcher = { userId: 'bench-dispatcher', roles: ['dispatcher' as const] };

  /** BatchWriteItem, 25 requests a call, BATCH_CONCURRENCY calls at a time, unprocessed ones retried. */
  async function batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        let batch = requests.slice(next, next + 25);
        next += 25;
        for (let attempt = 0; batch.length > 0; attempt++) {
          if (attempt > 10) throw new Error('BatchWriteItem kept leaving items unprocessed');
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
          const { UnprocessedItems } = await documents.send(
            new BatchWriteCommand({ RequestItems: { [TABLE]: batch } }),
          );
          batch = (UnprocessedItems?.[TABLE] ?? []) as typeof batch;
        }
      }
    };
    await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, worker));
  }

  const jobs: SeededJob[] = [];
  /**
   * Adds jobs or deletes the newest, to `total` jobs. A job is what `POST /jobs` and then
   * `POST /jobs/{jobId}/status {"status":"en_route"}` store (createJob and changeStatus, run against the
   * recorder): its job item (version 2) and its tracking-link item, written with BatchWriteItem.
   */
  async function storeJobs(total: number): Promise<void> {
    const started = performance.now();
    const before = jobs.length;
    if (total < before) {
      const removed = jobs.splice(total);
      await batchWrite(removed.flatMap((job) => job.keys.map((Key) => ({ DeleteRequest: { Key } }))));
    } else {
      for (let index = before; index < total; index++) {
        // Spread over a year of dates (≈55 a day on the byDate index at 20,000), three service types.
        const date = new Date(Date.UTC(2027, 0, 1) + (index % 365) * 86_400_000).toISOString().slice(0, 10);
        const input = CreateJobInput.parse({
          customer: {
            name: `Bench Customer ${index}`,
            phone: `+1619555${String(index % 10_000).padStart(4, '0')}`,
          },
          address: { text: `${100 + (index % 900)} Bench St, San Diego, CA`, lat: 32.7, lng: -117.1 },
          serviceType: ['trailer_pickup_and_dump', 'trailer_drop', 'junk_removal'][index % 3],
          schedule: { date, window: index % 2 === 0 ? 'morning' : 'afternoon' },
          paymentMethod: 'zelle',
          notes: 'gate code 1234',
        });
        const written = pending.size;
        const { job, trackingUrl } = await createJob(context, input, dispatcher);
        await changeStatus(context, job.jobId, { status: 'en_route' }, dispatcher);
        const keys = [...pending.values()].slice(written).map(({ pk, sk }) => ({ pk, sk }));
        jobs.push({ jobId: job.jobId, token: trackingUrl.split('/track/')[1]!, status: 'en_route', keys });
      }
      await batchWrite([...pending.values()].map((Item) => ({ PutRequest: { Item } })));
      pending.clear();
    }
    const seconds = (performance.now() - started) / 1000;
    const verb = total < before ? 'deleted' : 'seeded';
    const changed = Math.abs(total - before);
    seeding.push({ [verb]: changed, items: changed * 2, seconds: round(seconds), stored: total });
    console.log(
      `${verb} ${changed} jobs (${changed * 2} items) in ${seconds.toFixed(1)} s — ${total} stored`,
    );
  }

  const direct = new DynamoJobRepository(documents, TABLE);
  const dispatcherToken = await cloud.token('dispatcher');
  async function timed(url: string, init: RequestInit, check: (body: unknown) => boolean): Promise<number> {
    const started = performance.now();
    const response = await fetch(url, init);
    const text = await response.text();
    const elapsed = performance.now() - started;
    if (response.status !== 200 || !check(JSON.parse(text)))
      throw new Error(`${init.method} ${url}: ${response.status} ${text.slice(0, 300)}`);
    return elapsed;
  }
  const statusRequest = (body: Record<string, unknown>): RequestInit => ({
    method: 'POST',
    headers: { authorization: `Bearer ${dispatcherToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const statusIs = (status: string) => (body: unknown) =>
    (body as { job?: { status?: string } }).job?.status === status;

  /** GET /track/{token} for a stored job; the answer must show the job's current status. */
  const track = (job: SeededJob) =>
    timed(`${cloud.apiUrl}/track/${job.token}`, { method: 'GET' }, statusIs(job.status));
  /** A real status change: `scheduled` → `en_route`, or `en_route` → `scheduled` (a correction, with a reason). */
  const move = async (job: SeededJob) => {
    const to = job.status === 'scheduled' ? 'en_route' : 'scheduled';
    const elapsed = await timed(
      `${cloud.apiUrl}/jobs/${job.jobId}/status`,
      statusRequest(to === 'en_route' ? { status: to } : { status: to, reason: 'bench: back' }),
      statusIs(to),
    );
    job.status = to;
    return elapsed;
  };
  /**
   * For warming up: the job's own status again with a new ETA — the same route, read and conditional
   * write (a new version) as a move, but the item does not grow, so warming up leaves the jobs as they were.
   */
  let eta = 0;
  const updateEta = (job: SeededJob) =>
    timed(
      `${cloud.apiUrl}/jobs/${job.jobId}/status`,
      statusRequest({ status: job.status, etaMinutes: (eta++ % 120) + 1 }),
      statusIs(job.status),
    );
  /** Marks the invocation log; the returned function gives the durations of `functionKey` since. */
  function invocationsSince(functionKey: string) {
    const before = new Set(cloud.invocations);
    return () =>
      cloud.invocations
        .filter((entry) => entry.functionKey === functionKey && !before.has(entry))
        .map((entry) => entry.ms);
  }
  function summarize(
    phase: number,
    size: number,
    endpoint: string,
    latencies: number[],
    functionMs: number[],
  ) {
    const result: EndpointResult = {
      phase,
      jobs: size,
      endpoint,
      requests: latencies.length,
      p50Ms: round(percentile(latencies, 50)),
      p95Ms: round(percentile(latencies, 95)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      meanMs: round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
      functionP50Ms: round(median(functionMs)),
    };
    results.push(result);
    console.log(
      `${pad(size)} jobs  ${endpoint.padEnd(26)} p50 ${result.p50Ms} ms  p95 ${result.p95Ms} ms  ` +
        `p99 ${result.p99Ms} ms  max ${result.maxMs} ms  (in the function: p50 ${result.functionP50Ms} ms)`,
    );
  }

  for (const [phase, size] of PHASES.entries()) {
    await storeJobs(size);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // let DynamoDB Local settle after the writes
    const pick = random(size);
    const anyJob = () => jobs[Math.floor(pick() * size)]!;
    // The jobs whose status the measured POSTs change (random `en_route` ones, half the jobs at most), and
    // the jobs the GETs read: all the other `en_route` ones, so every GET takes the same, fullest path
    // (link, job, the truck's last location, a signed grant) whatever the table holds.
    const movable = jobs.filter((job) => job.status === 'en_route');
    for (let index = movable.length - 1; index > 0; index--) {
      const other = Math.floor(pick() * (index + 1));
      [movable[index], movable[other]] = [movable[other]!, movable[index]!];
    }
    const moved = movable.slice(0, Math.min(Math.floor(size / 2), REQUESTS));
    const readable = movable.slice(moved.length);
    const readableJob = () => readable[Math.floor(pick() * readable.length)]!;

    // API warm-up, not measured: GET + ETA-update pairs on random jobs in blocks of 100, at least
    // FIRST_WARMUP (first phase) or WARMUP pairs and, from six blocks on, until the median of the last
    // three blocks is no longer 3 % faster than that of the three before (the JVM and the functions'
    // worker threads take ~1,500 requests to reach steady speed).
    const blocks: number[] = [];
    for (let pairs = 0; pairs < MAX_WARMUP; ) {
      const block: number[] = [];
      for (let index = 0; index < 100; index++, pairs++)
        block.push((await track(readableJob())) + (await updateEta(anyJob())));
      blocks.push(round(median(block)));
      const steady = blocks.length >= 6 && median(blocks.slice(-3)) >= 0.97 * median(blocks.slice(-6, -3));
      if (pairs >= (phase === 0 ? FIRST_WARMUP : WARMUP) && (steady || blocks.length < 6)) break;
    }
    warmups.push({ phase: phase + 1, jobs: size, pairs: blocks.length * 100, blockP50Ms: blocks });
    console.log(`${pad(size)} jobs  warm-up ${blocks.length * 100} pairs, block p50s ${blocks.join(' ')} ms`);

    // Measured, sequential, GET and POST alternating (a slow moment hits both alike). Every POST is a real
    // status change (a new version and history entry), the moved jobs taken in turn: `en_route` →
    // `scheduled` (a dispatcher's correction, with a reason), then `scheduled` → `en_route`. At 20,000
    // jobs each of 500 jobs is corrected once; at 100 each of 50 jobs moves ten times, ending `en_route`.
    const trackInvocations = invocationsSince('jobs.getTrackingView');
    const statusInvocations = invocationsSince('jobs.changeStatus');
    const trackLatencies: number[] = [];
    const statusLatencies: number[] = [];
    for (let index = 0; index < REQUESTS; index++) {
      trackLatencies.push(await track(readableJob()));
      statusLatencies.push(await move(moved[index % moved.length]!));
    }
    summarize(phase + 1, size, GET_TRACK, trackLatencies, trackInvocations());
    summarize(phase + 1, size, POST_STATUS, statusLatencies, statusInvocations());

    // The storage alone: GetItem (consistent, as the repository reads a job) straight to DynamoDB Local.
    const getItemLatencies: number[] = [];
    for (let index = 0; index < REQUESTS; index++) {
      const started = performance.now();
      await direct.get(anyJob().jobId);
      getItemLatencies.push(performance.now() - started);
    }
    const getItem = {
      phase: phase + 1,
      jobs: size,
      getItemP50Ms: round(percentile(getItemLatencies, 50)),
      getItemP99Ms: round(percentile(getItemLatencies, 99)),
    };
    storage.push(getItem);
    console.log(
      `${pad(size)} jobs  DynamoDB GetItem, direct    p50 ${getItem.getItemP50Ms} ms  p99 ${getItem.getItemP99Ms} ms`,
    );
  }
  publisherInvocations = cloud.invocations.filter((entry) => entry.functionKey === 'jobs.publisher').length;
} catch (error) {
  failure = error;
} finally {
  await stopCloud();
}
if (failure) {
  console.error(failure);
  process.exit(1);
}

const smallest = Math.min(...PHASES);
const largest = Math.max(...PHASES);
const p50s = (size: number, endpoint: string) =>
  results.filter((result) => result.jobs === size && result.endpoint === endpoint).map((r) => r.p50Ms);
/** p50 with the most jobs over the best p50 with the fewest (the harder comparison when there are two). */
const ratios = Object.fromEntries(
  [GET_TRACK, POST_STATUS].map((endpoint) => [
    endpoint,
    Number((Math.max(...p50s(largest, endpoint)) / Math.min(...p50s(smallest, endpoint))).toFixed(2)),
  ]),
);
const summary = {
  benchmark:
    'jobs API latency through the local HTTP API (API front → worker-thread function → DynamoDB Local)',
  machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.versions.node },
  settings: {
    phases: PHASES.map((jobs, index) => ({ phase: index + 1, jobsStored: jobs })),
    measuredRequestsPerEndpoint: REQUESTS,
    sequential: 'one request at a time, GET and POST alternating',
    track:
      'GET /track/{token} of a random en_route job (link, job, last location, signed grant) that the POSTs leave alone',
    status:
      'POST /jobs/{jobId}/status, each a real status change (new version, new history entry): en_route → scheduled (a correction with a reason) or scheduled → en_route, over min(jobs / 2, requests) distinct random jobs in turn',
    warmup: {
      pairs: { firstPhase: FIRST_WARMUP, otherPhases: WARMUP, max: MAX_WARMUP },
      what: 'GET /track/{token} + POST /jobs/{jobId}/status with the same status and a new etaMinutes (a write, no status change), random jobs, in blocks of 100 until steady; not measured',
    },
    dataDir: dataParent,
    seeding:
      'jobs made by the service’s createJob + changeStatus to en_route (what POST /jobs and POST /jobs/{jobId}/status store: job item + tracking-link item), written with BatchWriteItem; going back to 100 deletes the newest 19,900 jobs’ items the same way',
    publisherTrigger: 'disabled (disabledTriggers: [jobs.publisher]): no fan-out while seeding or measuring',
  },
  seeding,
  warmups,
  publisherInvocations,
  results,
  storage,
  p50Ratio: ratios,
  target: {
    rule: `p50 at ${largest} jobs / the better p50 at ${smallest} jobs < ${TARGET_RATIO} for each endpoint`,
    met: Object.values(ratios).every((ratio) => ratio < TARGET_RATIO),
  },
  measuredAt: new Date().toISOString(),
};
writeFileSync(new URL('./results/jobs.json', import.meta.url), `${JSON.stringify(summary, null, 2)}\n`);
console.log('\nendpoint | phase | jobs | p50 ms | p95 ms | p99 ms | max ms | in the function p50 ms');
for (const result of [...results].sort((a, b) => a.endpoint.localeCompare(b.endpoint))) {
  console.log(
    `${result.endpoint} | ${result.phase} | ${result.jobs} | ${result.p50Ms} | ${result.p95Ms} | ${result.p99Ms} | ${result.maxMs} | ${result.functionP50Ms}`,
  );
}
for (const [endpoint, ratio] of Object.entries(ratios)) {
  console.log(`p50 ratio ${largest} : ${smallest}, ${endpoint}: ${ratio}`);
}
console.log(`target (p50 ratio < ${TARGET_RATIO} for both): ${summary.target.met ? 'met' : 'NOT met'}`);
console.log(`jobs.publisher invocations: ${publisherInvocations}`);
console.log('written bench/results/jobs.json');
process.exit(0);
