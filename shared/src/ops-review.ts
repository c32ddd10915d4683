import * as z from 'zod';
import { ValidationError } from './errors.ts';

/**
 * The dispatcher's review of dead-letter queues, the pure part: what a parked message is about, what
 * to do with it, and whether a replay window can be replayed. No AWS here; ops-dead-letters.ts and
 * ops-replay.ts do the I/O.
 */

/** One consumer of a service, as its serverless.yml describes it to the ops routes (OPS_CONSUMERS). */
export const OpsConsumer = z.object({
  queueUrl: z.string().min(1),
  queueArn: z.string().min(1),
  dlqUrl: z.string().min(1),
  dlqArn: z.string().min(1),
  /** What the consumer does, in the dispatcher's words ("Text the customer about their job"). */
  purpose: z.string().min(1),
  /** Whether it takes events from a rule on the bus (`qdn-<stage>-<name>`), so a replay can reach it. */
  replayable: z.boolean().default(false),
});
export type OpsConsumer = z.infer<typeof OpsConsumer> & { name: string };

/** `OPS_CONSUMERS`: consumer name (as its queue is named) → its queue, DLQ and purpose. */
export const OpsConsumers = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), OpsConsumer);

/** A failure record as the consumer's queueConsumer stack wrote it (failures.ts), as the review shows it. */
export interface FailureView {
  errorClass: string;
  errorMessage: string;
  /** Twilio, SCC or calendar error code, or `HTTP <status>`, when there was one. */
  errorCode: string | undefined;
  attempts: number;
  transient: boolean;
  firstFailureAt: string | undefined;
  lastFailureAt: string | undefined;
}

/** What a parked message is about, read from its body (a bus event, parked events, a crew message…). */
export interface DecodedDeadLetter {
  eventType: string | undefined;
  eventId: string | undefined;
  jobId: string | undefined;
  brandId: string | undefined;
  customerFirstName: string | undefined;
  occurredAt: string | undefined;
  /** Set when the message came from a replay. */
  replayName: string | undefined;
}

export type SuggestedAction = 'redrive' | 'fix-then-redrive' | 'discard';

export interface Suggestion {
  action: SuggestedAction;
  /** One sentence a dispatcher can act on. */
  why: string;
}

type Json = Record<string, unknown>;
const asRecord = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** Reads the `{ meta, data }` detail every qdn.* event carries (events.ts), tolerating anything else. */
function fromDetail(detail: unknown, eventType: string | undefined): DecodedDeadLetter {
  const meta = asRecord(asRecord(detail)?.meta);
  const data = asRecord(asRecord(detail)?.data);
  const job = asRecord(data?.job);
  return {
    eventType,
    eventId: asString(meta?.eventId),
    jobId: asString(meta?.jobId) ?? asString(data?.jobId) ?? asString(job?.jobId),
    brandId: asString(meta?.brandId) ?? asString(job?.brandId),
    customerFirstName: asString(asRecord(job?.customer)?.firstName),
    occurredAt: asString(meta?.occurredAt),
    replayName: undefined,
  };
}

const NOTHING_DECODED: DecodedDeadLetter = {
  eventType: undefined,
  eventId: undefined,
  jobId: undefined,
  brandId: undefined,
  customerFirstName: undefined,
  occurredAt: undefined,
  replayName: undefined,
};

/**
 * What a dead-lettered message is about, from its body alone. Knows the shapes our queues carry:
 * - an EventBridge event delivered by a rule (`detail-type` + `detail.meta`), replayed or not;
 * - events a table-stream publisher parked for its publish-retry queue (`{ events: [{ detailType, detail }] }`);
 * - a message with its own ids (a CrewMessage from the crew-notifications topic, an inbound SMS);
 * - Lambda's failure record for a stream batch it gave up on (`DDBStreamBatchInfo`).
 * Anything else decodes to nothing and is shown as is.
 */
export function decodeDeadLetter(body: string): DecodedDeadLetter {
  const parsed = asRecord(parseBody(body));
  if (!parsed) return NOTHING_DECODED;
  const detailType = asString(parsed['detail-type']);
  if (detailType) {
    return { ...fromDetail(parsed.detail, detailType), replayName: asString(parsed['replay-name']) };
  }
  if (Array.isArray(parsed.events) && parsed.events.length > 0) {
    const events = parsed.events.map(asRecord).filter((event): event is Json => event !== undefined);
    const types = [...new Set(events.map((event) => asString(event.detailType)).filter(Boolean))];
    const first = fromDetail(events[0]?.detail, types.join(', ') || undefined);
    return { ...first, eventId: events.length === 1 ? first.eventId : undefined };
  }
  if (asRecord(parsed.DDBStreamBatchInfo)) {
    return { ...NOTHING_DECODED, eventType: 'DynamoDB stream batch' };
  }
  return {
    ...NOTHING_DECODED,
    eventType: asString(parsed.kind) ?? asString(parsed.type),
    eventId: asString(parsed.messageId) ?? asString(parsed.eventId),
    jobId: asString(parsed.jobId),
    brandId: asString(parsed.brandId),
    occurredAt: asString(parsed.occurredAt),
  };
}

/**
 * Failures that retrying the same message cannot fix: a body that doesn't parse or doesn't match the
 * contract, a programming error, missing configuration. Someone fixes the cause, then redrives.
 */
const NEEDS_A_FIX = new Set([
  'ZodError',
  'SyntaxError',
  'TypeError',
  'ReferenceError',
  'RangeError',
  'ConfigError',
  'ValidationError',
]);

/**
 * What the dispatcher should do with a parked message:
 * - `discard` when the consumer recorded the failure as permanent (a 4xx such as Twilio 21610: retrying
 *   can never succeed);
 * - `fix-then-redrive` for a bug or bad configuration (a body that doesn't parse, a contract mismatch),
 *   or a message nobody here can read;
 * - `redrive` for a transient cause (timeouts, 429, 5xx, a provider outage), which has usually passed by
 *   the time someone looks. A message with no failure record stopped the consumer before it could record
 *   (a timeout or crash); that too is worth one redrive.
 */
export function suggestAction(failure: FailureView | undefined, decoded: DecodedDeadLetter): Suggestion {
  const code = failure?.errorCode ? ` (${failure.errorCode})` : '';
  if (!failure) {
    return decoded.eventType && decoded.eventType !== 'DynamoDB stream batch'
      ? {
          action: 'redrive',
          why: 'No failure record: the consumer timed out or crashed before recording. Redrive once; if it comes back, read the logs.',
        }
      : {
          action: 'fix-then-redrive',
          why: 'This message is not one the consumer can read and it has no failure record: find out where it came from first.',
        };
  }
  if (!failure.transient) {
    return {
      action: 'discard',
      why: `It failed permanently${code}: sending it again cannot succeed.`,
    };
  }
  if (NEEDS_A_FIX.has(failure.errorClass)) {
    return {
      action: 'fix-then-redrive',
      why: `${failure.errorClass}: a bug or bad configuration, not an outage. Fix the cause, then redrive.`,
    };
  }
  return {
    action: 'redrive',
    why: `A temporary failure${code} after ${failure.attempts} attempt(s); the cause has probably passed.`,
  };
}

/** The failure record as stored (failures.ts), narrowed to what the review shows. */
export function failureViewOf(item: Record<string, unknown> | undefined): FailureView | undefined {
  if (!item) return undefined;
  return {
    errorClass: asString(item.errorClass) ?? 'Error',
    errorMessage: typeof item.errorMessage === 'string' ? item.errorMessage : '',
    errorCode: asString(item.errorCode),
    attempts: Number(item.attempts) || 0,
    transient: item.transient !== false,
    firstFailureAt: asString(item.firstFailureAt),
    lastFailureAt: asString(item.lastFailureAt),
  };
}

/** A replay's time window, checked against the archive's retention before EventBridge is asked. */
export interface ReplayWindow {
  from: Date;
  to: Date;
}

/**
 * Checks a requested replay window: `to` after `from`, `from` within the archive's retention (older
 * events are gone, so a replay would silently miss them). A `to` in the future is cut to now: nothing
 * after now is archived yet.
 */
export function replayWindow(
  request: { from: string; to: string },
  options: { retentionDays: number; now: Date },
): ReplayWindow {
  const from = new Date(request.from);
  const to = new Date(Math.min(Date.parse(request.to), options.now.getTime()));
  const oldest = options.now.getTime() - options.retentionDays * 24 * 60 * 60 * 1000;
  if (Date.parse(request.to) <= from.getTime()) {
    throw new ValidationError('Invalid replay window', [{ field: 'body.to', message: 'must be after from' }]);
  }
  if (from.getTime() < oldest) {
    throw new ValidationError('Invalid replay window', [
      {
        field: 'body.from',
        message: `is older than the archive's ${options.retentionDays}-day retention (earliest ${new Date(oldest).toISOString()})`,
      },
    ]);
  }
  if (to.getTime() <= from.getTime()) {
    throw new ValidationError('Invalid replay window', [{ field: 'body.from', message: 'is in the future' }]);
  }
  return { from, to };
}
