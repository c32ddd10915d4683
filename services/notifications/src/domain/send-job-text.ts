import type { Brand, Brands } from '@qdn/shared/brands';
import type { JobOnBus, JobStatus } from '@qdn/shared/events';
import { formatUsd } from '@qdn/shared/money';
import { refundFailureInWords } from '@qdn/shared/refund-failures';
import { customerPageLink, type TrackingLinks } from './customer-page.ts';
import { deliverOnce, senderOf, settleWithoutSending } from './delivery.ts';
import type { FollowUpScheduler, HeldStatusText, RefundFailedText, TeamText } from './follow-ups.ts';
import { jobRef } from './inbound.ts';
import type { NotificationsContext, OutboundSms, SendOutcome, TextingPermission } from './ports.ts';
import { renderSms, type SmsTemplateId, variablesFor } from './sms-templates.ts';

// Sending one text about a job to its customer (built, rendered in the brand's voice, delivered once):
// what the sms consumer sends on a job event (job-event-texts.ts decides which) and the follow-ups
// consumer sends when a held complete/cancelled text falls due share it.

/** Texts about a truck on its way now: worthless late, so Twilio drops them after their validity. */
export const TIME_SENSITIVE_TEMPLATES: ReadonlySet<SmsTemplateId> = new Set(['on_the_way', 'arriving']);

export type JobTextContext = NotificationsContext & {
  brands: Brands;
  trackingLinks: TrackingLinks;
  followUps: FollowUpScheduler;
  /** The ValidityPeriod of TIME_SENSITIVE_TEMPLATES' texts. */
  timeSensitiveValiditySeconds: number;
};

/**
 * A held final-status text fell due: sent if its status change is still the job's last one, else
 * recorded as undone (a mis-tap taken back, or taken back and made again: the later change has its own
 * held text). Not held by quiet hours: it is about a job happening now.
 */
export async function sendHeldStatusText(deps: JobTextContext, held: HeldStatusText): Promise<SendOutcome> {
  const brand = deps.brands.get(held.job.brandId);
  const sms = { ...customerSms(held.job, held.template, brand), key: held.key };
  const current = await deps.store.job(held.job.jobId);
  // The status the job shows now, too: a status change that undid it may not be recorded yet (a later
  // note overtook it), but the job as the later version shows it is no longer complete or cancelled.
  const undone =
    (current?.statusVersion !== undefined && current.statusVersion !== held.job.version) ||
    (current !== undefined && current.status !== held.job.status);
  if (undone) {
    return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'undone' });
  }
  const permission = await deps.store.textingPermission(sms.to, sms.brandId);
  return sendJobText(deps, sms, held.job, permission, {});
}

/**
 * A card refund failed (now, or held by quiet hours until now): the brand's team is told first, each
 * number once per refund, whatever becomes of the customer's text — a person has to pay the money back
 * another way and record it in the console. Then the customer's text, once, to the number the job still
 * has (one a dispatcher corrected overnight was a stranger's: recorded as stale, never sent).
 */
export async function sendRefundFailedText(
  deps: JobTextContext,
  held: RefundFailedText,
): Promise<SendOutcome> {
  const brand = deps.brands.get(held.job.brandId);
  const why = refundFailureInWords(held.reason);
  await sendTeamText(deps, {
    kind: 'team-text',
    key: `refund-failed:${held.refundId}`,
    brandId: brand.brandId,
    jobId: held.job.jobId,
    template: 'refund_failed_team',
    body: `${brand.displayName}: the card refund of ${formatUsd(held.amountCents)} to ${held.job.customer.name} (job #${jobRef(held.job.jobId)}) failed: ${why}. Pay it back another way, then record it in the console (the job's Payment).`,
    dueAt: held.dueAt,
  });
  const sms = { ...customerSms(held.job, 'payment_refund_failed', brand), key: held.key };
  const current = await deps.store.job(held.job.jobId);
  if (current !== undefined && current.phone !== sms.to)
    return settleWithoutSending(deps, sms, { state: 'suppressed', reason: 'stale' });
  const permission = await deps.store.textingPermission(sms.to, sms.brandId);
  return sendJobText(deps, sms, held.job, permission, { refund: { amountCents: held.amountCents } });
}

/**
 * A text to the brand's team (now, or held by quiet hours until now): each backup team number once per
 * key. What it says was written when its event came (teamTextAbout). The last number's outcome is the
 * answer (a brand with no team numbers sends nothing: undefined).
 */
export async function sendTeamText(deps: JobTextContext, held: TeamText): Promise<SendOutcome | undefined> {
  const brand = deps.brands.get(held.brandId);
  let outcome: SendOutcome | undefined;
  for (const number of brand.backupTeamNumbers)
    outcome = await deliverOnce(deps, {
      key: `${held.key}:${number}`,
      brandId: brand.brandId,
      jobId: held.jobId,
      to: number,
      body: held.body,
      template: held.template,
      audience: 'team',
      sender: senderOf(brand),
    });
  return outcome;
}

export function customerSms(job: JobOnBus, template: SmsTemplateId, brand: Brand): OutboundSms {
  return {
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
}

/** Renders a job text in the brand's voice (with the tracking link rebuilt from its id) and sends it once. */
export async function sendJobText(
  deps: JobTextContext,
  sms: OutboundSms,
  job: JobOnBus,
  permission: TextingPermission,
  extra: {
    correctedTo?: JobStatus;
    payment?: { method: 'card' | 'zelle' | 'cash'; amountCents: number };
    refund?: { amountCents: number; method?: 'card' | 'zelle' | 'cash' | 'check' };
  },
): Promise<SendOutcome> {
  const template = sms.template as SmsTemplateId;
  const brand = deps.brands.get(job.brandId);
  // The link (tracking page, or a charter's guest page) is rebuilt from its id: the event carries no token.
  const variables = variablesFor(job, brand, {
    ...extra,
    ...(await customerPageLink(deps.trackingLinks, job)),
  });
  return deliverOnce(
    deps,
    {
      ...sms,
      body: renderSms(template, variables, { firstToNumber: !permission.texted }).body,
      numberTexted: permission.texted,
      ...(TIME_SENSITIVE_TEMPLATES.has(template)
        ? { validitySeconds: deps.timeSensitiveValiditySeconds }
        : {}),
    },
    { permission },
  );
}
