import type { Brands } from '@qdn/shared/brands';
import type { JobOnBus, JobStatus, ReceivedEvent } from '@qdn/shared/events';
import { customerPageLink, type TrackingLinks } from './customer-page.ts';
import { deliverOnce, senderOf, settleWithoutSending } from './delivery.ts';
import { type FollowUpScheduler, followUpsFor } from './follow-ups.ts';
import type { NotificationsDeps, OutboundSms, SendOutcome } from './ports.ts';
import { renderSms, type SmsTemplateId, templateForEvent, variablesFor } from './sms-templates.ts';

export type { TrackingLinks } from './customer-page.ts';

/** The job events the sms consumer receives (all of them keep its projection current). */
export type JobEventForSms = ReceivedEvent<
  | 'JobCreated'
  | 'JobStatusChanged'
  | 'JobScheduleChanged'
  | 'JobArriving'
  | 'JobDetailsChanged'
  | 'JobAssignmentChanged'
  | 'JobPaymentReceived'
>;

/** Texts about a truck on its way now: worthless late, so Twilio drops them after their validity. */
export const TIME_SENSITIVE_TEMPLATES: ReadonlySet<SmsTemplateId> = new Set(['on_the_way', 'arriving']);

/**
 * A job event → at most one SMS to the customer. The projection keeps the highest job version seen, so
 * an event older than what is known (a late "on the way" after "complete") is recorded as stale and
 * never sent; the same event again is one SMS (the key is job, version and template).
 */
export async function textCustomerAbout(
  deps: NotificationsDeps & {
    brands: Brands;
    trackingLinks: TrackingLinks;
    followUps: FollowUpScheduler;
    /** The ValidityPeriod of TIME_SENSITIVE_TEMPLATES' texts. */
    timeSensitiveValiditySeconds: number;
  },
  event: JobEventForSms,
): Promise<SendOutcome | undefined> {
  const data = event.detail.data as {
    job: JobOnBus;
    previousStatus?: JobStatus;
    status?: JobStatus;
    correction?: boolean;
    payment?: { method: 'card' | 'zelle' | 'cash'; amountCents: number };
  };
  const { job } = data;
  // One read of the number answers both the opt-out line (texted before?) and the send's checks (opted
  // out, consent on record). A consent this event brings is recorded by observeJob, possibly after the
  // read: the event's own consent counts anyway (consentOnEvent).
  const [{ stale }, permission] = await Promise.all([
    deps.store.observeJob(job, deps.now()),
    deps.store.textingPermission(job.customer.phone, job.brandId),
  ]);
  const brand = deps.brands.get(job.brandId);
  // A current event plans what follows it (a reminder, a review request); a stale one plans nothing.
  if (!stale) {
    for (const { followUp, at } of followUpsFor(event, brand, deps.now())) {
      await deps.followUps.schedule(followUp, at);
    }
  }
  const template = templateForEvent(event.detailType, data);
  if (!template) return undefined;

  const sms: OutboundSms = {
    key: `job:${job.jobId}:${job.version}:${template}`,
    brandId: job.brandId,
    jobId: job.jobId,
    version: job.version,
    to: job.customer.phone,
    body: '',
    template,
    audience: 'customer',
    sender: senderOf(brand),
    consentOnEvent: job.smsConsent?.phone === job.customer.phone,
  };
  if (stale) return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'stale' });

  const firstToNumber = !permission.texted;
  // The link is rebuilt from its id: the event carries no token.
  const variables = variablesFor(job, brand, {
    ...(template === 'correction' && data.status ? { correctedTo: data.status } : {}),
    ...(await customerPageLink(deps.trackingLinks, job)),
    ...(data.payment ? { payment: data.payment } : {}),
  });
  return deliverOnce(
    deps,
    {
      ...sms,
      body: renderSms(template, variables, { firstToNumber }).body,
      numberTexted: permission.texted,
      ...(TIME_SENSITIVE_TEMPLATES.has(template)
        ? { validitySeconds: deps.timeSensitiveValiditySeconds }
        : {}),
    },
    { permission },
  );
}
