import type { Brand } from '@qdn/shared/brands';
import { disputeReasonInWords } from '@qdn/shared/dispute-reasons';
import type { EventDetail, JobOnBus, JobStatus, ReceivedEvent } from '@qdn/shared/events';
import { formatUsd } from '@qdn/shared/money';
import { settleWithoutSending } from './delivery.ts';
import {
  followUpsFor,
  type HeldStatusText,
  type RefundFailedText,
  type TeamText,
  withoutNotes,
} from './follow-ups.ts';
import { jobRef } from './inbound.ts';
import type { JobObserved, SendOutcome } from './ports.ts';
import { sendableAt } from './quiet-hours.ts';
import {
  customerSms,
  type JobTextContext,
  sendHeldStatusText,
  sendJobText,
  sendRefundFailedText,
  sendTeamText,
} from './send-job-text.ts';
import {
  HELD_FOR_UNDO,
  type HeldTemplate,
  type SmsTemplateId,
  templateForEvent,
  templateForStatus,
} from './sms-templates.ts';

// Which text a job event means for its customer, and when it goes: now, held for the undo window, or
// never (a stale event). Building and sending the text is send-job-text.ts's.

/** The job events the sms consumer receives (all of them keep its projection current). */
export type JobEventForSms = ReceivedEvent<
  | 'JobCreated'
  | 'JobStatusChanged'
  | 'JobScheduleChanged'
  | 'JobArriving'
  | 'JobDetailsChanged'
  | 'JobAssignmentChanged'
  | 'JobPaymentReceived'
  | 'JobPaymentRefunded'
  | 'JobRefundFailed'
  | 'JobRefundPaidBack'
  | 'JobPaymentDisputed'
>;

/** A disputed card payment as JobPaymentDisputed carries it (shared/src/events.ts). */
type DisputeOnBus = EventDetail<'JobPaymentDisputed'>['data']['dispute'];

/** Texts about money that changed hands: sent even when their event arrives after a newer version. */
const REPORTS_MONEY: ReadonlySet<SmsTemplateId> = new Set([
  'payment_receipt',
  'payment_refund',
  'payment_refund_failed',
  'payment_refund_paid_back',
]);

/**
 * How late a text about the truck's whereabouts may still go, from its event: past this, "we're on the
 * way" (or "arriving now", "we've arrived") would tell the customer something that stopped being news
 * long ago — the truck has arrived or nearly so on a typical 10-30 minute drive — and would confuse more
 * than inform. Longer than an ordinary retry (Twilio's 429s, a Lambda retried) takes, far shorter than a
 * redrive from the dead letters hours later. (Twilio's ValidityPeriod bounds only the wait in its queue.)
 */
export const TIME_BOUND_TEXT_MAX_AGE_MS = 30 * 60_000;

/** Texts about the truck's whereabouts now: worthless past TIME_BOUND_TEXT_MAX_AGE_MS. */
const TIME_BOUND: ReadonlySet<SmsTemplateId> = new Set(['on_the_way', 'arriving', 'arrived']);

/** Texts saying when the job is: a later schedule change (whose own text says the new time) overtakes them. */
const SAYS_WHEN: ReadonlySet<SmsTemplateId> = new Set([
  'scheduled',
  'rescheduled',
  'charter_scheduled',
  'charter_rescheduled',
]);

/**
 * Whether a newer change has made the text wrong: a later status change for any status text (a late "on
 * the way" after "arrived"), and a later schedule change for a text saying when. A newer version that
 * changed neither (a note, the geocoder's coordinates, a payment) leaves it true: a confirmation that
 * failed once and is retried after the geocoder's write still goes. A payment or refund is a fact
 * whatever came after it, so it is never out of date, unless the number has changed since.
 */
function isOutOfDate(template: SmsTemplateId, observed: JobObserved): boolean {
  // Whatever it says, it would go to a number the job no longer has: a typo a dispatcher corrected is
  // a stranger's (the corrected number's texts come from the newer events).
  if (observed.numberChangedSince) return true;
  if (REPORTS_MONEY.has(template)) return false;
  return observed.statusChangedSince || (SAYS_WHEN.has(template) && observed.scheduleChangedSince);
}

const isHeld = (template: SmsTemplateId): template is HeldTemplate =>
  (HELD_FOR_UNDO as readonly string[]).includes(template);

/**
 * A job event → at most one SMS to the customer. The projection keeps the highest job version seen and
 * the versions of the last status and schedule changes, so a text a later change made wrong (a late "on
 * the way" after "complete") is recorded as stale and never sent; the same event again is one SMS (the key is job, version and template). A final status's
 * text waits out the brand's undo window as a follow-up (sendHeldStatusText decides it when due).
 */
export async function textCustomerAbout(
  deps: JobTextContext,
  event: JobEventForSms,
): Promise<SendOutcome | undefined> {
  const data = event.detail.data as {
    job: JobOnBus;
    previousStatus?: JobStatus;
    status?: JobStatus;
    correction?: boolean;
    payment?: { method: 'card' | 'zelle' | 'cash'; amountCents: number };
    refund?: {
      amountCents: number;
      refundId: string;
      reason: string;
      method?: 'card' | 'zelle' | 'cash' | 'check';
    };
    dispute?: DisputeOnBus;
  };
  const { job } = data;
  // One read of the number answers both the opt-out line (texted before?) and the send's checks (opted
  // out, consent on record). A consent this event brings is recorded by observeJob, possibly after the
  // read: the event's own consent counts anyway (consentOnEvent).
  const [observed, permission] = await Promise.all([
    deps.store.observeJob(job, deps.now(), {
      // A job's creation sets its status and its schedule.
      statusChanged: event.detailType === 'JobStatusChanged' || event.detailType === 'JobCreated',
      scheduleChanged: event.detailType === 'JobScheduleChanged' || event.detailType === 'JobCreated',
    }),
    deps.store.textingPermission(job.customer.phone, job.brandId),
  ]);
  const { previousStatusVersion } = observed;
  const brand = deps.brands.get(job.brandId);
  // An event no later status or schedule change overtook plans what follows it (a reminder, a review
  // request), even after a newer note or the geocoder's write; one overtaken plans nothing.
  if (!observed.statusChangedSince && !observed.scheduleChangedSince) {
    for (const { followUp, at } of followUpsFor(event, brand, deps.now())) {
      await deps.followUps.schedule(followUp, at);
    }
  }
  // A refund the card refused: the team and the customer are told, in the sending hours (Stripe tells
  // it at any hour, days after the job); even to a number changed since, the team is told.
  if (event.detailType === 'JobRefundFailed' && data.refund) {
    const opens = sendableAt(deps.now(), brand);
    const held: RefundFailedText = {
      kind: 'refund-failed-text',
      key: customerSms(job, 'payment_refund_failed', brand).key,
      job: withoutNotes(job),
      amountCents: data.refund.amountCents,
      refundId: data.refund.refundId,
      reason: data.refund.reason,
      dueAt: new Date(Math.max(opens.getTime(), deps.now().getTime())).toISOString(),
    };
    if (opens <= deps.now()) return sendRefundFailedText(deps, held);
    await deps.followUps.schedule(held, opens);
    return undefined;
  }
  // A card payment disputed: only the team is told (the customer's bank knows), in the sending hours,
  // with the date it must be answered by in Stripe's Dashboard or be lost.
  if (event.detailType === 'JobPaymentDisputed' && data.dispute) {
    const held = teamTextAboutDispute(job, data.dispute, brand, deps.now());
    if (Date.parse(held.dueAt) <= deps.now().getTime()) return sendTeamText(deps, held);
    await deps.followUps.schedule(held, new Date(held.dueAt));
    return undefined;
  }
  const template = templateForEvent(event.detailType, data);
  if (!template) return undefined;

  const sms = customerSms(job, template, brand);
  if (isOutOfDate(template, observed))
    return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'stale' });
  // Too late to be news (a redrive hours later): recorded, never sent and never dropped unrecorded. (An
  // attempt Twilio may have taken is looked up first: found, it is recorded sent.)
  const age = deps.now().getTime() - Date.parse(event.detail.meta.occurredAt);
  if (TIME_BOUND.has(template) && age > TIME_BOUND_TEXT_MAX_AGE_MS)
    return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'too-late' });

  if (isHeld(template) && brand.undoWindowSeconds > 0) {
    const dueAt = new Date(Date.parse(event.detail.meta.occurredAt) + brand.undoWindowSeconds * 1000);
    const held: HeldStatusText = {
      kind: 'status-text',
      key: sms.key,
      template,
      job: withoutNotes(job),
      dueAt: dueAt.toISOString(),
    };
    if (dueAt > deps.now()) {
      await deps.followUps.schedule(held, dueAt);
      return undefined;
    }
    // The window has passed already (a late or replayed event): decided now, as when due.
    return sendHeldStatusText(deps, held);
  }
  // A correction of a final status is texted only if its text went out (after the window); inside it,
  // the held text is withheld when due and the customer hears nothing of either.
  if (template === 'correction' && data.previousStatus) {
    const takenBack = templateForStatus(job, data.previousStatus);
    if (takenBack && isHeld(takenBack)) {
      const record =
        previousStatusVersion === undefined
          ? undefined
          : await deps.store.sendRecord(`job:${job.jobId}:${previousStatusVersion}:${takenBack}`);
      if (!record || (record.outcome && record.outcome.state !== 'sent')) return undefined;
    }
  }
  return sendJobText(deps, sms, job, permission, {
    ...(template === 'correction' && data.status ? { correctedTo: data.status } : {}),
    ...(data.payment ? { payment: data.payment } : {}),
    ...(data.refund
      ? {
          refund: {
            amountCents: data.refund.amountCents,
            ...(data.refund.method ? { method: data.refund.method } : {}),
          },
        }
      : {}),
  });
}

/**
 * The team's text about a disputed card payment, due at the brand's next sending hour, e.g.
 * "QuickDumpNow: the bank of Paula Reyes (job #AB12CD) disputed the card payment of $150.00: the customer
 * says the service was not provided. Stripe took it back. Answer it in Stripe's Dashboard by Fri, Dec 11,
 * 11:59 PM, or it is lost." An inquiry says no money has moved yet, an appeal that the lost dispute can
 * be appealed; a chargeback an inquiry became, and an appeal, are told again under keys of their own. One
 * per dispute (and round) and team number.
 */
export function teamTextAboutDispute(
  job: JobOnBus,
  dispute: DisputeOnBus,
  brand: Brand,
  now: Date,
): TeamText {
  const opens = sendableAt(now, brand);
  const amount = formatUsd(dispute.amountCents);
  const why = disputeReasonInWords(dispute.reason);
  // The moment evidence is due, in the business's zone: a day alone could be read as that evening.
  const by = dispute.respondBy
    ? new Intl.DateTimeFormat('en-US', {
        timeZone: brand.timeZone,
        weekday: 'short',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
      }).format(new Date(dispute.respondBy))
    : undefined;
  const who = `${brand.displayName}: the bank of ${job.customer.name} (job #${jobRef(job.jobId)})`;
  const until = by ? ` by ${by}` : '';
  const body = dispute.inquiry
    ? `${who} is asking about the card payment of ${amount}: ${why}. No money has moved yet. Answer it in Stripe's Dashboard${until}, or it may become a chargeback.`
    : dispute.appeal
      ? `${who} won its dispute of the card payment of ${amount} (${why}); it can be appealed. Appeal it in Stripe's Dashboard${until}, or the bank keeps it.`
      : `${who} disputed the card payment of ${amount}: ${why}. Stripe took it back. ${by ? `Answer it in Stripe's Dashboard${until}, or it is lost.` : "See it in Stripe's Dashboard."}`;
  return {
    kind: 'team-text',
    key: `dispute:${dispute.disputeId}${dispute.inquiry ? ':inquiry' : dispute.appeal ? ':appeal' : ''}`,
    jobId: job.jobId,
    brandId: brand.brandId,
    template: 'payment_disputed_team',
    body,
    dueAt: new Date(Math.max(opens.getTime(), now.getTime())).toISOString(),
  };
}
