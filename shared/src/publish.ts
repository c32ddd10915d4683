import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { type DomainEvent, detailSchemaOf } from './events.ts';
import { perInstance } from './per-instance.ts';
import { backoffDelayMs, retryBaseDelayMs, sleep } from './retry.ts';

/** The function's EventBridge client, created once (endpoint from AWS_ENDPOINT_URL_EVENTBRIDGE locally). */
export const eventBridgeClient = /* @__PURE__ */ perInstance(() => new EventBridgeClient({}));

/** PutEvents takes at most 10 entries and 256 KB per call. */
const MAX_ENTRIES_PER_CALL = 10;
const MAX_BYTES_PER_CALL = 256 * 1024;

/** Raised when some events could not be published after every retry; lists them with EventBridge's reasons. */
export class PublishEventsError extends Error {
  override name = 'PublishEventsError';
  readonly failures: { eventId: string | undefined; errorCode?: string; errorMessage?: string }[];
  constructor(failures: PublishEventsError['failures']) {
    super(
      `${failures.length} event(s) could not be published: ${failures
        .map(
          (failure) =>
            `${failure.eventId ?? '?'} (${failure.errorCode ?? 'error'}: ${failure.errorMessage ?? ''})`,
        )
        .join(', ')}`,
    );
    this.failures = failures;
  }
}

export interface PublishOptions {
  busName?: string;
  client?: EventBridgeClient;
  /** Tries per entry, counting the first (default 4). */
  maxAttempts?: number;
}

function toEntry(event: DomainEvent, busName: string): PutEventsRequestEntry {
  const schema = detailSchemaOf(event.detailType);
  if (!schema) throw new Error(`No schema for detail-type ${event.detailType}`);
  // Validate before sending: a producer bug must fail here, not in every consumer.
  const detail = schema.parse(event.detail);
  return {
    EventBusName: busName,
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(detail),
  };
}

function entrySize(entry: PutEventsRequestEntry): number {
  // EventBridge counts source, detail-type, detail and resources in UTF-8 bytes.
  return (
    Buffer.byteLength(entry.Source ?? '') +
    Buffer.byteLength(entry.DetailType ?? '') +
    Buffer.byteLength(entry.Detail ?? '') +
    (entry.Resources ?? []).reduce((sum, resource) => sum + Buffer.byteLength(resource), 0)
  );
}

/** Splits entries into PutEvents calls of at most 10 entries and 256 KB each. */
export function batchEntries(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const batches: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (size > MAX_BYTES_PER_CALL) throw new Error(`Event is larger than ${MAX_BYTES_PER_CALL} bytes`);
    if (current.length === MAX_ENTRIES_PER_CALL || currentBytes + size > MAX_BYTES_PER_CALL) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function eventIdOf(entry: PutEventsRequestEntry): string | undefined {
  try {
    return (JSON.parse(entry.Detail ?? '{}') as { meta?: { eventId?: string } }).meta?.eventId;
  } catch {
    return undefined;
  }
}

/**
 * Publishes domain events to the bus: validates each against its schema, batches PutEvents calls,
 * retries the entries EventBridge reports as failed (and whole calls that throw) with backoff, and
 * raises PublishEventsError if any entry still failed. Callers (the stream publisher) then let their
 * trigger retry; consumers deduplicate on `meta.eventId`, so a repeat is harmless.
 *
 * @example
 * await publishEvents([{ source: 'qdn.jobs', detailType: 'JobCreated', detail: { meta, data: { job } } }]);
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
export async function publishEvents(events: DomainEvent[], options: PublishOptions = {}): Promise<void> {
  const busName = options.busName ?? process.env.EVENT_BUS_NAME;
  if (!busName) throw new Error('EVENT_BUS_NAME is not set');
  const client = options.client ?? eventBridgeClient();
  const maxAttempts = options.maxAttempts ?? 4;
  const failures: PublishEventsError['failures'] = [];

  for (const batch of batchEntries(events.map((event) => toEntry(event, busName)))) {
    let pending: { entry: PutEventsRequestEntry; result?: PutEventsResultEntry }[] = batch.map((entry) => ({
      entry,
    }));
    for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelayMs(attempt - 1, retryBaseDelayMs()));
      try {
        const { Entries = [] } = await client.send(
          new PutEventsCommand({ Entries: pending.map((p) => p.entry) }),
        );
        pending = pending
          .map((item, index) => ({ entry: item.entry, result: Entries[index] }))
          .filter((item) => !item.result?.EventId);
      } catch (error) {
        const failure = { ErrorCode: (error as Error).name, ErrorMessage: (error as Error).message };
        pending = pending.map((item) => ({ entry: item.entry, result: failure }));
      }
    }
    for (const { entry, result } of pending) {
      failures.push({
        eventId: eventIdOf(entry),
        errorCode: result?.ErrorCode,
        errorMessage: result?.ErrorMessage,
      });
    }
  }
  if (failures.length > 0) throw new PublishEventsError(failures);
}
