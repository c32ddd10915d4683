import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from './cloud.ts';

/**
 * Polls `probe` every 100 ms until it returns something other than undefined or false, and returns that;
 * fails after `timeoutMs` naming `what` it waited for. Integration tests wait with this, never with
 * fixed sleeps.
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms${options.what ? ` waiting for ${options.what}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Waits, if need be, for a rate limit's next fixed window (`windowSeconds` long, counted from the epoch as
 * shared/src/rate-limiter.ts counts them) so that the next `needMs` fall inside one window: requests
 * that straddle a window's end are counted in two, and a test of "the sixth in a minute is refused" then
 * sees no refusal (it happened once in ≈ a hundred runs, 0.5 s of requests against a 60 s window).
 */
export async function withinOneWindow(windowSeconds: number, needMs = 5_000): Promise<void> {
  const windowMs = windowSeconds * 1000;
  const leftMs = windowMs - (Date.now() % windowMs);
  if (leftMs < needMs) await new Promise((resolve) => setTimeout(resolve, leftMs + 50));
}

/** The crew id in the harness's default driver token (`tokens.driver`, `role: 'driver'`). */
export const TEST_DRIVER_CREW_ID = 'crew_test_driver';

/** Today's date (YYYY-MM-DD) in a brand's zone (every local brand is in San Diego): a driver's work day. */
export function todayIn(timeZone = 'America/Los_Angeles', at = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** A qdn.* event as a test rule's queue receives it. */
export interface CapturedEvent {
  'detail-type': string;
  detail: { meta: { jobId?: string; version?: number }; data: Record<string, unknown> };
}

export interface ApiOptions {
  role?: string;
  /** A bearer token of the test's own (e.g. a driver's from `tokenFor`); wins over `role`. */
  token?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  body?: unknown;
  /** A raw body, e.g. malformed JSON. */
  raw?: string;
}

/**
 * What makes a test's cloud cheaper than `npm start`'s, for suites that start one themselves: bundled
 * handlers (every suite cold-starts its own workers, and a bundle starts on about half the CPU) and the
 * DynamoDB Local the integration tests' globalSetup starts for every suite (QDN_TEST_DYNAMODB).
 */
export function testCloudOptions(): Pick<LocalCloudOptions, 'bundleFunctions' | 'dynamodb'> {
  const shared = process.env.QDN_TEST_DYNAMODB;
  return {
    bundleFunctions: true,
    ...(shared ? { dynamodb: JSON.parse(shared) as { endpoint: string; dbDir: string } } : {}),
  };
}

// Reads only: sent twice, they change nothing.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

function isConnectionReset(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: string } | undefined) : undefined;
  return cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET';
}

/**
 * A local cloud for the services' integration tests: dev tokens for each role, an `api()` that calls
 * the HTTP API as the dashboard or a phone would, and every qdn.* event (jobs, notifications, media,
 * scc-bridge) captured by a test rule on the bus and a queue of our own.
 */
export async function startTestCloud(
  name: string,
  options: {
    /** Which event sources the capture rule takes; by default every qdn.* source. */
    capture?: string[];
    /** Set in every function's environment (e.g. a low rate limit to reach in a test). */
    environment?: Record<string, string>;
  } = {},
) {
  const dataDir = mkdtempSync(join(tmpdir(), `qdn-${name}-`));
  const cloud: LocalCloud = await startLocalCloud({
    dataDir,
    port: 0,
    sitePort: 0,
    quiet: true,
    ...testCloudOptions(),
    ...(options.environment ? { environment: options.environment } : {}),
  });
  const queue = cloud.fauxqs.createQueue(`qdn-local-test-capture-${name}`, { region: 'us-west-2' });
  await cloud.clients.eventBridge.send(
    new PutRuleCommand({
      Name: `test-capture-${name}`,
      EventBusName: 'qdn-local',
      EventPattern: JSON.stringify({ source: options.capture ?? [{ prefix: 'qdn.' }] }),
    }),
  );
  await cloud.clients.eventBridge.send(
    new PutTargetsCommand({
      Rule: `test-capture-${name}`,
      EventBusName: 'qdn-local',
      Targets: [{ Id: 'capture', Arn: queue.queueArn }],
    }),
  );
  const tokens: Record<string, string> = {};
  for (const role of ['dispatcher', 'admin'] as const) tokens[role] = await cloud.token(role);
  // The default driver is crew member TEST_DRIVER_CREW_ID: they act on jobs that name them, today.
  tokens.driver = await cloud.token('driver', { crewId: TEST_DRIVER_CREW_ID });
  const seen: CapturedEvent[] = [];

  async function api(method: string, path: string, options: ApiOptions = {}) {
    const response = await fetchOnce(method, path, options).catch((error: unknown) => {
      // A browser sends an idempotent request again when the connection it reused was reset before any
      // answer; fetch does not (nodejs/undici#3141). Seen once in CI on a two-core machine under load.
      if (!IDEMPOTENT.has(method) || !isConnectionReset(error)) throw error;
      console.warn(`${method} ${path}: connection reset before an answer; sent again once`);
      return fetchOnce(method, path, options);
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  function fetchOnce(method: string, path: string, options: ApiOptions) {
    return fetch(`${cloud.apiUrl}${path}`, {
      method,
      headers: {
        ...(options.role ? { authorization: `Bearer ${tokens[options.role]}` } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined || options.raw !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
        ...options.headers,
      },
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
  }

  /** Takes what the capture queue holds now (waiting up to `waitSeconds` for the first); how many. */
  async function receiveCaptured(waitSeconds: number): Promise<number> {
    const { Messages = [] } = await cloud.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    for (const message of Messages) seen.push(JSON.parse(message.Body!) as CapturedEvent);
    if (Messages.length > 0) {
      await cloud.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
    }
    return Messages.length;
  }

  const capturedFor = (jobId: string) =>
    seen
      .filter((event) => event.detail.meta.jobId === jobId)
      .sort((a, b) => (a.detail.meta.version ?? 0) - (b.detail.meta.version ?? 0));

  /**
   * A job's captured events in version order, once `done(events)` holds. After 15 s it fails naming what
   * did arrive, rather than handing a test the events so far for a later assertion to fail on.
   */
  async function eventsUntil(
    jobId: string,
    done: (events: CapturedEvent[]) => boolean,
  ): Promise<CapturedEvent[]> {
    const timeoutMs = 15_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await receiveCaptured(1);
      const mine = capturedFor(jobId);
      if (done(mine)) return mine;
      if (Date.now() > deadline) {
        const arrived = mine.map((event) => event['detail-type']).join(', ') || 'none';
        throw new Error(
          `Timed out after ${timeoutMs} ms waiting for job ${jobId}'s events; arrived: ${arrived}`,
        );
      }
    }
  }

  return {
    cloud,
    tokens,
    api,
    /** A staff token of the test's choosing, e.g. a driver's carrying `custom:crewId`. */
    tokenFor: (role: 'dispatcher' | 'admin' | 'driver', claims: { sub?: string; crewId?: string } = {}) =>
      cloud.token(role, claims),
    eventsUntil,
    /**
     * Every event the job has had, once the cloud has settled (nothing in flight could still publish
     * or deliver one): how a test shows that nothing went out, without waiting out eventsUntil's 15 s.
     */
    async eventsOnceSettled(jobId: string): Promise<CapturedEvent[]> {
      await cloud.settled();
      while ((await receiveCaptured(0)) > 0);
      return capturedFor(jobId);
    },
    /** Once `count` events for the job have arrived. */
    eventsFor: (jobId: string, count: number) => eventsUntil(jobId, (events) => events.length >= count),
    /**
     * EventBridge Scheduler's clock and schedules (see LocalCloud.scheduler): `advanceTo(date)`,
     * `advanceBy(seconds)`, `pending()`, `now()`.
     */
    scheduler: cloud.scheduler,
    /**
     * Sends a job's held texts now — complete/cancelled ones after the brand's undo window, a failed
     * refund's and the team's (a disputed payment) in the brand's sending hours (a test run at night) —
     * without moving the scheduler's clock (other tests' schedules keep their timing). Call it inside a
     * poll: the sms consumer plants the held text a moment after its event.
     */
    async releaseHeldTexts(jobId: string) {
      await cloud.scheduler.fireEarly(
        (schedule) =>
          /"kind":"(status-text|refund-failed-text|team-text)"/.test(schedule.input ?? '') &&
          schedule.input?.includes(jobId) === true,
      );
    },
    /** Once nothing is in flight that could still retry or deliver late (see LocalCloud.settled). */
    settled: () => cloud.settled(),
    async stop() {
      await cloud.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestCloud = Awaited<ReturnType<typeof startTestCloud>>;
