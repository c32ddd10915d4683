// What the console decides on its own, pure (unit-tested in test/unit/domain.test.ts): the board's
// groups, SLA colours, location age, the status moves a role may make, Twilio codes in words.

import { disputeReasonInWords } from '@qdn/shared/dispute-reasons';
import { formatUsd } from '@qdn/shared/money';
import { refundFailureInWords } from '@qdn/shared/refund-failures';
import { DEFAULT_SLA, type SlaThresholds } from '@qdn/shared/sla';
import { decideStatusChange, refundKeepingItCancelled } from '../../jobs/src/domain/status-machine.ts';
import type { Job, JobStatus, LocationPoint, TimelineEntry, TrailerSchedule } from './api.ts';
import type { Role } from './auth.ts';

export const STATUS_ORDER: readonly JobStatus[] = [
  'requested',
  'scheduled',
  'en_route',
  'arrived',
  'complete',
  'cancelled',
];

export const STATUS_LABEL: Record<JobStatus, string> = {
  requested: 'Requested',
  scheduled: 'Scheduled',
  en_route: 'En route',
  arrived: 'Arrived',
  complete: 'Complete',
  cancelled: 'Cancelled',
};

/** A job's status as the dispatcher reads it: a web booking nobody confirmed in time shows as expired. */
export function statusLabel(job: Pick<Job, 'status' | 'expiredAt'>): string {
  return job.status === 'cancelled' && job.expiredAt ? 'Expired' : STATUS_LABEL[job.status];
}

/** The board's columns: every status in order, each job in one, earliest window first. */
export function groupByStatus(jobs: readonly Job[]): { status: JobStatus; jobs: Job[] }[] {
  return STATUS_ORDER.map((status) => ({
    status,
    jobs: jobs
      .filter((job) => job.status === status)
      .sort((a, b) => startOf(a).localeCompare(startOf(b)) || a.jobId.localeCompare(b.jobId)),
  }));
}

function startOf(job: Job): string {
  return job.schedule.time ?? job.schedule.window ?? '';
}

/** A brand's windows (`morning` → 08:00–12:00), from GET /brands/{brandId}. */
export type BrandWindows = Record<string, { start: string; end: string }>;

/** "08:00–12:00 (morning)", "at 14:30", or "any time". */
export function windowText(job: Pick<Job, 'schedule'>, windows: BrandWindows | undefined): string {
  if (job.schedule.time) return `at ${job.schedule.time}`;
  const name = job.schedule.window;
  if (!name) return 'any time';
  const window = windows?.[name];
  return window ? `${window.start}–${window.end} (${name})` : name;
}

/**
 * Which day of a job over several days (a rental, drop-off to pick-up) `date` is, for its card on that
 * day's board: the board lists such a job on every day of its span, and its window is its first day's.
 * A one-day job: undefined.
 */
export function spanDayText(schedule: Job['schedule'], date: string): string | undefined {
  const { date: first, endDate: last } = schedule;
  if (!last || last <= first) return undefined;
  const dayOf = (day: string) => Math.round((Date.parse(day) - Date.parse(first)) / 86_400_000) + 1;
  const of = `of ${dayOf(last)}`;
  if (date <= first) return `drop-off · day 1 ${of} (to ${last})`;
  if (date >= last) return `pick-up · day ${dayOf(last)} ${of} (from ${first})`;
  return `day ${dayOf(date)} ${of} (${first} → ${last})`;
}

export type SlaLevel = 'ok' | 'watch' | 'late';

/** Minutes since midnight of "HH:MM". */
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The job's SLA colour at `now` (the brand's wall-clock date and minutes, so no time-zone maths here):
 * `late` when en route past its ETA + threshold, or scheduled with no crew within the threshold of its
 * start; `watch` when it will be within twice the threshold.
 */
export function slaLevel(
  job: Job,
  now: { date: string; minutes: number; epochMs: number },
  windows: BrandWindows | undefined,
  thresholds: SlaThresholds = DEFAULT_SLA,
): SlaLevel {
  if (job.status === 'en_route' && job.etaMinutes !== undefined) {
    const leftAt = [...(job.statusHistory ?? [])]
      .reverse()
      .find((change) => change.status === 'en_route')?.at;
    if (leftAt) {
      const due = Date.parse(leftAt) + job.etaMinutes * 60_000;
      const lateBy = (now.epochMs - due) / 60_000;
      if (lateBy > thresholds.enRouteLateAfterEtaMinutes) return 'late';
      if (lateBy > 0) return 'watch';
    }
    return 'ok';
  }
  if (job.status === 'scheduled' && (job.crewIds ?? []).length === 0 && job.schedule.date === now.date) {
    const start =
      job.schedule.time ?? (job.schedule.window ? windows?.[job.schedule.window]?.start : undefined);
    if (!start) return 'ok';
    const minutesToStart = minutesOf(start) - now.minutes;
    if (minutesToStart <= thresholds.unassignedBeforeStartMinutes) return 'late';
    if (minutesToStart <= 2 * thresholds.unassignedBeforeStartMinutes) return 'watch';
  }
  return 'ok';
}

/** "just now", "3 min ago", "2 h ago", "3 d ago". */
export function ageText(ageMs: number): string {
  const minutes = Math.floor(ageMs / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** A job on the board's map: where its address is, and what its marker says to a screen reader. */
export interface JobMarker {
  jobId: string;
  status: JobStatus;
  lat: number;
  lng: number;
  label: string;
}

/** A crew's latest point on the way to a job. */
export interface TruckMarker {
  jobId: string;
  lat: number;
  lng: number;
  label: string;
}

/**
 * What the board's map shows: every job of the board whose address was geocoded (cancelled ones
 * aside: nobody goes there), and the latest point of each crew on its way. Jobs without coordinates
 * are only in the columns, which always have every job.
 */
export function mapMarkers(
  jobs: readonly Job[],
  lastPoints: Readonly<Record<string, LocationPoint | null>>,
  now: number,
): { jobs: JobMarker[]; trucks: TruckMarker[] } {
  const located = jobs.filter(
    (job) => job.status !== 'cancelled' && job.address.lat !== undefined && job.address.lng !== undefined,
  );
  return {
    jobs: located.map((job) => ({
      jobId: job.jobId,
      status: job.status,
      lat: job.address.lat!,
      lng: job.address.lng!,
      label: `${job.customer.name}, ${job.address.text} (${statusLabel(job)})`,
    })),
    trucks: jobs.flatMap((job) => {
      const point = job.status === 'en_route' ? lastPoints[job.jobId] : undefined;
      if (!point) return [];
      const age = ageText(now - Date.parse(point.recordedAt));
      return [
        {
          jobId: job.jobId,
          lat: point.lat,
          lng: point.lng,
          label: `Crew on the way to ${job.customer.name}, seen ${age}`,
        },
      ];
    }),
  };
}

/** A status move the console offers: forward, a correction (asks why), or an undo inside the window. */
export interface Move {
  to: JobStatus;
  correction: boolean;
  undo: boolean;
}

/**
 * The moves the API will accept for this role, asked of the API's own rules (the jobs status machine):
 * forward ones first, then the way back — an undo while a final status's window is open, else a
 * correction with a reason.
 */
export function allowedMoves(
  job: Pick<Job, 'status' | 'statusHistory' | 'undoUntil' | 'payment'>,
  role: Role,
  now = Date.now(),
): Move[] {
  // A cancelled job whose card payment is going back stays cancelled: the API refuses every move of it.
  if (refundKeepingItCancelled(job)) return [];
  const context = {
    role,
    reason: 'asked before sending',
    statusBefore: job.statusHistory?.at(-2)?.status,
    withinUndoWindow: job.undoUntil !== undefined && Date.parse(job.undoUntil) > now,
  };
  return STATUS_ORDER.flatMap((to) => {
    const decision = decideStatusChange(job.status, to, context);
    return decision.kind === 'move' ? [{ to, correction: decision.correction, undo: decision.undo }] : [];
  }).sort((a, b) => Number(a.correction) - Number(b.correction));
}

/**
 * Twilio's error codes in a dispatcher's words.
 * @see https://www.twilio.com/docs/api/errors
 */
const TWILIO_ERRORS: Record<string, string> = {
  '20429': 'Twilio was too busy (rate limited)',
  '20500': 'Twilio had an internal error',
  '20503': 'Twilio was unavailable',
  '21211': 'the phone number is not valid',
  '21408': 'texts to this country are not enabled',
  '21610': 'the customer replied STOP: texts are blocked',
  '21612': 'this number cannot receive texts from us',
  '21614': 'not a mobile number',
  '30001': 'Twilio’s queue was full',
  '30002': 'our Twilio account is suspended',
  '30003': 'carrier rejected: number unreachable (phone off or out of service)',
  '30004': 'carrier rejected: the number blocks our texts',
  '30005': 'carrier rejected: unknown or inactive number',
  '30006': 'carrier rejected: landline or unreachable carrier',
  '30007': 'carrier filtered it as spam',
  '30008': 'carrier rejected it for an unknown reason',
  '30034': 'carrier blocked it: our sender is not registered (A2P 10DLC)',
  '30036': 'expired: Twilio could not send it in time, so it was dropped rather than arrive late',
};

/** A delivery status with its error, as words: "delivered", "failed — carrier rejected: …". */
export function deliveryText(status: string | undefined, errorCode: string | undefined): string {
  const words: Record<string, string> = {
    accepted: 'accepted by Twilio',
    queued: 'queued at Twilio',
    sending: 'sending',
    sent: 'sent to the carrier',
    delivered: 'delivered',
    read: 'read',
    undelivered: 'not delivered',
    failed: 'failed',
    received: 'received',
  };
  const base = status ? (words[status] ?? status) : 'status unknown';
  if (!errorCode) return base;
  const reason = TWILIO_ERRORS[errorCode.replace(/^twilio-/, '')] ?? `Twilio error ${errorCode}`;
  return `${base} — ${reason}`;
}

/**
 * How late a text went out, and why: "sent 43 s late after 3 failed attempts" (Twilio refused or did not
 * answer; the first attempt's time against the time Twilio took it). Undefined for a text sent at once.
 */
export function lateness(entry: TimelineEntry): string | undefined {
  const attempts = Array.isArray(entry.failedAttempts) ? entry.failedAttempts.length : 0;
  if (attempts === 0 || typeof entry.firstAttemptAt !== 'string') return undefined;
  const seconds = Math.max(0, Math.round((Date.parse(entry.at) - Date.parse(entry.firstAttemptAt)) / 1000));
  const late =
    seconds < 90
      ? `${seconds} s`
      : seconds < 5_400
        ? `${Math.round(seconds / 60)} min`
        : `${Math.round(seconds / 3_600)} h`;
  const verb = entry.type === 'SmsFailed' ? 'failed' : 'sent';
  return `${verb} ${late} late after ${attempts} failed attempt${attempts === 1 ? '' : 's'}`;
}

/** The customer thread: texts in and out (and texts that could not be sent), oldest first. */
export function messagesOf(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return entries.filter(
    (entry) =>
      ((entry.type === 'SmsSent' || entry.type === 'SmsReceived') && typeof entry.body === 'string') ||
      entry.type === 'SmsFailed',
  );
}

/** The fields of two versions of a job that differ (for "Dana changed the window while you were editing"). */
export function changedFields(mine: Job, theirs: Job): string[] {
  const fields = [
    'customer',
    'address',
    'schedule',
    'trailerId',
    'crewIds',
    'priceCents',
    'notes',
    'status',
    'private',
  ] as const;
  return fields.filter(
    (field) => JSON.stringify(mine[field] ?? null) !== JSON.stringify(theirs[field] ?? null),
  );
}

/** `zone` when it is an IANA time zone this browser knows, else undefined. */
export function validTimeZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** The wall-clock date (YYYY-MM-DD) and minutes since midnight in a time zone. */
export function wallClock(
  epochMs: number,
  timeZone: string,
): { date: string; minutes: number; epochMs: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(epochMs))
      .map((part) => [part.type, part.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    epochMs,
  };
}

/** Whether the customer has opted out of texts (replied STOP), from the timeline. */
export function optedOut(entries: readonly TimelineEntry[]): boolean {
  // The latest word wins, in timeline order: a STOP or a reply read as one opts out; START, or a
  // dispatcher undoing a misread reply, opts back in; a text we held back for it shows it still holds.
  let stopped = false;
  for (const entry of entries) {
    if (entry.type === 'SmsReceived' && (entry.keyword === 'stop' || entry.revokedConsent === true)) {
      stopped = true;
    } else if (entry.type === 'SmsReceived' && entry.keyword === 'start') {
      stopped = false;
    } else if (entry.type === 'SmsConsentRestored') {
      stopped = false;
    } else if (entry.type === 'SmsSuppressed' && entry.reason === 'opted-out') {
      stopped = true;
    }
  }
  return stopped;
}

/**
 * What the calendar entry shows differently from the job (status, day, window or time, crew,
 * trailer): empty once the calendar has caught up. Compared field by field rather than by version,
 * because job writes the calendar doesn't follow (arrival, link rotation) bump the version too.
 */
export function calendarLag(
  entry: Pick<Job, 'status' | 'schedule' | 'crewIds' | 'trailerId'>,
  job: Pick<Job, 'status' | 'schedule' | 'crewIds' | 'trailerId'>,
): string[] {
  const lag: string[] = [];
  if (entry.status !== job.status) lag.push('status');
  const [a, b] = [entry.schedule, job.schedule];
  if (a.date !== b.date || a.endDate !== b.endDate || a.window !== b.window || a.time !== b.time)
    lag.push('schedule');
  const crew = (ids: readonly string[] | undefined) => [...(ids ?? [])].sort().join(',');
  if (crew(entry.crewIds) !== crew(job.crewIds)) lag.push('crew');
  if ((entry.trailerId ?? '') !== (job.trailerId ?? '')) lag.push('trailer');
  return lag;
}

/** One item of a charter's crew checklist as the crew last left it. */
export interface ChecklistState {
  itemId: string;
  label: string;
  done: boolean;
  crewId: string;
  at: string;
}

/**
 * The crew checklist from the job's timeline: every tick and untick the crew made through their
 * links arrives there as CrewChecklistItemTicked; the last one per item is where it stands.
 */
export function checklistFrom(entries: readonly TimelineEntry[]): ChecklistState[] {
  const items = new Map<string, ChecklistState>();
  const ticks = entries
    .filter((entry) => entry.type === 'CrewChecklistItemTicked' && typeof entry.itemId === 'string')
    .sort((a, b) => a.at.localeCompare(b.at));
  for (const tick of ticks) {
    items.set(tick.itemId as string, {
      itemId: tick.itemId as string,
      label: String(tick.label ?? tick.itemId),
      done: tick.done === true,
      crewId: String(tick.crewId ?? ''),
      at: tick.at,
    });
  }
  return [...items.values()];
}

/** "Opened 3 times, last 10:42" (or "Not opened yet"): the customer's use of their tracking link. */
export function linkViewsText(
  views: { count: number; lastOpenedAt: string } | undefined,
  when: (at: string) => string,
): string {
  if (!views || views.count === 0) return 'Not opened yet';
  const times = views.count === 1 ? 'once' : `${views.count} times`;
  return `Opened ${times}, last ${when(views.lastOpenedAt)}`;
}

export interface FreeTrailer {
  trailerId: string;
  name: string;
  size: string;
}

/** The trailers free on every day listed (days the job itself holds count as free): what to propose. */
export function trailersFreeFor(trailers: readonly TrailerSchedule[], jobId: string): FreeTrailer[] {
  return trailers
    .filter((trailer) =>
      trailer.days.every((day) => day.state === 'free' || (day.state === 'booked' && day.jobId === jobId)),
    )
    .map(({ trailerId, name, size }) => ({ trailerId, name, size }));
}

/** A stretch of consecutive days a trailer spends the same way (one job's booking, free, out of service). */
export interface TrailerRun {
  state: 'free' | 'booked' | 'out-of-service';
  from: string;
  to: string;
  days: number;
  jobId?: string;
}

/** A trailer's days as stretches, in order: what the Trailers screen lists instead of 14 cells. */
export function trailerRuns(days: TrailerSchedule['days']): TrailerRun[] {
  const runs: TrailerRun[] = [];
  for (const day of days) {
    const jobId = day.state === 'booked' ? day.jobId : undefined;
    const last = runs.at(-1);
    const next = last && new Date(Date.parse(`${last.to}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    if (last && last.state === day.state && last.jobId === jobId && next === day.date) {
      last.to = day.date;
      last.days++;
    } else {
      runs.push({ state: day.state, from: day.date, to: day.date, days: 1, ...(jobId ? { jobId } : {}) });
    }
  }
  return runs;
}

/** "Fri, Dec 4" or "Fri, Dec 4 – Sun, Dec 6": calendar days, whatever zone the phone is in. */
export function dayRangeText(from: string, to: string): string {
  const format = (date: string) =>
    new Date(`${date}T12:00:00Z`).toLocaleDateString('en-US', {
      weekday: 'short',
      month: 'short',
      day: 'numeric',
      timeZone: 'UTC',
    });
  return from === to ? format(from) : `${format(from)} – ${format(to)}`;
}

/**
 * A replay's window from the form's two datetime-local fields (the device's wall clock), as the API
 * takes it; or what is wrong with it, said before anything is sent.
 */
export function replayWindow(from: string, to: string): { from: string; to: string } | { problem: string } {
  const start = from ? new Date(from) : undefined;
  const end = to ? new Date(to) : undefined;
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    return { problem: 'Choose when the window starts and when it ends.' };
  if (end <= start) return { problem: 'The window must end after it starts.' };
  return { from: start.toISOString(), to: end.toISOString() };
}

/**
 * The brand filter's choices: the brands of the day's jobs, and the one chosen even on a day without
 * its jobs (else the filter shows "All brands" while it hides every job).
 */
export function brandOptions(jobs: readonly Pick<Job, 'brandId'>[], chosen: string): string[] {
  return [...new Set([...jobs.map((job) => job.brandId), ...(chosen ? [chosen] : [])])].sort();
}

/**
 * What a payment left owing: a customer who paid a Checkout Session opened before a dispatcher raised
 * the price paid the old deposit (Stripe charges what the session says). Undefined when nothing is owed.
 */
export function shortfallCents(
  payment: Pick<NonNullable<Job['payment']>, 'status' | 'amountDueCents' | 'amountPaidCents'>,
): number | undefined {
  if (
    payment.status !== 'paid' ||
    payment.amountDueCents === undefined ||
    payment.amountPaidCents === undefined
  )
    return undefined;
  const short = payment.amountDueCents - payment.amountPaidCents;
  return short > 0 ? short : undefined;
}

/** A refund as a payment (the job's own, or one it could not keep) records it. */
type RecordedRefund = Pick<
  NonNullable<Job['payment']>,
  'refundedAt' | 'refundStatus' | 'refundFailure' | 'refundPaidBack'
>;

const PAID_BACK_BY: Record<string, string> = { zelle: 'Zelle', cash: 'cash', check: 'check' };

/**
 * Where a refund is, for the dispatcher: `done`; `pending at Stripe`; `failed: <why> — pay it back
 * another way` (the money is back in the Stripe balance, and only a person can return it now); or,
 * once a dispatcher recorded that, paid back another way. A refund recorded before statuses were kept
 * had succeeded.
 */
export function refundState(refund: RecordedRefund): {
  text: string;
  state: 'done' | 'pending' | 'failed' | 'paid-back';
} {
  if (refund.refundStatus === 'failed') {
    const why = refundFailureInWords(refund.refundFailure?.reason);
    const paidBack = refund.refundPaidBack;
    if (paidBack)
      return {
        text: `failed (${why}); paid back by ${PAID_BACK_BY[paidBack.method] ?? paidBack.method}${paidBack.reference ? ` (${paidBack.reference})` : ''}`,
        state: 'paid-back',
      };
    return { text: `failed: ${why} — pay it back another way`, state: 'failed' };
  }
  if (refund.refundStatus === 'pending') return { text: 'pending at Stripe', state: 'pending' };
  return { text: 'done', state: 'done' };
}

/** A job with a card refund that failed: the board flags it until someone records paying it back. */
export function hasFailedRefund(job: Pick<Job, 'payment' | 'returnedPayments'>): boolean {
  return [job.payment, ...(job.returnedPayments ?? [])].some(
    (refund) => refund !== undefined && refundState(refund).state === 'failed',
  );
}

type RecordedDispute = NonNullable<NonNullable<Job['payment']>['dispute']>;

/**
 * Where a card payment's dispute is, for the dispatcher: the bank took the money back and it must be
 * answered in Stripe's Dashboard by a date (`open`), answered and with the bank (`review`), or `won` or
 * `lost`; an inquiry (the bank asking before any money moves) and an appeal (of a lost dispute) say so.
 * `when` formats a date as the drawer does.
 */
export function disputeState(
  dispute: RecordedDispute,
  when: (iso: string) => string,
): { text: string; state: 'open' | 'review' | 'won' | 'lost' } {
  const amount = formatUsd(dispute.amountCents);
  const why = disputeReasonInWords(dispute.reason);
  const closed = dispute.closedAt ? ` ${when(dispute.closedAt)}` : '';
  const by = dispute.respondBy ? ` by ${when(dispute.respondBy)}` : '';
  if (dispute.inquiry)
    switch (dispute.status) {
      case 'needs_response':
        return {
          text: `Inquiry: the customer's bank is asking about ${amount} (${why}). No money has moved yet. Answer it in Stripe's Dashboard${by}, or it may become a chargeback.`,
          state: 'open',
        };
      case 'under_review':
        return { text: `Inquiry about ${amount} answered (${why}): the bank decides.`, state: 'review' };
      default:
        return { text: `Inquiry closed${closed}: the ${amount} stays paid.`, state: 'won' };
    }
  if (dispute.appeal)
    switch (dispute.status) {
      case 'needs_response':
        return {
          text: `Dispute of ${amount} lost (${why}); it can be appealed. Appeal it in Stripe's Dashboard${by}, or the bank keeps it.`,
          state: 'open',
        };
      case 'under_review':
        return {
          text: `Appeal of the ${amount} dispute filed (${why}): the card network decides.`,
          state: 'review',
        };
      case 'won':
        return { text: `Dispute won on appeal${closed}: the ${amount} is back.`, state: 'won' };
      case 'lost':
        return { text: `Dispute lost on appeal${closed}: the bank kept ${amount} (${why}).`, state: 'lost' };
    }
  switch (dispute.status) {
    case 'needs_response':
      return {
        text: `Disputed: the customer's bank took back ${amount} (${why}). ${by ? `Answer it in Stripe's Dashboard${by}, or it is lost.` : "See it in Stripe's Dashboard."}`,
        state: 'open',
      };
    case 'under_review':
      return { text: `Dispute of ${amount} answered (${why}): the bank decides.`, state: 'review' };
    case 'won':
      return { text: `Dispute won${closed}: the ${amount} is back.`, state: 'won' };
    case 'lost':
      return { text: `Dispute lost${closed}: the bank kept ${amount} (${why}).`, state: 'lost' };
  }
}

/** A job with a dispute still to answer: the board flags it until it is answered in Stripe. */
export function hasDisputeToAnswer(job: Pick<Job, 'payment' | 'returnedPayments'>): boolean {
  return [job.payment, ...(job.returnedPayments ?? [])].some(
    (payment) => payment?.dispute?.status === 'needs_response',
  );
}
