import type { Brand } from '@qdn/shared/brands';
import { JobOnBus, type JobStatus } from '@qdn/shared/events';
import { zonedDate } from '@qdn/shared/zoned-time';
import * as z from 'zod';
import { soundsLikeComplaint } from './complaint-signals.ts';
import { customerPageLink } from './customer-page.ts';
import { deliverOnce, senderOf, settleWithoutSending } from './delivery.ts';
import { sendHeldDispatcherText } from './dispatcher-messages.ts';
import type { JobEventForSms } from './job-event-texts.ts';
import type { OutboundSms, SendOutcome, SuppressedReason } from './ports.ts';
import { reminderAt, reviewRequestAt, sendableAt } from './quiet-hours.ts';
import {
  type JobTextContext,
  sendHeldStatusText,
  sendRefundFailedText,
  sendTeamText,
} from './send-job-text.ts';
import { HELD_FOR_UNDO, renderSms, variablesFor } from './sms-templates.ts';

/*
 * Texts that are not about a truck on its way now — the day-before reminder, the review request after
 * completion — wait for their time in a scheduled queue (EventBridge Scheduler one-time schedules whose
 * target is the `follow-ups` queue; the local cloud fires them by its own clock). Each is planned from a
 * job event, keyed so a replayed event plans it once, and decided again when it falls due: the job may
 * have moved, the customer may have complained or opted out since.
 */

/** Customers are asked for a review at most once per brand in this many days. */
export const REVIEW_REQUEST_INTERVAL_DAYS = 90;

const dueAt = z.iso.datetime({ offset: true });

/** What a schedule hands the follow-ups consumer when it falls due (the schedule's Input). */
export const FollowUp = z.discriminatedUnion('kind', [
  z.object({
    kind: z.enum(['reminder', 'review-request']),
    /** The SMS's idempotency key: one reminder per job and date, one review request per job. */
    key: z.string().min(1).max(200),
    /** The job as the event that planned it showed it (without its notes: a schedule's input is small). */
    job: JobOnBus,
    dueAt,
  }),
  /** A complete or cancelled text held for the brand's undo window (HeldStatusText, below). */
  z.object({
    kind: z.literal('status-text'),
    key: z.string().min(1).max(200),
    template: z.enum(HELD_FOR_UNDO),
    job: JobOnBus,
    dueAt,
  }),
  /**
   * The texts that a card refund failed (JobRefundFailed), to the customer and to the brand's team:
   * Stripe tells it at any hour, days after the job, so they wait for the brand's sending hours (the
   * customer's key is the event's text's, the team's the refund's: each sent once).
   */
  z.object({
    kind: z.literal('refund-failed-text'),
    key: z.string().min(1).max(200),
    job: JobOnBus,
    amountCents: z.number().int().positive(),
    refundId: z.string().min(1).max(200),
    /** Stripe's `failure_reason`. */
    reason: z.string().min(1).max(100),
    dueAt,
  }),
  /**
   * A text to the brand's team about money (a card payment disputed: JobPaymentDisputed), held by quiet
   * hours: Stripe tells it at any hour. Its key, with each team number, sends it once per number.
   */
  z.object({
    kind: z.literal('team-text'),
    key: z.string().min(1).max(200),
    jobId: z.string().min(1).max(64),
    brandId: z.string().min(1),
    template: z.string().min(1).max(64),
    body: z.string().min(1).max(640),
    dueAt,
  }),
  /** A dispatcher's non-urgent text, held by quiet hours (its key is the request's: sent once). */
  z.object({
    kind: z.literal('dispatcher-text'),
    key: z.string().min(1).max(200),
    jobId: z.string().min(1).max(64),
    brandId: z.string().min(1),
    text: z.string().min(1).max(640),
    requestId: z.string().min(1).max(64),
    dispatcherId: z.string().min(1),
    dueAt,
  }),
]);
export type FollowUp = z.infer<typeof FollowUp>;
type JobFollowUp = Extract<FollowUp, { kind: 'reminder' | 'review-request' }>;
/** A failed refund's text held by quiet hours (sent by send-job-text.ts's sendRefundFailedText). */
export type RefundFailedText = Extract<FollowUp, { kind: 'refund-failed-text' }>;
/** A text to the brand's team held by quiet hours (sent by send-job-text.ts's sendTeamText). */
export type TeamText = Extract<FollowUp, { kind: 'team-text' }>;
/** A final status's text held for the undo window (decided when due by send-job-text.ts's sendHeldStatusText). */
export type HeldStatusText = Extract<FollowUp, { kind: 'status-text' }>;

/**
 * The schedule's key for a follow-up due at `at`: its own key when planted for its time, and a new one
 * when moved to the next sending window (the first schedule has run; a replay of the move is still one).
 */
export function scheduleKeyOf(followUp: Pick<FollowUp, 'key' | 'dueAt'>, at: Date): string {
  return followUp.dueAt === at.toISOString() ? followUp.key : `${followUp.key}@${at.toISOString()}`;
}

/** Plants a follow-up to fall due at `at` (idempotent by scheduleKeyOf). */
export interface FollowUpScheduler {
  schedule(followUp: FollowUp, at: Date): Promise<'scheduled' | 'already-scheduled'>;
}

export type FollowUpContext = JobTextContext;

export const withoutNotes = (job: JobOnBus): JobOnBus => {
  const { notes: _notes, crewNotes: _crewNotes, ...rest } = job;
  return rest;
};

/**
 * The follow-ups a job event plans: a reminder when a job is (re)scheduled for a day still ahead, a
 * review request when a job is completed and the brand has a review link.
 */
export function followUpsFor(
  event: JobEventForSms,
  brand: Brand,
  now: Date,
): { followUp: FollowUp; at: Date }[] {
  const { job } = event.detail.data as { job: JobOnBus; status?: JobStatus };
  const planned: { followUp: FollowUp; at: Date }[] = [];
  const scheduledNow =
    job.status === 'scheduled' &&
    (event.detailType === 'JobCreated' ||
      event.detailType === 'JobScheduleChanged' ||
      event.detailType === 'JobStatusChanged');
  if (scheduledNow) {
    const at = reminderAt(job.schedule.date, now, brand);
    if (at) {
      planned.push({
        followUp: {
          kind: 'reminder',
          key: `reminder:${job.jobId}:${job.schedule.date}`,
          job: withoutNotes(job),
          dueAt: at.toISOString(),
        },
        at,
      });
    }
  }
  if (event.detailType === 'JobStatusChanged' && job.status === 'complete' && brand.reviewRequest) {
    const at = reviewRequestAt(new Date(event.detail.meta.occurredAt), {
      ...brand,
      reviewRequest: brand.reviewRequest,
    });
    planned.push({
      followUp: {
        kind: 'review-request',
        key: `review:${job.jobId}`,
        job: withoutNotes(job),
        dueAt: at.toISOString(),
      },
      at,
    });
  }
  return planned;
}

/**
 * A follow-up fell due: sent once by its key, or recorded as not sent and why (the job moved on, the
 * customer complained, was asked recently, opted out, never consented). Fired outside the sending
 * window (a redrive at night), it is planted again for the window's start instead of sent.
 */
export async function sendFollowUp(
  deps: FollowUpContext,
  followUp: FollowUp,
): Promise<SendOutcome | 'moved-to-sending-hours' | undefined> {
  // A final status's text is about a job happening now: the undo window held it, not quiet hours.
  if (followUp.kind === 'status-text') return sendHeldStatusText(deps, followUp);
  const brand = deps.brands.get(
    followUp.kind === 'dispatcher-text' || followUp.kind === 'team-text'
      ? followUp.brandId
      : followUp.job.brandId,
  );
  // A schedule never fires before its time, so it is at least `dueAt` now. (The local cloud's scheduler
  // clock can be moved ahead of the functions' clocks; in AWS the two are the same.)
  const now = new Date(Math.max(deps.now().getTime(), Date.parse(followUp.dueAt)));
  const sendable = sendableAt(now, brand);
  if (
    followUp.kind === 'dispatcher-text' ||
    followUp.kind === 'refund-failed-text' ||
    followUp.kind === 'team-text'
  ) {
    if (sendable > now) {
      await deps.followUps.schedule(followUp, sendable);
      return 'moved-to-sending-hours';
    }
    if (followUp.kind === 'dispatcher-text') return sendHeldDispatcherText(deps, followUp);
    return followUp.kind === 'team-text'
      ? sendTeamText(deps, followUp)
      : sendRefundFailedText(deps, followUp);
  }
  const { job } = followUp;
  const template = followUp.kind === 'reminder' ? 'reminder' : 'review_request';
  const current = await deps.store.job(job.jobId);
  const sms: OutboundSms = {
    key: followUp.key,
    brandId: job.brandId,
    jobId: job.jobId,
    version: current?.version ?? job.version,
    to: current?.phone ?? job.customer.phone,
    body: '',
    template,
    audience: 'customer',
    sender: senderOf(brand),
  };
  // A reminder says "tomorrow": one that could only go on the job's own day or later (a late redrive,
  // or one moved to the next morning's window) is no longer due, never sent.
  if (followUp.kind === 'reminder' && zonedDate(sendable, brand.timeZone) >= job.schedule.date)
    return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'no-longer-due' });
  if (sendable > now) {
    await deps.followUps.schedule(followUp, sendable);
    return 'moved-to-sending-hours';
  }
  const refusal = await refusalOf(deps, followUp, current);
  if (refusal) return settleWithoutSending(deps, sms, { state: 'suppressed', reason: refusal });
  // At most one review request per number and brand in the interval, claimed before it is sent: of two
  // jobs completed together, one asks.
  const reviewed = followUp.kind === 'review-request';
  if (reviewed) {
    const since = new Date(now.getTime() - REVIEW_REQUEST_INTERVAL_DAYS * 86_400_000);
    if (!(await deps.store.claimReviewRequest(sms.to, job.brandId, sms.key, now, since)))
      return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'recently-asked' });
  }

  const variables = variablesFor(job, brand, {
    ...(followUp.kind === 'reminder' ? await customerPageLink(deps.trackingLinks, job) : {}),
    haveReady: brand.reminder.haveReady,
    ...(brand.reviewRequest ? { reviewUrl: brand.reviewRequest.url } : {}),
  });
  // One read says whether the number may be texted and whether it was before (the opt-out line).
  const permission = await deps.store.textingPermission(sms.to, sms.brandId);
  const outcome = await deliverOnce(
    deps,
    {
      ...sms,
      body: renderSms(template, variables, { firstToNumber: !permission.texted }).body,
      numberTexted: permission.texted,
    },
    { permission },
  );
  // Not sent (opted out, no consent, refused for good): the number was not asked.
  if (reviewed && outcome.state !== 'sent')
    await deps.store.releaseReviewRequest(sms.to, job.brandId, sms.key);
  return outcome;
}

async function refusalOf(
  deps: FollowUpContext,
  followUp: JobFollowUp,
  current: Awaited<ReturnType<FollowUpContext['store']['job']>>,
): Promise<SuppressedReason | undefined> {
  const { job } = followUp;
  if (followUp.kind === 'reminder') {
    // Rescheduled (its new date planned its own reminder), cancelled, or already under way.
    const stillDue = current?.status === 'scheduled' && current.date === job.schedule.date;
    return stillDue ? undefined : 'no-longer-due';
  }
  if (current?.status !== 'complete') return 'no-longer-due';
  const { entries } = await deps.store.timeline(job.jobId);
  const complained = entries.some(
    (entry) =>
      entry.type === 'SmsReceived' && typeof entry.body === 'string' && soundsLikeComplaint(entry.body),
  );
  if (complained) return 'complained';
  // Asked within the interval: the claim before the send says (claimReviewRequest).
  return undefined;
}
