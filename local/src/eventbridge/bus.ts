import { randomUUID } from 'node:crypto';
import { type AwsLocation, eventBusNameFromNameOrArn } from './arn.ts';
import type { DeliveryQueue, RetrySettings } from './delivery.ts';
import { validationError } from './errors.ts';
import type { TargetInputContext } from './input-transformer.ts';
import type { Delivery, EventEnvelope } from './model.ts';
import type { EventBusEntry, Registry, RuleEntry, TargetEntry } from './registry.ts';

/**
 * What happens to an event once a bus has it: archived in every matching archive of the bus, matched
 * against the bus's enabled rules, shaped for each target of a matching rule, and handed to the delivery
 * queue — all before PutEvents answers, so an accepted event is durable. Delivery itself runs behind.
 *
 * Crash windows: a process killed after PutEvents answered loses nothing (the outbox resumes the
 * deliveries). One killed while still handling the request may have archived some entries without their
 * deliveries; the caller got no answer and retries, so such an event can appear twice in an archive but
 * is never silently dropped.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */

/** A PutEvents entry as the SDK sends it (`Time` in epoch seconds). */
export interface PutEventsRequestEntry {
  Time?: number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export interface EventRouter {
  /**
   * Validates and accepts a PutEvents request. `trusted` callers (the local cloud itself, standing in for an
   * AWS service such as S3) may use `aws.*` sources, which EventBridge refuses from PutEvents.
   */
  putEvents(entries: unknown, options?: { trusted?: boolean }): PutEventsResult;
  /** Routes events coming from a replay: never archived, and only to `ruleArns` when given. */
  routeReplayedEvents(
    busName: string,
    events: readonly EventEnvelope[],
    ruleArns?: ReadonlySet<string>,
  ): void;
}

/** EventBridge's limit on the summed size of a request's entries. */
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
const MAX_PUT_EVENTS_ENTRIES = 10;
/** Size a `Time` field counts for, whatever its value. */
const TIME_FIELD_BYTES = 14;

/**
 * Creates the router behind PutEvents and replays for the buses in `registry`.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rules.html
 */
export function createEventRouter(options: {
  registry: Registry;
  deliveries: DeliveryQueue;
  retry: RetrySettings;
  now: () => number;
}): EventRouter {
  const { registry, deliveries, retry, now } = options;
  const location: AwsLocation = registry.location;

  function routeEvent(
    bus: EventBusEntry,
    event: EventEnvelope,
    eventJson: string,
    acceptedAt: number,
    ruleArns: ReadonlySet<string> | undefined,
    out: Delivery[],
  ): void {
    let inputContext: TargetInputContext | undefined;
    for (const rule of bus.rules.values()) {
      if (rule.record.state === 'DISABLED' || rule.pattern === undefined || rule.targets.length === 0)
        continue;
      if (ruleArns !== undefined && !ruleArns.has(rule.arn)) continue;
      if (!ruleMatches(rule, event)) continue;
      inputContext ??= {
        event,
        eventJson,
        ruleArn: '',
        ruleName: '',
        ingestionTime: new Date(acceptedAt).toISOString(),
      };
      const context = { ...inputContext, ruleArn: rule.arn, ruleName: rule.record.name };
      for (const target of rule.targets) {
        const delivery = deliveryFor(rule, target, event.id, acceptedAt);
        const rendered = target.input.render(context);
        if (rendered.ok) out.push({ ...delivery, body: rendered.body });
        else deliveries.recordFailure(delivery, rendered.reason, 0);
      }
    }
  }

  /** A delivery of one event to one target, with the target's RetryPolicy applied to our retry settings. */
  function deliveryFor(rule: RuleEntry, target: TargetEntry, eventId: string, acceptedAt: number): Delivery {
    const retryPolicy = target.record.RetryPolicy;
    const maxRetries = retryPolicy?.MaximumRetryAttempts ?? Number.POSITIVE_INFINITY;
    const delivery: Delivery = {
      eventId,
      ruleArn: rule.arn,
      targetId: target.record.Id,
      queueArn: target.record.Arn,
      body: '',
      maxAttempts: Math.max(1, Math.min(retry.maxAttempts, maxRetries + 1)),
      acceptedAt,
    };
    const messageGroupId = target.record.SqsParameters?.MessageGroupId;
    if (messageGroupId !== undefined) delivery.messageGroupId = messageGroupId;
    if (retryPolicy?.MaximumEventAgeInSeconds !== undefined) {
      delivery.expiresAt = acceptedAt + retryPolicy.MaximumEventAgeInSeconds * 1000;
    }
    return delivery;
  }

  return {
    putEvents: function putEvents(entries: unknown, putOptions: { trusted?: boolean } = {}): PutEventsResult {
      const requestEntries = validatePutEventsRequest(entries);
      const acceptedAt = now();
      const results: PutEventsResultEntry[] = [];
      const accepted: Delivery[] = [];
      let failedEntryCount = 0;
      for (const entry of requestEntries) {
        const outcome = acceptEntry(entry, putOptions.trusted === true, acceptedAt, accepted);
        if ('ErrorCode' in outcome) failedEntryCount += 1;
        results.push(outcome);
      }
      deliveries.enqueue(accepted);
      return { FailedEntryCount: failedEntryCount, Entries: results };
    },

    routeReplayedEvents: function routeReplayedEvents(
      busName: string,
      events: readonly EventEnvelope[],
      ruleArns?: ReadonlySet<string>,
    ): void {
      const bus = registry.eventBuses.get(busName);
      if (!bus) throw new Error(`Event bus ${busName} does not exist.`);
      const acceptedAt = now();
      const replayed: Delivery[] = [];
      for (const event of events)
        routeEvent(bus, event, JSON.stringify(event), acceptedAt, ruleArns, replayed);
      deliveries.enqueue(replayed);
    },
  };

  function acceptEntry(
    entry: PutEventsRequestEntry,
    trusted: boolean,
    acceptedAt: number,
    out: Delivery[],
  ): PutEventsResultEntry {
    const validated = validateEntry(entry, trusted);
    if ('ErrorCode' in validated) return validated;
    const busName = eventBusNameFromNameOrArn(entry.EventBusName);
    const bus = busName === undefined ? undefined : registry.eventBuses.get(busName);
    if (!bus) {
      return {
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event bus ${busName ?? entry.EventBusName} does not exist.`,
      };
    }
    const time = parseEventTime(entry.Time, acceptedAt);
    if (time === undefined) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
    }
    const event: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: location.accountId,
      time: formatEventTime(time),
      region: location.region,
      resources: entry.Resources ?? [],
      detail: validated.detail,
    };
    const eventJson = JSON.stringify(event);
    for (const archive of registry.archivesOfBus(bus.record.name)) {
      if (archive.pattern === undefined || safeMatches(archive.pattern, event, archive.record.name)) {
        registry.appendToArchive(archive, eventJson, acceptedAt);
      }
    }
    routeEvent(bus, event, eventJson, acceptedAt, undefined, out);
    return { EventId: event.id };
  }
}

function ruleMatches(rule: RuleEntry, event: EventEnvelope): boolean {
  return rule.pattern !== undefined && safeMatches(rule.pattern, event, rule.arn);
}

function safeMatches(
  pattern: { matches(event: object): boolean },
  event: EventEnvelope,
  owner: string,
): boolean {
  try {
    return pattern.matches(event);
  } catch (error) {
    console.error(`[eventbridge] pattern of ${owner} failed on event ${event.id}:`, error);
    return false;
  }
}

/** Request-level checks: EventBridge rejects the whole request for these (ValidationException). */
function validatePutEventsRequest(entries: unknown): PutEventsRequestEntry[] {
  if (!Array.isArray(entries) || entries.length < 1) {
    throw validationError(
      "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  }
  if (entries.length > MAX_PUT_EVENTS_ENTRIES) {
    throw validationError(
      `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_EVENTS_ENTRIES}`,
    );
  }
  let totalBytes = 0;
  for (const entry of entries as PutEventsRequestEntry[]) totalBytes += entrySize(entry);
  if (totalBytes > MAX_PUT_EVENTS_BYTES) {
    throw validationError('Total size of the entries in the request is over the limit.');
  }
  return entries as PutEventsRequestEntry[];
}

/** @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : TIME_FIELD_BYTES;
  if (typeof entry.Source === 'string') size += Buffer.byteLength(entry.Source);
  if (typeof entry.DetailType === 'string') size += Buffer.byteLength(entry.DetailType);
  if (typeof entry.Detail === 'string') size += Buffer.byteLength(entry.Detail);
  for (const resource of entry.Resources ?? []) {
    if (typeof resource === 'string') size += Buffer.byteLength(resource);
  }
  return size;
}

/** Entry-level checks: EventBridge reports these in the entry's result and accepts the other entries. */
function validateEntry(
  entry: PutEventsRequestEntry,
  trusted: boolean,
): { ErrorCode: string; ErrorMessage: string } | { detail: Record<string, unknown> } {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
    }
  }
  if (!trusted && entry.Source!.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  const detail = parseJsonObject(entry.Detail!);
  if (detail === undefined) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (entry.Resources !== undefined && !(Array.isArray(entry.Resources) && entry.Resources.every(isString))) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Resources is not valid.' };
  }
  return { detail };
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** The parsed Detail when it is a JSON object, which is all EventBridge accepts. */
function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
    return isObject ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseEventTime(time: number | string | undefined, fallback: number): number | undefined {
  if (time === undefined) return fallback;
  const millis = typeof time === 'number' ? time * 1000 : Date.parse(time);
  return Number.isFinite(millis) ? millis : undefined;
}

/** EventBridge's `time`: ISO 8601, UTC, whole seconds (`2024-05-01T12:00:00Z`). */
export function formatEventTime(epochMillis: number): string {
  return `${new Date(epochMillis).toISOString().slice(0, 19)}Z`;
}
