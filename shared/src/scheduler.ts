import { createHash } from 'node:crypto';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { perInstance } from './per-instance.ts';

/**
 * Deferred work through Amazon EventBridge Scheduler (issue 20, quiet hours): a one-time schedule whose
 * target is an SQS queue, so a text that must wait (a day-before reminder, a review request, a text held
 * by quiet hours) reaches its consumer's queue at the time it may go out. Locally the scheduler emulator
 * (local/src/scheduler) stands in, with a clock tests can move forward.
 */

/** The function's Scheduler client, created once (endpoint from AWS_ENDPOINT_URL_SCHEDULER locally). */
export const schedulerClient = /* @__PURE__ */ perInstance(() => new SchedulerClient({}));

/** Scheduler's name rule: 1–64 characters of `[0-9a-zA-Z-_.]`. */
const NAME_MAX = 64;
const HASH_CHARS = 20;
/** Room for the readable part of a name: what is left beside `-` and the hash. */
const READABLE_MAX = NAME_MAX - 1 - HASH_CHARS;
/** Target.Input's limit in CreateSchedule. */
const INPUT_MAX_CHARS = 8192;
/**
 * How far ahead a time must be to be sent as is. The API reference does not say what a one-time
 * schedule in the past does, and reports disagree (rejected at create, or never run); Scheduler runs
 * targets with 60 s precision anyway. So nothing is ever sent for the past or the next minute: such a
 * time goes out as now + 1 minute, which AWS accepts whichever way it treats the past.
 * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
 */
export const MIN_LEAD_MS = 60_000;

/**
 * A readable, deterministic schedule name for any key: the key's allowed characters (others become
 * `-`), cut to fit, then `-` and 20 hex characters of its SHA-256. The hash is of the whole key, so two
 * keys that read the same once cut or cleaned are still two schedules; the same key is always the
 * same name, which is what makes `scheduleOnce` idempotent.
 *
 * @example scheduleNameFor('reminder:job_123:2026-12-05') // 'reminder-job_123-2026-12-05-<20 hex>'
 */
export function scheduleNameFor(key: string): string {
  const readable = key.replace(/[^0-9a-zA-Z\-_.]/g, '-').slice(0, READABLE_MAX);
  const hash = createHash('sha256').update(key).digest('hex').slice(0, HASH_CHARS);
  return `${readable}-${hash}`;
}

/**
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC for an instant. Scheduler's expression has whole seconds; a
 * fraction rounds up, so a text held until 08:00:00.5 never goes at 08:00:00.
 */
export function atExpression(instant: Date): string {
  const seconds = Math.ceil(instant.getTime() / 1000) * 1000;
  return `at(${new Date(seconds).toISOString().slice(0, 19)})`;
}

export interface ScheduleOnceInput {
  /**
   * What the deferred work is, e.g. `reminder:<jobId>:<date>`. The same key twice is one schedule
   * (replays and redeliveries of the event that asked for it are harmless). Not empty: an empty key
   * would make unrelated callers share one schedule, and all but the first would be dropped as
   * "already scheduled".
   */
  key: string;
  /** When the payload should reach the queue. A time in the past or within a minute goes out in a minute. */
  at: Date;
  /** The target SQS queue's ARN. */
  targetArn: string;
  /** The role Scheduler assumes to send to the queue (sqs:SendMessage on it, trusted by scheduler.amazonaws.com). */
  roleArn: string;
  groupName: string;
  /** The message body, as JSON. */
  payload: unknown;
  /** An SQS queue for what Scheduler could not deliver after its retries. */
  deadLetterArn?: string;
  /** For a FIFO target queue. */
  messageGroupId?: string;
  /** Retries of a failed send (defaults: 185 attempts over at most 24 hours, Scheduler's maximum). */
  retry?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  client?: SchedulerClient;
  /** The clock the minimum lead is measured on (tests). */
  now?: () => Date;
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

/**
 * Creates a one-time schedule that sends `payload` to the SQS queue `targetArn` at `at` (UTC), and is
 * deleted by Scheduler once it ran. Answers 'already-scheduled' when a schedule of the same key exists
 * in the group (ConflictException), so a retried caller never schedules twice.
 *
 * @example
 * await scheduleOnce({ key: `reminder:${jobId}`, at, targetArn: queueArn, roleArn, groupName, payload: { jobId } });
 * @see https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
 */
export async function scheduleOnce(input: ScheduleOnceInput): Promise<'scheduled' | 'already-scheduled'> {
  if (typeof input.key !== 'string' || input.key.trim() === '')
    throw new TypeError('scheduleOnce: key must be a non-empty string');
  if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime()))
    throw new TypeError('scheduleOnce: at must be a valid Date');
  const body = JSON.stringify(input.payload);
  // Checked here so a caller learns it from its own stack, not from a ValidationException later.
  if (body === undefined) throw new TypeError('scheduleOnce: payload must be serializable to JSON');
  if (body.length > INPUT_MAX_CHARS)
    throw new TypeError(
      `scheduleOnce: payload is ${body.length} characters as JSON (at most ${INPUT_MAX_CHARS})`,
    );
  const earliest = (input.now?.() ?? new Date()).getTime() + MIN_LEAD_MS;
  const at = input.at.getTime() < earliest ? new Date(earliest) : input.at;
  const client = input.client ?? schedulerClient();
  try {
    await client.send(
      new CreateScheduleCommand({
        Name: scheduleNameFor(input.key),
        GroupName: input.groupName,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: input.key.slice(0, 512),
        Target: {
          Arn: input.targetArn,
          RoleArn: input.roleArn,
          Input: body,
          RetryPolicy: {
            MaximumRetryAttempts: input.retry?.maximumRetryAttempts ?? 185,
            MaximumEventAgeInSeconds: input.retry?.maximumEventAgeInSeconds ?? 86_400,
          },
          ...(input.deadLetterArn ? { DeadLetterConfig: { Arn: input.deadLetterArn } } : {}),
          ...(input.messageGroupId ? { SqsParameters: { MessageGroupId: input.messageGroupId } } : {}),
        },
      }),
    );
    return 'scheduled';
  } catch (error) {
    if (errorName(error) === 'ConflictException') return 'already-scheduled';
    throw error;
  }
}

/**
 * Deletes the schedule of `key` in `groupName` (e.g. a reminder for a job that was cancelled). True if
 * it was there, false if not (already ran, already cancelled, or never made).
 * @see https://docs.aws.amazon.com/scheduler/latest/APIReference/API_DeleteSchedule.html
 */
export async function cancelSchedule(
  key: string,
  groupName: string,
  options: { client?: SchedulerClient } = {},
): Promise<boolean> {
  if (typeof key !== 'string' || key.trim() === '')
    throw new TypeError('cancelSchedule: key must be a non-empty string');
  const client = options.client ?? schedulerClient();
  try {
    await client.send(new DeleteScheduleCommand({ Name: scheduleNameFor(key), GroupName: groupName }));
    return true;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return false;
    throw error;
  }
}
