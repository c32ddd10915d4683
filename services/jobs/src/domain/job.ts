import type { Brand, PaymentMethod } from '@qdn/shared/brands';
import { ValidationError } from '@qdn/shared/errors';
import type { JobOnBus, JobSchedule, JobStatus, SmsConsent } from '@qdn/shared/events';
import { capacityProblems } from './booking-form.ts';
import { daysFrom, MAX_JOB_DAYS, trailerProblems } from './fleet.ts';

/** Admin-only fields: never in an event, a public view or a crew view. */
export interface PrivateJobFields {
  revenueSplit?: string;
  captainFeeCents?: number;
  internalNotes?: string;
}

export interface StatusChange {
  status: JobStatus;
  at: string;
  by: string;
  correction?: boolean;
  /** A correction of complete or cancelled inside the brand's undo window: the customer was never texted. */
  undo?: boolean;
  reason?: string;
  note?: string;
}

/**
 * The customer's payment for a job: chosen at booking (or set by a dispatcher who marks it paid). A
 * card deposit is paid through Stripe Checkout; Zelle and cash are marked paid by a dispatcher.
 */
export interface JobPayment {
  method: PaymentMethod;
  status: 'due' | 'paid' | 'refunded';
  /** What is due: the card deposit, or the quote for Zelle and cash. */
  amountDueCents?: number;
  amountPaidCents?: number;
  paidAt?: string;
  /** `stripe`, or the dispatcher who marked it paid. */
  recordedBy?: string;
  /** The Stripe payment intent, or what the dispatcher noted (a Zelle confirmation number). */
  reference?: string;
  /** The Checkout Session that paid (a webhook for it again changes nothing). */
  checkoutSessionId?: string;
  /**
   * When the refund of a cancelled job's card payment began (written before Stripe is asked): from then
   * on the cancellation can't be undone, as the money is going back (refunds.ts, changeStatus).
   */
  refundStartedAt?: string;
  refundId?: string;
  refundedAt?: string;
  /** Where the refund is at Stripe; absent on refunds recorded before it was kept (they had succeeded). */
  refundStatus?: RefundStatus;
  /** Why the card could not take the refund back (Stripe's `failure_reason`), and when we heard. */
  refundFailure?: RefundFailure;
  /** A failed refund paid back another way, as a dispatcher recorded it. */
  refundPaidBack?: RefundPaidBack;
  /** The customer's bank disputed the card payment (a chargeback), as Stripe's webhooks tell it. */
  dispute?: PaymentDispute;
}

/**
 * Where a dispute is. `needs_response`: the bank took the money back (and Stripe its fee) and the
 * business has until `respondBy` to answer with evidence in Stripe's Dashboard, or it loses by default;
 * `under_review`: answered, the bank decides (weeks); `won`: the money is back; `lost`: the bank kept
 * it. An inquiry (Stripe's `warning_*`) is the same steps before any money moved.
 */
export type DisputeStatus = 'needs_response' | 'under_review' | 'won' | 'lost';

/** A card payment's dispute (chargeback), recorded from `charge.dispute.*` webhooks (disputes.ts). */
export interface PaymentDispute {
  /** Stripe's dispute id (`du_…`, `dp_…`): the Dashboard's page for it. */
  disputeId: string;
  status: DisputeStatus;
  /**
   * An inquiry (Stripe's `warning_*`): the bank asks before taking any money back; unanswered, it may
   * become a chargeback (on this dispute, or as a new one).
   */
  inquiry?: true;
  /** An appeal of the dispute once lost (Stripe's `appeal_*`): its won or lost is the appeal's. */
  appeal?: true;
  /** The bank's reason: `fraudulent`, `product_not_received`, `duplicate`… (Stripe's `reason`). */
  reason: string;
  amountCents: number;
  /** When evidence is due (Stripe's `evidence_details.due_by`), while it can still be answered. */
  respondBy?: string;
  openedAt: string;
  /** When it was won or lost. */
  closedAt?: string;
}

/**
 * Where a card refund is at Stripe. `pending` until it reaches the card network (a refund waits while
 * the Stripe balance can't cover it); `succeeded` once it has; `failed` when the card can't take it
 * back (closed, reported lost) — the money is then back in the business's Stripe balance and the
 * customer has to be paid another way. A refund can fail days after it succeeded; it never recovers.
 */
export type RefundStatus = 'pending' | 'succeeded' | 'failed';

/** A failed card refund paid back another way (POST /jobs/{jobId}/payment/refund). */
export interface RefundPaidBack {
  method: 'zelle' | 'cash' | 'check';
  /** The Zelle confirmation or check number. */
  reference?: string;
  at: string;
  /** The dispatcher who recorded it. */
  by: string;
}

export interface RefundFailure {
  /** Stripe's `failure_reason`: `lost_or_stolen_card`, `expired_or_canceled_card`, `unknown`… */
  reason: string;
  at: string;
}

/**
 * A card payment the job could not keep: a Checkout Session paid for a job already paid (a second tab,
 * the back button; by card under another session, or marked paid by a dispatcher) or paid after the
 * job was cancelled. Never the job's payment: it is refunded in full (the webhook, once per session)
 * and stays on the job for staff, so no customer's money is ever lost track of.
 */
export interface ReturnedPayment {
  checkoutSessionId: string;
  /** The Stripe payment intent refunded. */
  reference?: string;
  amountCents: number;
  paidAt: string;
  why: 'paid-already' | 'job-cancelled';
  refundId?: string;
  refundedAt?: string;
  refundStatus?: RefundStatus;
  refundFailure?: RefundFailure;
  refundPaidBack?: RefundPaidBack;
  dispute?: PaymentDispute;
}

/**
 * A job as the jobs table stores it (one item per job; `version` bumps on every write and every
 * write is conditional on the version it read).
 */
export interface JobRecord {
  jobId: string;
  brandId: string;
  version: number;
  status: JobStatus;
  serviceType: string;
  /**
   * No phone only on a job imported from the first system without one: such a job stays off the bus
   * (events carry the number) until a dispatcher adds it.
   */
  customer: { name: string; phone?: string; email?: string };
  /**
   * `geocoded` says where coordinates came from when the place index found them (the geocode consumer),
   * for the text they were found for; `notFound` that it could not place this text (so no "arriving
   * now" text until a dispatcher corrects the address or gives coordinates). A dispatcher's edit of the
   * address replaces all of it.
   */
  address: {
    text: string;
    lat?: number;
    lng?: number;
    geocoded?: { label: string; relevance: number; at: string };
    notFound?: { reason: string; at: string };
  };
  schedule: JobSchedule;
  trailerId?: string;
  crewIds?: string[];
  priceCents?: number;
  paymentMethod?: string;
  payment?: JobPayment;
  /** Card payments the job could not keep, each refunded (ReturnedPayment). */
  returnedPayments?: ReturnedPayment[];
  invoiceUrl?: string;
  /** The dispatcher's notes: staff views only (gate codes, the customer's other number…). */
  notes?: string;
  /** What the dispatcher writes for the crew: the one note the crew page and SCC show. */
  crewNotes?: string;
  etaMinutes?: number;
  /**
   * The current tracking link's id: its token is derived from it under the tracking-link secret
   * (@qdn/shared/tracking-link), so neither the item nor an event holds a live link.
   */
  trackingLinkId?: string;
  /** SHA-256 of the current token: a token is looked up by it. */
  trackingTokenHash?: string;
  charter?: JobOnBus['charter'];
  /** A web booking's photos of the load: the media service's draft, by its hash (never the draft id). */
  photoDraftRef?: string;
  private?: PrivateJobFields;
  statusHistory?: StatusChange[];
  /** When the truck first came within the arrival radius on this trip (set once: JobArriving goes out once). */
  arrivingAt?: string;
  arrivingDistanceMeters?: number;
  /** Where the job came from: a dispatcher, or the public booking form (with the customer's consent). */
  origin?: 'dashboard' | 'booking' | 'import';
  /** The first system's id of an imported job (dispatchers knew it by that). */
  legacyJobId?: string;
  /** The customer's consent to texts (for the number it names), shown to staff and sent with events. */
  smsConsent?: SmsConsent;
  /**
   * When a web booking nobody confirmed in the brand's `bookingRequestExpiryDays` expired (it is then
   * cancelled, shown to staff as expired; the customer is not texted).
   */
  expiredAt?: string;
  createdAt?: string;
  updatedAt: string;
  updatedBy?: string;
  correlationId?: string;
}

/**
 * The job as staff see it: everything, with `private` only for admins, and the customer's tracking URL
 * (derived for the view; never stored) instead of the link's id and hash.
 */
export function staffView(job: JobRecord, options: { includePrivate: boolean; trackingUrl?: string }) {
  const {
    private: privateFields,
    correlationId: _correlationId,
    trackingTokenHash: _hash,
    trackingLinkId: _linkId,
    ...rest
  } = job;
  const view = { ...rest, ...(options.trackingUrl ? { trackingUrl: options.trackingUrl } : {}) };
  return options.includePrivate ? { ...view, private: privateFields ?? {} } : view;
}

/** How we address a customer in texts and on the tracking page. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** Checks what only the brand's configuration can tell: the service type and the window. */
export function checkAgainstBrand(
  brand: Brand,
  input: {
    serviceType?: string;
    schedule?: JobSchedule;
    trailerId?: string | null;
    charter?: { guestCount: number } | null;
  },
): void {
  const problems: { field: string; message: string }[] = [];
  if (
    input.serviceType !== undefined &&
    !brand.serviceTypes.some((offer) => offer.serviceType === input.serviceType)
  ) {
    problems.push({
      field: 'body.serviceType',
      message: `${brand.displayName} offers ${brand.serviceTypes.map((offer) => offer.serviceType).join(', ')}`,
    });
  }
  const window = input.schedule?.window;
  // Own keys only: `in` would take "toString" or "__proto__" (Object.prototype's) for a window, and a
  // job stored with one breaks every text about it.
  if (window !== undefined && !Object.hasOwn(brand.windows, window)) {
    problems.push({
      field: 'body.schedule.window',
      message: `windows are ${Object.keys(brand.windows).join(', ')}`,
    });
  }
  if (input.trailerId && input.schedule) {
    problems.push(...trailerProblems(brand, input.trailerId, scheduleDays(input.schedule)));
  }
  // A dispatcher may arrange any departure or length by phone, but never more guests than the boat takes.
  const charterOffer = brand.serviceTypes.find((offer) => offer.serviceType === input.serviceType)?.charter;
  if (charterOffer && input.charter) {
    problems.push(...capacityProblems(charterOffer, input.charter.guestCount, 'body.charter.guestCount'));
  }
  if (problems.length > 0) throw new ValidationError('Invalid body', problems);
}

/**
 * Every calendar day a schedule occupies (a multi-day rental runs to its end date). Inputs are held to
 * MAX_JOB_DAYS; the bound here only keeps a record from before that rule finite.
 */
export function scheduleDays(schedule: JobSchedule): string[] {
  return daysFrom(schedule.date, schedule.endDate ?? schedule.date, MAX_JOB_DAYS);
}

/** The status the job reached last, and when: for the tracking view's step times. */
export function reachedAt(job: JobRecord): Partial<Record<JobStatus, string>> {
  const reached: Partial<Record<JobStatus, string>> = {};
  for (const change of job.statusHistory ?? []) reached[change.status] = change.at;
  return reached;
}

/** What a dispatcher's consent entry means, on the record ("asked by phone" unless they said otherwise). */
export function dispatcherConsent(
  input: { how: 'asked-by-phone' | 'texted-us' | 'none'; note?: string | undefined } | undefined,
  phone: string,
  at: string,
  by: string,
): SmsConsent | undefined {
  const how = input?.how ?? 'asked-by-phone';
  if (how === 'none') return undefined;
  return how === 'texted-us'
    ? {
        phone,
        source: 'inbound-text',
        statement: input?.note ?? 'Customer texted us first and asked for updates',
        at,
        by,
      }
    : {
        phone,
        source: 'dispatcher',
        statement: input?.note ?? 'Customer asked by phone for texts about this job',
        at,
        by,
      };
}
