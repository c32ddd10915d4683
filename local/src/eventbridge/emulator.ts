import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalServer } from '../http-server.ts';
import { createEventRouter, type PutEventsRequestEntry, type PutEventsResult } from './bus.ts';
import {
  createDeliveryQueue,
  DEFAULT_RETRY_SETTINGS,
  type RetrySettings,
  type SqsDeliverer,
} from './delivery.ts';
import type { FailedDelivery } from './model.ts';
import { createEventBridgeOperations } from './operations.ts';
import { createRegistry } from './registry.ts';
import { createReplayRunner, DEFAULT_REPLAY_PACING, type ReplayPacing } from './replay.ts';
import { createJsonProtocolHandler, type RequestHandler } from './server.ts';

export type { PutEventsRequestEntry, PutEventsResult } from './bus.ts';
export type { RetrySettings, SqsDeliverer } from './delivery.ts';
export type { EventEnvelope, FailedDelivery } from './model.ts';
export type { ReplayPacing } from './replay.ts';
export type { RequestHandler } from './server.ts';

export interface EventBridgeEmulatorOptions {
  /** Where buses, rules, targets, archives, replays and the delivery outbox live across restarts. */
  dataDir: string;
  region?: string;
  accountId?: string;
  /** How events reach SQS targets; the local cloud wires it to its SQS emulator. */
  deliver: SqsDeliverer;
  /** Retry schedule for failing deliveries (defaults: 5 attempts, 100 ms doubling up to 2 s). */
  retry?: Partial<RetrySettings>;
  /** Replay batch size and pause between batches (defaults: 100 events, no pause). */
  replayPacing?: Partial<ReplayPacing>;
}

/**
 * The local cloud's Amazon EventBridge: the AWS JSON 1.1 API over HTTP, SQS targets, archives and replays,
 * persisted in `dataDir`.
 *
 * Durability: every change to buses, rules, targets, archives and replays is written (atomically) before
 * the operation answers; an accepted PutEvents has already been appended to the matching archives and its
 * deliveries to the outbox, so a restart — even after `kill -9` — delivers them (at least once).
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/Welcome.html
 * @example
 * const eventBridge = createEventBridgeEmulator({ dataDir: '.qdn/eventbridge', deliver: { sqs: sendToQueue } });
 * const { url } = await eventBridge.listen(4010); // AWS_ENDPOINT_URL_EVENTBRIDGE=url
 */
export interface EventBridgeEmulator {
  readonly region: string;
  readonly accountId: string;
  /** The HTTP handler, to mount in another server instead of calling listen(). */
  readonly handle: RequestHandler;
  listen(port?: number, host?: string): Promise<{ url: string }>;
  /** Stops serving, replays and retries; deliveries still pending resume at the next start. */
  close(): Promise<void>;
  /**
   * PutEvents from inside the local cloud, allowed to use `aws.*` sources (e.g. to stand in for S3's
   * "Object Created" events, which the local S3 does not emit).
   */
  putEvents(entries: PutEventsRequestEntry[]): PutEventsResult;
  /** Deliveries that gave up after their retries, oldest first (persisted across restarts). */
  failedDeliveries(): FailedDelivery[];
  pendingDeliveryCount(): number;
  /** Resolves once every accepted delivery was made or recorded as failed. */
  whenDeliveriesIdle(): Promise<void>;
  /** Makes the next `count` PutEvents calls fail every entry (InternalFailure); 0 clears. */
  failNextPutEvents(count: number): void;
}

/**
 * Opens (or creates) the emulator's state in `options.dataDir`, resumes pending deliveries and unfinished
 * replays, and returns the emulator, ready to `listen()` or to be mounted through `handle`.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/Welcome.html
 */
export function createEventBridgeEmulator(options: EventBridgeEmulatorOptions): EventBridgeEmulator {
  const location = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000' };
  const retry: RetrySettings = { ...DEFAULT_RETRY_SETTINGS, ...options.retry };
  const now = Date.now;
  mkdirSync(options.dataDir, { recursive: true });

  const registry = createRegistry({ dataDir: options.dataDir, location, now });
  const deliveries = createDeliveryQueue({ dataDir: options.dataDir, deliver: options.deliver, retry, now });
  const router = createEventRouter({ registry, deliveries, retry, now });
  const pacing: ReplayPacing = { ...DEFAULT_REPLAY_PACING, ...options.replayPacing };
  const replays = createReplayRunner({ registry, router, pacing, now });
  const operations = createEventBridgeOperations({ registry, router, replays, now });
  // Fault injection for tests of what producers do when the bus refuses events (the local control API
  // exposes it): the next N PutEvents calls fail every entry, as EventBridge does under an outage.
  let putEventsFaults = 0;
  const putEvents = operations.PutEvents!;
  operations.PutEvents = function putEventsUnlessFaulted(input) {
    if (putEventsFaults <= 0) return putEvents(input);
    putEventsFaults--;
    const entries = Array.isArray(input.Entries) ? input.Entries : [];
    return {
      FailedEntryCount: entries.length,
      Entries: entries.map(() => ({
        ErrorCode: 'InternalFailure',
        ErrorMessage: 'Injected failure (local fault)',
      })),
    };
  };
  const handleRequest = createJsonProtocolHandler(operations);
  replays.resumeUnfinished();

  let server: Server | undefined;
  let closing: Promise<void> | undefined;

  const handle: RequestHandler = function handleWhileOpen(request, response): void {
    if (closing) {
      response.writeHead(503, { 'Content-Type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ __type: 'ServiceUnavailableException', message: 'Emulator is closed.' }));
      return;
    }
    handleRequest(request, response);
  };

  return {
    region: location.region,
    accountId: location.accountId,
    handle,
    listen: function listen(port = 0, host = '127.0.0.1'): Promise<{ url: string }> {
      const httpServer = createLocalServer(handle);
      server = httpServer;
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address() as AddressInfo;
          const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ url: `http://${urlHost}:${address.port}` });
        });
      });
    },
    close: function close(): Promise<void> {
      closing ??= (async function closeEmulator() {
        replays.close();
        if (server) {
          const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
          server.closeAllConnections();
          await closed;
        }
        await deliveries.close();
        registry.close();
      })();
      return closing;
    },
    putEvents: function putEventsInProcess(entries: PutEventsRequestEntry[]): PutEventsResult {
      return router.putEvents(entries, { trusted: true });
    },
    failedDeliveries: deliveries.failedDeliveries,
    pendingDeliveryCount: deliveries.pendingCount,
    whenDeliveriesIdle: deliveries.whenIdle,
    failNextPutEvents: function failNextPutEvents(count: number): void {
      putEventsFaults = Math.max(0, Math.floor(count));
    },
  };
}
