import { type Brand, paymentInstructions } from '@qdn/shared/brands';
import type { JobOnBus, JobStatus } from '@qdn/shared/events';
import { formatUsd } from '@qdn/shared/money';
import { isCharter } from './customer-page.ts';
import { countSegments, type SegmentCount } from './sms-segments.ts';

/** Every message a customer can get, by what happened to their job. */
export type SmsTemplateId =
  | 'scheduled'
  | 'rescheduled'
  | 'on_the_way'
  | 'arriving'
  | 'arrived'
  | 'complete'
  | 'cancelled'
  | 'correction'
  | 'charter_scheduled'
  | 'charter_rescheduled'
  | 'charter_cancelled'
  | 'charter_complete'
  | 'reminder'
  | 'review_request'
  | 'payment_receipt'
  | 'payment_refund'
  | 'payment_refund_failed'
  | 'payment_refund_paid_back';

/**
 * The texts of a final status (complete, cancelled): held for the brand's undo window before they go
 * out, so a driver's mis-tapped "complete" undone inside it reaches nobody.
 */
export const HELD_FOR_UNDO = ['complete', 'cancelled', 'charter_complete', 'charter_cancelled'] as const;
export type HeldTemplate = (typeof HELD_FOR_UNDO)[number];

/** The typed variables a template may use; everything is already formatted for a person. */
export interface SmsVariables {
  brandName: string;
  signOff: string;
  firstName: string;
  serviceLabel: string;
  /** e.g. "Tue, Dec 1" */
  day: string;
  /** e.g. "between 12 and 5 pm", "at 9:30 am" */
  when: string;
  etaMinutes?: number;
  trackingUrl?: string;
  /** A charter's guest page (`/g/{token}`): its texts link there instead of the tracking page. */
  guestPageUrl?: string;
  /** e.g. "$600.00" */
  total?: string;
  invoiceUrl?: string;
  vessel?: string;
  meetingPoint?: string;
  /** The status a correction goes back to, in words. */
  correctedTo?: string;
  /** The brand's list for the day-before reminder (optional: it gives way first). */
  haveReady?: string[];
  reviewUrl?: string;
  /** How to pay a Zelle or cash booking, said when it is confirmed (e.g. "Pay $150.00 by Zelle to …"). */
  howToPay?: string;
  /** A payment received: its amount ("$37.50") and how ("card", "Zelle", "cash"). */
  paid?: { amount: string; method: string };
  /** A card payment given back (a dispatcher cancelled the job), and how when not to the card. */
  refunded?: { amount: string; how?: string };
}

type Render = (v: SmsVariables) => string;

// Templates are data: one line per message, optional parts only where a variable is present.
const TEMPLATES: Record<SmsTemplateId, Render> = {
  scheduled: (v) =>
    `Hi ${v.firstName}, your ${v.serviceLabel} is booked for ${when(v)}.${v.howToPay ? ` ${v.howToPay}` : ''}${track(v)}`,
  rescheduled: (v) => `Hi ${v.firstName}, your ${v.serviceLabel} has moved to ${when(v)}.${track(v)}`,
  on_the_way: (v) =>
    `Hi ${v.firstName}, we're on the way${v.etaMinutes !== undefined ? ` - about ${v.etaMinutes} min` : ''}.${track(v)}`,
  arriving: (v) => `Hi ${v.firstName}, we're arriving now.`,
  arrived: (v) => `Hi ${v.firstName}, we've arrived for your ${v.serviceLabel}.`,
  complete: (v) =>
    `Thanks ${v.firstName}, your ${v.serviceLabel} is complete.${v.total ? ` Total: ${v.total}.` : ''}${v.invoiceUrl ? ` Invoice: ${v.invoiceUrl}` : ''}`,
  cancelled: (v) =>
    `Hi ${v.firstName}, your ${v.serviceLabel} on ${v.day} is cancelled. Questions? Just reply.`,
  correction: (v) =>
    `Sorry ${v.firstName}, please ignore our last text: your ${v.serviceLabel} is ${v.correctedTo ?? 'unchanged'}.`,
  charter_scheduled: (v) =>
    `Hi ${v.firstName}, your charter${v.vessel ? ` aboard ${v.vessel}` : ''} is set for ${when(v)}${v.meetingPoint ? `, meet at ${v.meetingPoint}` : ''}.${track(v)}`,
  charter_rescheduled: (v) =>
    `Hi ${v.firstName}, your charter${v.vessel ? ` aboard ${v.vessel}` : ''} has moved to ${when(v)}.${track(v)}`,
  charter_cancelled: (v) =>
    `Hi ${v.firstName}, your charter on ${v.day} is cancelled. Questions? Just reply.`,
  charter_complete: (v) =>
    `Thanks for sailing with us, ${v.firstName}!${v.total ? ` Total: ${v.total}.` : ''}${v.invoiceUrl ? ` Invoice: ${v.invoiceUrl}` : ''}`,
  reminder: (v) =>
    `Hi ${v.firstName}, a reminder: your ${v.serviceLabel} is tomorrow, ${when(v)}.${v.haveReady?.length ? ` Please have ready: ${v.haveReady.join('; ')}.` : ''}${track(v)}`,
  payment_receipt: (v) =>
    `Thanks ${v.firstName}, we received your ${v.paid?.method ?? ''} payment of ${v.paid?.amount ?? ''} for your ${v.serviceLabel} on ${v.day}.`,
  // The customer whose booking was declined or cancelled after paying hears where their money is; a card
  // refund takes days to show, so the text says so rather than have them call.
  payment_refund: (v) =>
    `Hi ${v.firstName}, we refunded your card payment of ${v.refunded?.amount ?? ''} for your ${v.serviceLabel} on ${v.day}. It can take 5 to 10 days to show on your statement.`,
  // The refund did not reach the card (closed, reported lost): the money is with the business again,
  // and the customer, told days ago it was refunded, hears it before they notice.
  payment_refund_failed: (v) =>
    `Hi ${v.firstName}, your refund of ${v.refunded?.amount ?? ''} for your ${v.serviceLabel} on ${v.day} could not be returned to your card. We'll be in touch to pay it back another way.`,
  // The failed refund paid back another way: the customer told "we'll be in touch" hears it is done.
  payment_refund_paid_back: (v) =>
    `Hi ${v.firstName}, we have paid back your refund of ${v.refunded?.amount ?? ''} for your ${v.serviceLabel} on ${v.day}${v.refunded?.how ? ` by ${v.refunded.how}` : ''}.`,
  review_request: (v) =>
    `Thanks again, ${v.firstName}! If we did right by you, a review helps a small business a lot: ${v.reviewUrl ?? ''}`,
};

/** "Tue, Dec 1 between 12 and 5 pm", or the day alone for a job with neither a window nor a time. */
function when(v: SmsVariables): string {
  return v.when ? `${v.day} ${v.when}` : v.day;
}

function track(v: SmsVariables): string {
  if (v.guestPageUrl) return ` Details: ${v.guestPageUrl}`;
  return v.trackingUrl ? ` Track: ${v.trackingUrl}` : '';
}

const OPT_OUT = ' Reply STOP to opt out.';
/** Every message must fit in this many segments (cost and readability). */
export const MAX_SEGMENTS = 2;

export interface RenderedSms extends SegmentCount {
  template: SmsTemplateId | 'dispatcher';
  body: string;
}

/**
 * Renders a template in the brand's voice. The first message to a number says how to opt out. If a
 * long name or link would push it past two segments, optional parts give way first (the tracking link
 * stays: it is the point of most messages), then the first name is shortened.
 */
export function renderSms(
  template: SmsTemplateId,
  variables: SmsVariables,
  options: { firstToNumber: boolean },
): RenderedSms {
  const trimmed = { ...variables, invoiceUrl: undefined, meetingPoint: undefined, haveReady: undefined };
  // A name with an emoji or a non-Latin letter turns the whole text into UCS-2 (67 characters a segment
  // instead of 153); spelling it with plain letters only keeps long links within two segments.
  const plainName = variables.firstName.replace(/[^A-Za-z0-9 .'-]/g, '').trim() || 'there';
  const attempts: SmsVariables[] = [
    variables,
    trimmed,
    { ...trimmed, firstName: plainName },
    { ...trimmed, firstName: plainName.slice(0, 12) },
    { ...trimmed, firstName: 'there', serviceLabel: 'job', vessel: undefined },
  ];
  let rendered: RenderedSms | undefined;
  for (const attempt of attempts) {
    const body = `${TEMPLATES[template](attempt)} ${attempt.signOff}${options.firstToNumber ? OPT_OUT : ''}`;
    rendered = { template, body, ...countSegments(body) };
    if (rendered.segments <= MAX_SEGMENTS) return rendered;
  }
  return rendered!;
}

/**
 * Which message a job event means for the customer, if any. A `requested` booking is never texted; crew,
 * trailer and detail changes don't text the customer; a correction is texted only when the status it
 * takes back was one the customer heard about.
 */
export function templateForEvent(
  detailType: string,
  data: { job: JobOnBus; previousStatus?: JobStatus; status?: JobStatus; correction?: boolean },
): SmsTemplateId | undefined {
  const charter = isCharter(data.job);
  const status = data.job.status;
  switch (detailType) {
    case 'JobCreated':
      return status === 'scheduled' ? (charter ? 'charter_scheduled' : 'scheduled') : undefined;
    case 'JobScheduleChanged':
      return status === 'scheduled' || status === 'en_route'
        ? charter
          ? 'charter_rescheduled'
          : 'rescheduled'
        : undefined;
    case 'JobArriving':
      return status === 'en_route' ? 'arriving' : undefined;
    // A receipt answers the customer's own payment, so it goes out even for a booking not yet confirmed.
    case 'JobPaymentReceived':
      return 'payment_receipt';
    // The refund of a cancelled card payment: also for a booking declined before it was confirmed, whose
    // cancellation itself is never texted (the customer paid, so they hear where the money went).
    case 'JobPaymentRefunded':
      return 'payment_refund';
    // The refund did not reach the card: the customer would otherwise wait for money that isn't coming.
    case 'JobRefundFailed':
      return 'payment_refund_failed';
    case 'JobRefundPaidBack':
      return 'payment_refund_paid_back';
    case 'JobStatusChanged': {
      // Whether a final status's text went out (so needs correcting) is the sms consumer's to check.
      if (data.correction)
        return data.previousStatus &&
          data.previousStatus !== 'scheduled' &&
          data.previousStatus !== 'requested'
          ? 'correction'
          : undefined;
      switch (data.status) {
        case 'scheduled':
          return data.previousStatus === 'requested'
            ? charter
              ? 'charter_scheduled'
              : 'scheduled'
            : undefined;
        case 'en_route':
          return charter ? undefined : 'on_the_way';
        case 'arrived':
          return charter ? undefined : 'arrived';
        case 'complete':
          return charter ? 'charter_complete' : 'complete';
        case 'cancelled':
          return data.previousStatus === 'requested'
            ? undefined
            : charter
              ? 'charter_cancelled'
              : 'cancelled';
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** The text a job's change to complete or cancelled sends (what a correction of it takes back). */
export function templateForStatus(job: JobOnBus, status: JobStatus): SmsTemplateId | undefined {
  const charter = isCharter(job);
  if (status === 'complete') return charter ? 'charter_complete' : 'complete';
  if (status === 'cancelled') return charter ? 'charter_cancelled' : 'cancelled';
  return undefined;
}

const STATUS_WORDS: Record<JobStatus, string> = {
  requested: 'requested',
  scheduled: 'still scheduled',
  en_route: 'on the way',
  arrived: 'here',
  complete: 'complete',
  cancelled: 'cancelled',
};

function formatDay(date: string): string {
  // A schedule date is a calendar day in the brand's zone; format it as that day, not an instant.
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

function formatClock(hhmm: string): string {
  const [hours = 0, minutes = 0] = hhmm.split(':').map(Number);
  const suffix = hours >= 12 ? 'pm' : 'am';
  const hour = hours % 12 === 0 ? 12 : hours % 12;
  return minutes === 0 ? `${hour} ${suffix}` : `${hour}:${String(minutes).padStart(2, '0')} ${suffix}`;
}

/** The variables for a job, in the brand's voice and formats. */
export function variablesFor(
  job: JobOnBus,
  brand: Brand,
  extra: {
    correctedTo?: JobStatus;
    trackingUrl?: string;
    guestPageUrl?: string;
    haveReady?: string[];
    reviewUrl?: string;
    payment?: { method: 'card' | 'zelle' | 'cash'; amountCents: number };
    refund?: { amountCents: number; method?: 'card' | 'zelle' | 'cash' | 'check' };
  } = {},
): SmsVariables {
  // A Zelle or cash booking still to pay hears how when it is confirmed (never before: see templateForEvent).
  const method =
    job.paymentMethod === 'zelle' || job.paymentMethod === 'cash' ? job.paymentMethod : undefined;
  const howToPay =
    method && job.paymentStatus === 'due' ? paymentInstructions(brand, method, job.priceCents) : undefined;
  // Own keys only: a window name such as "toString" (stored before the jobs service checked them) is no
  // window, and the text goes without one instead of failing every attempt.
  const window =
    job.schedule.window && Object.hasOwn(brand.windows, job.schedule.window)
      ? brand.windows[job.schedule.window]
      : undefined;
  const when = job.schedule.time
    ? `at ${formatClock(job.schedule.time)}`
    : window
      ? `between ${formatClock(window.start)} and ${formatClock(window.end)}`
      : '';
  return {
    brandName: brand.displayName,
    signOff: brand.smsSignOff,
    firstName: job.customer.firstName,
    serviceLabel: (
      brand.serviceTypes.find((offer) => offer.serviceType === job.serviceType)?.label ?? job.serviceType
    ).toLowerCase(),
    day: formatDay(job.schedule.date),
    when,
    ...(job.etaMinutes !== undefined ? { etaMinutes: job.etaMinutes } : {}),
    ...(extra.trackingUrl ? { trackingUrl: extra.trackingUrl } : {}),
    ...(extra.guestPageUrl ? { guestPageUrl: extra.guestPageUrl } : {}),
    ...(job.priceCents !== undefined ? { total: formatUsd(job.priceCents) } : {}),
    ...(job.invoiceUrl ? { invoiceUrl: job.invoiceUrl } : {}),
    ...(job.charter ? { vessel: job.charter.vessel, meetingPoint: job.charter.meetingPoint } : {}),
    ...(extra.correctedTo ? { correctedTo: STATUS_WORDS[extra.correctedTo] } : {}),
    ...(extra.haveReady?.length ? { haveReady: extra.haveReady } : {}),
    ...(extra.reviewUrl ? { reviewUrl: extra.reviewUrl } : {}),
    ...(howToPay ? { howToPay } : {}),
    ...(extra.payment
      ? {
          paid: {
            amount: formatUsd(extra.payment.amountCents),
            method: { card: 'card', zelle: 'Zelle', cash: 'cash' }[extra.payment.method],
          },
        }
      : {}),
    ...(extra.refund
      ? {
          refunded: {
            amount: formatUsd(extra.refund.amountCents),
            ...(extra.refund.method && extra.refund.method !== 'card'
              ? { how: { zelle: 'Zelle', cash: 'cash', check: 'check' }[extra.refund.method] }
              : {}),
          },
        }
      : {}),
  };
}

/** A dispatcher's own words to a customer, signed as the brand (and, the first time, how to opt out). */
export function renderDispatcherText(
  text: string,
  brand: Brand,
  options: { firstToNumber: boolean },
): RenderedSms & { template: 'dispatcher' } {
  const body = `${text.trim()} ${brand.smsSignOff}${options.firstToNumber ? OPT_OUT : ''}`;
  return { template: 'dispatcher', body, ...countSegments(body) };
}
