import { createHash } from 'node:crypto';
import { appendFileSync, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './cloudformation.ts';
import { startConsoleOrigin } from './console-origin.ts';
import { databaseFileOf, indexStreamRecords, startDynamoDbLocal } from './dynamodb-local.ts';
import { createEventBridgeEmulator, type EventBridgeEmulator } from './eventbridge/emulator.ts';
import { type CalendarFake, createCalendarFake } from './fakes/calendar.ts';
import { type CloudFrontFake, createCloudFrontFake } from './fakes/cloudfront.ts';
import type { JsonApiFake } from './fakes/http-fake.ts';
import { createPlaceIndexFake } from './fakes/place-index.ts';
import { createSccFake, type SccFake } from './fakes/scc.ts';
import { createSsmFake, type SsmFake } from './fakes/ssm.ts';
import { createStaticMapFake, LOCAL_MAPS_KEY, type StaticMapFake } from './fakes/static-map.ts';
import { createStripeFake, type StripeFake } from './fakes/stripe.ts';
import { createTwilioFake, type TwilioFake } from './fakes/twilio.ts';
import { type FunctionsTopology, functionsFromTopology } from './functions-from-topology.ts';
import { createHttpFront } from './http-front.ts';
import { createLocalServer } from './http-server.ts';
import { localParameters } from './local-parameters.ts';
import { LOCAL_SECRETS } from './local-secrets.ts';
import { ensurePortFree, PidFileGuard, requireJava17 } from './processes.ts';
import { type ProvisionedCloud, provisionCloud } from './provision.ts';
import { bundleFunctions } from './runtime/bundles.ts';
import { FunctionPool, type InvocationLog, workerSource } from './runtime/functions.ts';
import { createS3Front, type S3ObjectCreatedEvent, watchFauxqsUploads } from './s3-front/index.ts';
import { createSchedulerEmulator, type SchedulerEmulator } from './scheduler/emulator.ts';
import { resolveTopology } from './topology.ts';
import { CheckpointStore, DynamoStreamTrigger, streamsWritableBy } from './triggers/dynamodb-stream.ts';
import { ScheduleTrigger } from './triggers/schedule.ts';
import { SqsTrigger } from './triggers/sqs.ts';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface LocalCloudOptions {
  /** Where all state lives (default `<repo>/.qdn`, or QDN_DATA_DIR). */
  dataDir?: string;
  /** API port (default 3000, or QDN_PORT); 0 picks a free one. */
  port?: number;
  /** Site port for the public pages (default 3001, or QDN_SITE_PORT); 0 picks a free one. */
  sitePort?: number;
  /**
   * Console port (default 3002, or QDN_CONSOLE_PORT); 0 picks a free one. With `port: 0` (tests,
   * benchmarks) it defaults to 0 too, so parallel clouds never collide on it.
   */
  consolePort?: number;
  /** Start with an empty data dir. */
  reset?: boolean;
  /** Function logs go to `<dataDir>/logs/functions.log` instead of the terminal. */
  quiet?: boolean;
  /** Say what is happening while starting. */
  log?: (line: string) => void;
  /**
   * Function keys (`<service folder>.<function>`, e.g. `jobs.publisher`) whose SQS and DynamoDB stream
   * triggers are not started: the function still exists and can be invoked, but nothing polls its
   * queue or stream (records stay there). For benchmarks and tests that fill a table without setting
   * off the fan-out. An unknown key is an error.
   */
  disabledTriggers?: string[];
  /**
   * Variables set in every function's environment over what the YAML gives (e.g. a benchmark lifting
   * a per-client rate limit that its one-address load would otherwise hit).
   */
  environment?: Record<string, string>;
  /**
   * Workers import each handler bundled with esbuild (runtime/bundles.ts: cached in .cache/local-bundles,
   * rebuilt when one of its inputs changes) instead of its TypeScript source: a cold start takes about
   * half the CPU. The test harness turns it on (every suite cold-starts its own workers); `npm start` and
   * the benchmarks run the sources, so an edit is live on the next cold start without a build step.
   */
  bundleFunctions?: boolean;
  /**
   * A DynamoDB Local already running without `-sharedDb` (startDynamoDbLocal's `sharedDb: false`), to
   * use instead of starting one: the integration tests start one for every suite's cloud (a JVM start
   * is ≈3 s of each suite's set-up). This cloud signs with an access key of its own, so it sees only its
   * own tables; `dbDir` is that DynamoDB Local's database folder (its file gets the stream indexes).
   */
  dynamodb?: { endpoint: string; dbDir: string };
}

export { LOCAL_SECRETS } from './local-secrets.ts';

/** What a first job goes through, in the order it needs them (see LocalCloud.warmUp). */
export const FIRST_REQUEST_FUNCTIONS = [
  'jobs.createJob',
  'jobs.publisher',
  'notifications.sms',
  'notifications.publisher',
  'notifications.timeline',
  'notifications.deliveryStatus',
  'jobs.changeStatus',
  'jobs.getTrackingView',
  'calendar.calendar',
  'calendar.calendarPush',
  'media.mediaJobs',
  'scc-bridge.crew',
  'notifications.receiveSms',
  'notifications.inbound',
  'notifications.getTimeline',
] as const;

/**
 * DynamoDB Local on a free port. The port is found free, then Java binds it a moment later; another
 * listener (fauxqs starting alongside, another test's cloud) can take it in between, so a bind failure
 * is retried on a new port.
 */
async function startDynamoDbOnFreePort(dbDir: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDynamoDbLocal({ dbDir, port: await ensurePortFree(0, 'QDN_PORT') });
    } catch (error) {
      if (attempt >= 3 || !/Address already in use|Failed to bind/.test((error as Error).message))
        throw error;
    }
  }
}

export interface LocalCloud {
  apiUrl: string;
  siteUrl: string;
  /** The dispatcher console, with the local OAuth endpoints (`/oauth2/authorize`, `/oauth2/token`, `/logout`). */
  consoleUrl: string;
  dataDir: string;
  endpoints: {
    dynamodb: string;
    sqs: string;
    sns: string;
    s3: string;
    events: string;
    scheduler: string;
    ssm: string;
    cloudfront: string;
    location: string;
  };
  clients: {
    dynamodb: DynamoDBClient;
    sqs: SQSClient;
    sns: SNSClient;
    s3: S3Client;
    eventBridge: EventBridgeClient;
  };
  twilio: TwilioFake;
  scc: SccFake;
  calendar: CalendarFake;
  /** Stripe's API (Checkout, refunds) and its signed webhooks: `stripe.pay(sessionId)` is a customer paying. */
  stripe: StripeFake;
  /** Amazon Location's place index (jobs' geocoding), answering from the San Diego gazetteer. */
  placeIndex: JsonApiFake;
  /** Amazon Location's Maps API: GetStaticMap (generated SVGs) and the console's style, at `<apiUrl>/_local/maps/v2/…`. */
  staticMap: StaticMapFake;
  /** Parameter Store as the functions and the deploy scripts see it (with fault injection for tests). */
  ssm: SsmFake;
  /** Records the CloudFront invalidations the deploy and promote scripts ask for. */
  cloudfront: CloudFrontFake;
  fauxqs: FauxqsServer;
  eventBridge: EventBridgeEmulator;
  /**
   * EventBridge Scheduler, with a clock tests move forward: `scheduler.advanceTo(date)` /
   * `advanceBy(seconds)` fire what falls due (in time order) and answer with it; `pending()` lists
   * what is waiting; `now()` is the emulator's time.
   */
  scheduler: SchedulerEmulator;
  provisioned: ProvisionedCloud;
  topology: FunctionsTopology;
  functions: Map<string, FunctionPool>;
  invocations: InvocationLog[];
  /**
   * Starts one execution environment, one function at a time, for each function a first job goes
   * through (create, status change, publisher, the consumers, Twilio's callbacks, the tracking view),
   * so a person's first request does not wait for those cold starts. `npm start` runs it in the
   * background once the cloud is healthy; tests don't need it. Resolves with what it warmed.
   */
  warmUp(): Promise<{ warmed: string[]; seconds: number }>;
  /**
   * Resolves once nothing is left in flight anywhere a retry or a late delivery could come from — no
   * invocation running or waiting, no message ready, delayed or in flight in a queue a function
   * consumes, no stream batch being delivered (back-off included), no bus delivery pending, no Twilio
   * status change or callback pending — and that has held for `quietMs` in a row (default 500 ms:
   * several rounds of every poller). A test that asserts "exactly once" waits for this rather than
   * sleeping past a visibility timeout: after it, a retry has either happened or can no longer happen.
   * Fails after `timeoutMs` (default 60 s) naming what was still busy.
   */
  settled(options?: { quietMs?: number; timeoutMs?: number }): Promise<void>;
  /**
   * Runs a scheduled function (`<service folder>.<function>`, a `schedule:` event) now, as its rule
   * would, with `time` as the slot's time (default: now): a test passes a day ahead instead of waiting.
   * The schedules also run by themselves at their `rate(…)` while the cloud is up.
   */
  runSchedule(functionKey: string, time?: Date): Promise<unknown>;
  /** The console's first-load JS, gzipped (its budget is checked by the console's tests). */
  consoleJsGzipBytes: number;
  /** The board map's chunk (`/board-map-<hash>.js`), loaded after the board's first paint. */
  consoleMapChunk: string;
  /** What the board map adds when it loads (its chunks and MapLibre's worker), gzipped. */
  consoleMapJsGzipBytes: number;
  /** A dev token for a staff role, signed by the local identity provider. */
  token(
    role: 'dispatcher' | 'admin' | 'driver',
    options?: { sub?: string; email?: string; crewId?: string },
  ): Promise<string>;
  stop(): Promise<void>;
}

/** The local cloud's credentials: every client and function signs with them (the S3 front checks them). */
function localCredentials(accessKeyId: string) {
  return { accessKeyId, secretAccessKey: 'local' };
}

/**
 * A signer for the cloud's own busiest clients (its SQS pollers and the bus's deliveries, its stream
 * triggers) that computes no signature: the emulators verify none, and SigV4 was 40% of the CPU of a
 * message's trip through a local queue (send, receive, delete: 2.1 ms against 1.3) on the event loop
 * the whole cloud shares. The Authorization header still names the access key and region, which
 * DynamoDB Local reads to pick the database (one per key when clouds share it) and fauxqs the region.
 */
function unsignedRequests(accessKeyId: string, service: string) {
  return {
    async sign<R extends { headers: Record<string, string> }>(request: R): Promise<R> {
      request.headers.authorization = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${LOCAL_REGION}/${service}/aws4_request, SignedHeaders=host, Signature=local`;
      return request;
    },
  };
}

function answerStarting(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  response.end(JSON.stringify({ ok: false, message: 'The local cloud is starting' }));
}

/** Runs one start-up step and logs what it did and how long it took (`… (2.3 s)`). */
async function timed<T>(
  log: (line: string) => void,
  describe: (result: T) => string,
  step: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  const result = await step();
  log(`${describe(result)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts the whole system on this machine: DynamoDB Local, fauxqs (SQS, SNS, S3), our EventBridge
 * emulator, the fakes of Twilio, SCC and the calendar, every service's functions in worker threads
 * with their triggers, and the HTTP API (+ the `/_local/` control API) on one port.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const log = options.log ?? (() => undefined);
  const dataDir = options.dataDir ?? process.env.QDN_DATA_DIR ?? join(repoRoot, '.qdn');
  // A DynamoDB Local shared with other clouds keeps each access key's tables apart: this cloud's key
  // follows its data dir, so a restart on the same data dir finds its tables again.
  const credentials = localCredentials(
    options.dynamodb ? `qdn${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}` : 'local',
  );
  const clientConfig = (endpoint: string) => ({ endpoint, region: LOCAL_REGION, credentials });
  requireJava17();
  mkdirSync(dataDir, { recursive: true });
  const pidFile = new PidFileGuard(join(dataDir, 'local-cloud.pid'));
  const ended = await pidFile.takeOver();
  if (ended.length > 0) log(`ended what a previous run left behind: ${ended.join(', ')}`);
  if (options.reset) {
    for (const part of ['dynamodb', 'fauxqs', 'eventbridge', 'scheduler', 'streams', 'logs', 's3', 'fakes']) {
      rmSync(join(dataDir, part), { recursive: true, force: true });
    }
  }
  // A fixed port is checked first, so a clash fails fast with the variable to set. Port 0 is left to
  // `listen`, which takes a free port as it binds: one found free and bound later can be taken in
  // between (CI, once: EADDRINUSE on an ephemeral port while another suite's cloud was starting).
  const portFree = (port: number, variable: string) =>
    port === 0 ? Promise.resolve(0) : ensurePortFree(port, variable);
  const apiPort = await portFree(options.port ?? Number(process.env.QDN_PORT ?? 3000), 'QDN_PORT');
  const sitePort = await portFree(
    options.sitePort ?? Number(process.env.QDN_SITE_PORT ?? 3001),
    'QDN_SITE_PORT',
  );
  const consolePort = await portFree(
    options.consolePort ??
      (process.env.QDN_CONSOLE_PORT ? Number(process.env.QDN_CONSOLE_PORT) : options.port === 0 ? 0 : 3002),
    'QDN_CONSOLE_PORT',
  );

  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) {
      try {
        await stopOne();
      } catch {
        // Keep stopping the rest.
      }
    }
    pidFile.release();
  };

  try {
    // The ports are taken first (so a clash fails fast) and answer 503 until everything is ready.
    let handleApi: RequestListener = answerStarting;
    let handleSite: RequestListener = answerStarting;
    let handleConsole: RequestListener = answerStarting;
    const consoleServer = createLocalServer((request, response) => handleConsole(request, response));
    const boundConsolePort = await listen(consoleServer, consolePort);
    stoppers.push(async () => {
      consoleServer.closeAllConnections();
      await new Promise((resolve) => consoleServer.close(resolve));
    });
    const consoleUrl = `http://localhost:${boundConsolePort}`;
    const apiServer = createLocalServer((request, response) => handleApi(request, response));
    const siteServer = createLocalServer((request, response) => handleSite(request, response));
    const boundApiPort = await listen(apiServer, apiPort);
    const boundSitePort = await listen(siteServer, sitePort);
    stoppers.push(async () => {
      apiServer.closeAllConnections();
      siteServer.closeAllConnections();
      await Promise.all([
        new Promise((resolve) => apiServer.close(resolve)),
        new Promise((resolve) => siteServer.close(resolve)),
      ]);
    });
    const apiUrl = `http://localhost:${boundApiPort}`;
    const siteUrl = `http://localhost:${boundSitePort}`;

    // The topology first, alone: on a first start it is the slow part (serverless print per service),
    // and it is cached as soon as it is resolved, so a later failure never makes a retry redo it.
    const topology = await timed(
      log,
      (result) =>
        result.cached
          ? `topology of ${result.services.length} services from .cache/topology`
          : `topology of ${result.services.length} services resolved with serverless print (cached for next time)`,
      () => resolveTopology({ repoRoot, stage: 'local' }),
    );
    const [dynamoStart, fauxqsStart] = await Promise.allSettled([
      timed(
        log,
        (started) => `DynamoDB Local answering on ${started.endpoint}`,
        async () =>
          options.dynamodb
            ? { endpoint: options.dynamodb.endpoint, process: undefined, stop: async () => undefined }
            : startDynamoDbOnFreePort(join(dataDir, 'dynamodb')),
      ),
      timed(
        log,
        () => 'fauxqs (SQS, SNS, S3) listening',
        () =>
          startFauxqs({
            port: 0,
            logger: false,
            dataDir: join(dataDir, 'fauxqs'),
            defaultRegion: LOCAL_REGION,
            messageSpies: true,
          }),
      ),
    ]);
    // Whichever started is stopped again if the other failed.
    if (dynamoStart.status === 'fulfilled' && dynamoStart.value.process) {
      pidFile.addChild(dynamoStart.value.process.pid!, 'DynamoDBLocal');
      stoppers.push(() => dynamoStart.value.stop());
    }
    if (fauxqsStart.status === 'fulfilled') stoppers.push(() => fauxqsStart.value.stop());
    if (dynamoStart.status === 'rejected') throw dynamoStart.reason;
    if (fauxqsStart.status === 'rejected') throw fauxqsStart.reason;
    const dynamo = dynamoStart.value;
    const fauxqs = fauxqsStart.value;

    const sqs = new SQSClient({
      ...clientConfig(fauxqs.address),
      signer: unsignedRequests(credentials.accessKeyId, 'sqs'),
    });
    // How the bus and the scheduler reach a queue from its ARN (fauxqs serves every queue of the account).
    const sendToQueue = {
      async sqs(queueArn: string, body: string, deliveryOptions: { messageGroupId?: string }) {
        const queueName = queueArn.split(':').pop()!;
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: `${fauxqs.address}/${LOCAL_ACCOUNT}/${queueName}`,
            MessageBody: body,
            ...(deliveryOptions.messageGroupId ? { MessageGroupId: deliveryOptions.messageGroupId } : {}),
          }),
        );
      },
    };
    const eventBridge = createEventBridgeEmulator({
      dataDir: join(dataDir, 'eventbridge'),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      deliver: sendToQueue,
    });
    const { url: eventsUrl } = await eventBridge.listen(0);
    stoppers.push(() => eventBridge.close());
    const scheduler = createSchedulerEmulator({
      dataDir: join(dataDir, 'scheduler'),
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      deliver: sendToQueue,
      // Retries and give-ups are kept in logs/scheduler.log, and shown in the terminal unless quiet.
      log: (line) => {
        mkdirSync(join(dataDir, 'logs'), { recursive: true });
        appendFileSync(join(dataDir, 'logs', 'scheduler.log'), `${new Date().toISOString()} ${line}\n`);
        if (!options.quiet) console.warn(line);
      },
    });
    const { url: schedulerUrl } = await scheduler.listen(0);
    stoppers.push(() => scheduler.close());

    const clients = {
      dynamodb: new DynamoDBClient(clientConfig(dynamo.endpoint)),
      sqs,
      sns: new SNSClient(clientConfig(fauxqs.address)),
      s3: new S3Client({ ...clientConfig(fauxqs.address), forcePathStyle: true }),
      eventBridge: new EventBridgeClient(clientConfig(eventsUrl)),
    };
    const streams = new DynamoDBStreamsClient({
      ...clientConfig(dynamo.endpoint),
      signer: unsignedRequests(credentials.accessKeyId, 'dynamodb'),
    });

    const provisionStarted = performance.now();
    const provisioned = await provisionCloud({
      services: topology.services,
      dynamodb: clients.dynamodb,
      sqs,
      sns: clients.sns,
      s3: clients.s3,
      eventBridge: clients.eventBridge,
      scheduleGroups: scheduler,
      fauxqs,
      apiBaseUrl: apiUrl,
      userPoolId: LOCAL_SECRETS.userPoolId,
      userPoolClientId: LOCAL_SECRETS.userPoolClientId,
    });
    // A shared DynamoDB Local made this cloud's database file with its first table: index its streams.
    if (options.dynamodb) {
      indexStreamRecords(join(options.dynamodb.dbDir, databaseFileOf(credentials.accessKeyId, LOCAL_REGION)));
    }
    log(
      `provisioned ${provisioned.tables.size} tables, ${provisioned.queues.size} queues, ${provisioned.rules.length} rules, ${provisioned.buckets.size} buckets (${((performance.now() - provisionStarted) / 1000).toFixed(1)} s)`,
    );

    // S3 as browsers and functions see it: the front enforces presigned POST policies (fauxqs does
    // not) and, with the upload watcher, stands in for S3's "Object Created" notifications to the
    // default bus for buckets that enable EventBridge.
    const emitObjectCreated = (event: S3ObjectCreatedEvent) => {
      if (!provisioned.buckets.get(event.detail.bucket.name)?.eventBridge) return;
      eventBridge.putEvents([
        {
          EventBusName: 'default',
          Source: event.source,
          DetailType: event['detail-type'],
          Detail: JSON.stringify(event.detail),
          Resources: event.resources,
          Time: event.time,
        },
      ]);
    };
    const s3Front = createS3Front({
      s3Endpoint: fauxqs.address,
      credentials,
      region: LOCAL_REGION,
      onObjectCreated: emitObjectCreated,
    });
    const { url: s3Url } = await s3Front.listen(0);
    const uploads = watchFauxqsUploads(fauxqs, {
      buckets: () =>
        new Set(
          [...provisioned.buckets.values()]
            .filter((bucket) => bucket.eventBridge)
            .map((bucket) => bucket.name),
        ),
      onObjectCreated: emitObjectCreated,
      skipUpload: (bucket, key) => s3Front.isStoring(bucket, key),
      region: LOCAL_REGION,
    });
    stoppers.push(async () => {
      await uploads.close();
      await s3Front.close();
    });

    const twilio = createTwilioFake({
      accountSid: LOCAL_SECRETS.twilioAccountSid,
      apiKeySid: LOCAL_SECRETS.twilioApiKeySid,
      apiKeySecret: LOCAL_SECRETS.twilioApiKeySecret,
      authToken: LOCAL_SECRETS.twilioAuthToken,
      inboundWebhookUrl: `${apiUrl}/twilio/inbound`,
      recordsFile: join(dataDir, 'fakes', 'twilio.json'),
    });
    const scc = createSccFake({
      serviceKey: LOCAL_SECRETS.sccServiceKey,
      recordsFile: join(dataDir, 'fakes', 'scc.json'),
    });
    const calendar = createCalendarFake({
      dashboardToken: LOCAL_SECRETS.calendarDashboardToken,
      recordsFile: join(dataDir, 'fakes', 'calendar.json'),
    });
    const stripe = createStripeFake({
      secretKey: LOCAL_SECRETS.stripeSecretKey,
      webhookSecret: LOCAL_SECRETS.stripeWebhookSecret,
      webhookUrl: `${apiUrl}/stripe/webhook`,
      recordsFile: join(dataDir, 'fakes', 'stripe.json'),
    });
    // Configuration and secrets reach functions through SSM, as in AWS.
    const ssm = createSsmFake(await localParameters({ repoRoot, dataDir, stage: 'local' }));
    const fakesStarted = performance.now();
    const cloudfront = createCloudFrontFake();
    const placeIndex = createPlaceIndexFake({
      indexName: 'qdn-local-places',
      recordsFile: join(dataDir, 'fakes', 'place-index.json'),
      apiKeys: { 'qdn-local-site-maps': LOCAL_MAPS_KEY },
    });
    const staticMap = createStaticMapFake();
    const [twilioUrl, sccUrl, calendarUrl, ssmUrl, cloudfrontUrl, stripeUrl, locationUrl] = await Promise.all(
      [
        twilio.listen(0),
        scc.listen(0),
        calendar.listen(0),
        ssm.listen(0),
        cloudfront.listen(0),
        stripe.listen(0),
        placeIndex.listen(0),
      ],
    );
    stoppers.push(() => placeIndex.close());
    stoppers.push(() => ssm.close());
    stoppers.push(() => cloudfront.close());
    stoppers.push(() =>
      Promise.all([twilio.close(), scc.close(), calendar.close(), stripe.close()]).then(() => undefined),
    );
    log(
      `EventBridge emulator, S3 front, SSM and the Twilio, SCC, calendar and Stripe fakes listening (${((performance.now() - fakesStarted) / 1000).toFixed(1)} s)`,
    );

    const runtimeEnvironment: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_ENDPOINT_URL_SNS: fauxqs.address,
      AWS_ENDPOINT_URL_S3: s3Url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventsUrl,
      AWS_ENDPOINT_URL_SCHEDULER: schedulerUrl,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_ENDPOINT_URL_SSM: ssmUrl.url,
      AWS_ENDPOINT_URL_LOCATION: locationUrl.url,
      API_BASE_URL: apiUrl,
      PUBLIC_BASE_URL: siteUrl,
      TWILIO_API_BASE_URL: twilioUrl.url,
      SCC_API_BASE_URL: sccUrl.url,
      CALENDAR_API_BASE_URL: calendarUrl.url,
      STRIPE_API_BASE_URL: stripeUrl.url,
    };
    const functionsTopology = functionsFromTopology(
      topology.services,
      provisioned.resolver,
      runtimeEnvironment,
    );
    let workerFile = workerSource;
    if (options.bundleFunctions) {
      const bundled = await timed(
        log,
        ({ built }) => `handlers bundled (${built} built, the rest from .cache/local-bundles)`,
        () =>
          bundleFunctions(
            functionsTopology.functions.map((fn) => fn.handlerFile),
            { repoRoot },
          ),
      );
      for (const fn of functionsTopology.functions) fn.handlerFile = bundled.bundles.get(fn.handlerFile)!;
      workerFile = bundled.workerFile;
    }

    const invocations: InvocationLog[] = [];
    const logsDir = join(dataDir, 'logs');
    mkdirSync(logsDir, { recursive: true });
    // One stream, written in the background: every function logs at DEBUG locally, and a synchronous
    // append per chunk blocked the event loop the gateway, the emulators and the pollers share.
    const functionLog = options.quiet
      ? createWriteStream(join(logsDir, 'functions.log'), { flags: 'a' })
      : undefined;
    if (functionLog) {
      functionLog.on('error', (error) => console.error(`functions.log: ${error.message}`));
      stoppers.push(() => new Promise<void>((resolve) => functionLog.end(() => resolve())));
    }
    const onOutput = (functionKey: string, chunk: string) => {
      const lines = chunk
        .split('\n')
        .filter(Boolean)
        .map((line) => `[${functionKey}] ${line}\n`)
        .join('');
      if (functionLog) {
        if (!functionLog.writableEnded) functionLog.write(lines);
      } else process.stdout.write(lines);
    };
    const functions = new Map<string, FunctionPool>();
    // When a function's invocation ends, the stream triggers on the tables it names in its environment
    // (the only ones it can have written) read at once (filled in below, once the triggers exist).
    const streamsWritable = new Map<string, DynamoStreamTrigger[]>();
    for (const fn of functionsTopology.functions) {
      // The tracking page's map image comes from the static map fake, not Amazon Location's endpoint
      // (a browser URL, so no AWS_ENDPOINT_URL_* reaches it).
      if (fn.environment?.STATIC_MAP_URL) {
        fn.environment = { ...fn.environment, STATIC_MAP_URL: `${apiUrl}/_local/maps/v2/static/map` };
      }
      if (options.environment) fn.environment = { ...fn.environment, ...options.environment };
      functions.set(
        fn.key,
        new FunctionPool(fn, {
          workerFile,
          onOutput,
          onLog: (entry) => {
            invocations.push(entry);
            if (invocations.length > 5_000) invocations.splice(0, 1_000);
            for (const trigger of streamsWritable.get(entry.functionKey) ?? []) trigger.wake();
          },
        }),
      );
    }
    stoppers.push(async () => {
      await Promise.all([...functions.values()].map((pool) => pool.close()));
    });
    const invoke = (functionKey: string, event: unknown) => {
      const pool = functions.get(functionKey);
      if (!pool) throw new Error(`No function ${functionKey}`);
      return pool.invoke(event);
    };

    const triggerErrors = (source: string) => (error: unknown) =>
      appendFileSync(
        join(logsDir, 'triggers.log'),
        `${new Date().toISOString()} ${source}: ${(error as Error).message}\n`,
      );
    const disabledTriggers = new Set(options.disabledTriggers ?? []);
    for (const key of disabledTriggers) {
      if (!functions.has(key)) throw new Error(`disabledTriggers: no function ${key}`);
    }
    const triggered = <T extends { functionKey: string }>(declarations: T[]) =>
      declarations.filter((declaration) => !disabledTriggers.has(declaration.functionKey));
    const sqsTriggers = triggered(functionsTopology.sqs).map((declaration) => {
      const queue = provisioned.queues.get(declaration.queueArn);
      if (!queue) throw new Error(`${declaration.functionKey}: no local queue ${declaration.queueArn}`);
      return new SqsTrigger(sqs, {
        queue,
        batchSize: declaration.batchSize,
        batchWindowSeconds: declaration.batchWindowSeconds,
        maxConcurrency: declaration.maxConcurrency,
        reportBatchItemFailures: declaration.reportBatchItemFailures,
        invoke: (event) => invoke(declaration.functionKey, event),
        onError: triggerErrors(`sqs ${queue.name}`),
      });
    });
    const checkpoints = new CheckpointStore(join(dataDir, 'streams', 'checkpoints.json'));
    const streamTriggers = triggered(functionsTopology.streams).map(
      (declaration) =>
        new DynamoStreamTrigger(streams, {
          mappingKey: `${declaration.functionKey}:${declaration.streamArn.split('/stream/')[0]}`,
          streamArn: declaration.streamArn,
          functionArn: declaration.functionArn,
          batchSize: declaration.batchSize,
          startingPosition: declaration.startingPosition,
          maximumRetryAttempts: declaration.maximumRetryAttempts,
          bisectBatchOnFunctionError: declaration.bisectBatchOnFunctionError,
          reportBatchItemFailures: declaration.reportBatchItemFailures,
          filterPatterns: declaration.filterPatterns,
          checkpoints,
          invoke: (event) => invoke(declaration.functionKey, event),
          onFailure: declaration.onFailureArn
            ? async (record) => {
                const queue = provisioned.queues.get(declaration.onFailureArn!);
                if (!queue) return;
                await sqs.send(
                  new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(record) }),
                );
              }
            : undefined,
          onError: triggerErrors(`stream ${declaration.functionKey}`),
        }),
    );
    for (const fn of functionsTopology.functions)
      streamsWritable.set(fn.key, streamsWritableBy(fn.environment, streamTriggers));
    const scheduleTriggers = triggered(functionsTopology.schedules).map(
      (declaration) =>
        new ScheduleTrigger(declaration, {
          invoke: (event) => invoke(declaration.functionKey, event),
          onError: triggerErrors(`schedule ${declaration.functionKey}`),
        }),
    );
    for (const trigger of [...sqsTriggers, ...streamTriggers, ...scheduleTriggers]) trigger.start();
    stoppers.push(async () => {
      await Promise.all(
        [...sqsTriggers, ...streamTriggers, ...scheduleTriggers].map((trigger) => trigger.stop()),
      );
    });
    const runSchedule = (functionKey: string, time?: Date) => {
      const trigger = scheduleTriggers.find((candidate) => candidate.functionKey === functionKey);
      if (!trigger) throw new Error(`No schedule runs ${functionKey}`);
      return trigger.fire(time);
    };

    const endpoints = {
      dynamodb: dynamo.endpoint,
      sqs: fauxqs.address,
      sns: fauxqs.address,
      s3: s3Url,
      events: eventsUrl,
      scheduler: schedulerUrl,
      ssm: ssmUrl.url,
      cloudfront: cloudfrontUrl.url,
      location: locationUrl.url,
    };
    const http = await createHttpFront({
      dataDir,
      apiUrl,
      topology: functionsTopology,
      services: topology.services,
      resolve: (service, value) => provisioned.resolver.resolve(service, value),
      invoke,
      control: {
        endpoints,
        accessKeyId: credentials.accessKeyId,
        twilio,
        scc,
        calendar,
        stripe,
        placeIndex,
        staticMap,
        cloudfront,
        fauxqs,
        eventBridge,
        scheduler,
        invocations,
      },
    });
    handleApi = http.handleApi;
    handleSite = http.handleSite;
    const consoleOrigin = await startConsoleOrigin({
      consoleUrl,
      apiUrl,
      token: http.token,
      headers: http.consoleHeaders,
      // Amazon Location's style descriptor, as the deploy step writes it with the console's key: here
      // the Maps API fake's style with no remote tiles.
      mapStyleUrl: `${apiUrl}/_local/maps/v2/styles/Standard/descriptor?key=${LOCAL_MAPS_KEY}`,
    });
    handleConsole = consoleOrigin.handle;
    log(`HTTP API on ${apiUrl}, pages on ${siteUrl}; ${functions.size} functions start on first use`);

    const warmUp = async () => {
      const started = performance.now();
      const warmed: string[] = [];
      for (const key of FIRST_REQUEST_FUNCTIONS) {
        const pool = functions.get(key);
        if (!pool) continue;
        try {
          await pool.warm();
          warmed.push(key);
        } catch {
          // A function that cannot start says so on its first real invocation, with its error.
        }
      }
      return { warmed, seconds: (performance.now() - started) / 1000 };
    };

    const consumedQueues = triggered(functionsTopology.sqs).map(
      (declaration) => provisioned.queues.get(declaration.queueArn)!.name,
    );
    /** What is still in flight (empty when the cloud is quiet). */
    const busyParts = (): string[] => {
      const busy: string[] = [];
      for (const [key, pool] of functions) if (pool.inFlight > 0) busy.push(`function ${key}`);
      for (const name of consumedQueues) {
        const { messages } = fauxqs.inspectQueue(name) ?? {
          messages: { ready: [], delayed: [], inflight: [] },
        };
        if (messages.ready.length + messages.delayed.length + messages.inflight.length > 0)
          busy.push(`queue ${name}`);
      }
      if (streamTriggers.some((trigger) => trigger.busy)) busy.push('a stream batch');
      if (eventBridge.pendingDeliveryCount() > 0) busy.push('bus deliveries');
      if (scheduler.busy()) busy.push('due schedules');
      if (twilio.busy()) busy.push('Twilio callbacks');
      if (stripe.busy()) busy.push('Stripe webhooks');
      return busy;
    };
    const settled = async ({ quietMs = 500, timeoutMs = 60_000 } = {}) => {
      const deadline = Date.now() + timeoutMs;
      let quietSince = Date.now();
      for (;;) {
        const busy = busyParts();
        if (busy.length > 0) quietSince = Date.now();
        else if (Date.now() - quietSince >= quietMs) return;
        if (Date.now() > deadline)
          throw new Error(`The local cloud did not settle within ${timeoutMs} ms: ${busy.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    return {
      apiUrl,
      siteUrl,
      consoleUrl,
      consoleJsGzipBytes: consoleOrigin.jsGzipBytes,
      consoleMapChunk: consoleOrigin.mapChunk,
      consoleMapJsGzipBytes: consoleOrigin.mapJsGzipBytes,
      dataDir,
      endpoints,
      clients,
      twilio,
      scc,
      calendar,
      stripe,
      placeIndex,
      staticMap,
      ssm,
      cloudfront,
      fauxqs,
      eventBridge,
      scheduler,
      provisioned,
      topology: functionsTopology,
      functions,
      invocations,
      warmUp,
      settled,
      runSchedule,
      token: http.token,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
