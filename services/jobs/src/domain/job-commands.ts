import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import {
  type Brand,
  type Brands,
  type CharterOffer,
  cardDepositCents,
  type PaymentMethod,
  paymentInstructions,
  smsConsentWording,
} from '@qdn/shared/brands';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '@qdn/shared/errors';
import { enforceRateLimit, type RateLimits } from '@qdn/shared/rate-limit';
import { type Role, staffMayAccess } from '@qdn/shared/roles';
import {
  isTrackingTokenFor,
  trackingUrl as linkUrl,
  newTrackingLinkId,
  trackingToken,
  trackingTokenHash,
} from '@qdn/shared/tracking-link';
import { addDays, zonedDate } from '@qdn/shared/zoned-time';
import { bookingFormProblems } from './booking-form.ts';
import { requireFreeTrailer } from './fleet-commands.ts';
import {
  checkAgainstBrand,
  dispatcherConsent,
  type JobPayment,
  type JobRecord,
  reachedAt,
  scheduleDays,
  staffView,
} from './job.ts';
import type {
  BookingInput,
  CharterBookingInput,
  CreateJobInput,
  StatusInput,
  UpdateJobInput,
} from './job-input.ts';
import type { JobRepository, LinkViewCount, LinkViews, TrackingLinkRecord, TrailerClaims } from './ports.ts';
import { retryOnStaleVersion, StaleVersionError, TrailerBookedError } from './ports.ts';
import { type Quote, quoteFor } from './quote.ts';
import { decideStatusChange, refundKeepingItCancelled, undoableUntil } from './status-machine.ts';

/** Everything the job commands need from outside, injected so they stay pure and testable. */
export interface JobsContext {
  repository: JobRepository;
  brands: Brands;
  now: () => Date;
  newJobId: () => string;
  /** The site base URL for a brand's links (PUBLIC_BASE_URL locally, where all brands share one site). */
  siteBaseUrl: (brandId: string) => string;
  /** The key tracking tokens are derived from (SSM, cached for minutes: a rotation needs no deploy). */
  trackingLinkSecret: () => Promise<string>;
  bookingLimits: {
    perPhonePerDay: number;
    perIpPerHour: number;
    maxDaysAhead: number;
    maxRentalDays: number;
  };
  /** Per-client limits (the service's counters table). */
  limits: RateLimits;
  /** Tracking-link lookups one source address may make per minute (guessing links is not a pastime). */
  trackLookupsPerIpPerMinute: number;
  /** How long a tracking link keeps working after the job is complete or cancelled. */
  trackingLinkDaysAfterClose: number;
  /** Opens of tracking links, shown to staff on the job. */
  linkViews: LinkViews;
}

export interface Actor {
  userId: string;
  roles: Role[];
  /** A driver's crew id (`custom:crewId`): which jobs are theirs. */
  crewId?: string | undefined;
}

const isAdmin = (actor: Actor) => actor.roles.includes('admin');

function primaryRole(actor: Actor): 'admin' | 'dispatcher' | 'driver' {
  return isAdmin(actor) ? 'admin' : actor.roles.includes('dispatcher') ? 'dispatcher' : 'driver';
}

function trailerClaims(before: JobRecord | undefined, after: JobRecord): TrailerClaims {
  const beforeDays = before?.trailerId && before.status !== 'cancelled' ? scheduleDays(before.schedule) : [];
  const afterDays = after.trailerId && after.status !== 'cancelled' ? scheduleDays(after.schedule) : [];
  const sameTrailer = before?.trailerId === after.trailerId;
  return {
    claim: after.trailerId
      ? {
          trailerId: after.trailerId,
          days: afterDays.filter((day) => !sameTrailer || !beforeDays.includes(day)),
        }
      : undefined,
    release: before?.trailerId
      ? {
          trailerId: before.trailerId,
          days: beforeDays.filter((day) => !sameTrailer || !afterDays.includes(day)),
        }
      : undefined,
  };
}

/** A change that named the version it was made on (`expectedVersion`), refused (409) if the job moved since. */
export function requireLoadedVersion(job: JobRecord, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && expectedVersion !== job.version)
    throw new ConflictError('The job was changed since you loaded it', [
      { field: 'expectedVersion', currentVersion: job.version },
    ]);
}

/** Repository conflicts as the API answers them: 409 with what conflicted. */
export async function withConflicts<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof TrailerBookedError) {
      throw new ConflictError(error.message, [
        {
          field: 'trailerId',
          trailerId: error.trailerId,
          day: error.day,
          conflictingJobId: error.conflictingJobId,
        },
      ]);
    }
    if (error instanceof StaleVersionError) {
      throw new ConflictError(error.message, [
        { field: 'expectedVersion', currentVersion: error.currentVersion },
      ]);
    }
    throw error;
  }
}

/** A new tracking link for a job: stored by its id and the token's hash; the URL is for the answer only. */
async function newTrackingLink(context: JobsContext, brandId: string, jobId: string) {
  const linkId = newTrackingLinkId();
  const token = trackingToken(await context.trackingLinkSecret(), linkId);
  const link: TrackingLinkRecord = {
    tokenHash: trackingTokenHash(token),
    linkId,
    jobId,
    createdAt: context.now().toISOString(),
  };
  return { link, trackingUrl: linkUrl(context.siteBaseUrl(brandId), token) };
}

/** The customer's current tracking URL, derived from the job's link id (undefined for a job without one). */
function trackingUrlOf(context: JobsContext, secret: string, job: JobRecord): string | undefined {
  return job.trackingLinkId
    ? linkUrl(context.siteBaseUrl(job.brandId), trackingToken(secret, job.trackingLinkId))
    : undefined;
}

/** Jobs as `actor` sees them, each with its customer's tracking URL (derived here, never stored). */
export async function staffViews(context: JobsContext, actor: Actor, jobs: JobRecord[]) {
  const secret = await context.trackingLinkSecret();
  const now = context.now();
  return jobs.map((job) => {
    // While a final status can still be undone, the console offers the undo (and counts it down); not
    // once a refund keeps the job cancelled (changeStatus would refuse it).
    const undoUntil = refundKeepingItCancelled(job)
      ? undefined
      : undoableUntil(job, context.brands.get(job.brandId).undoWindowSeconds);
    return {
      ...staffView(job, { includePrivate: isAdmin(actor), trackingUrl: trackingUrlOf(context, secret, job) }),
      ...(undoUntil && undoUntil > now ? { undoUntil: undoUntil.toISOString() } : {}),
    };
  });
}

async function viewFor(context: JobsContext, actor: Actor, job: JobRecord) {
  return (await staffViews(context, actor, [job]))[0]!;
}

/** `POST /jobs`: a job with a schedule starts `scheduled`, with its tracking link. */
export async function createJob(context: JobsContext, input: CreateJobInput, actor: Actor) {
  if (input.private && !isAdmin(actor)) throw new ForbiddenError('Only admins may set private fields');
  const brand = context.brands.get(input.brandId);
  checkAgainstBrand(brand, input);
  const jobId = context.newJobId();
  const at = context.now().toISOString();
  const { link, trackingUrl } = await newTrackingLink(context, brand.brandId, jobId);
  const { brandId: _brandId, smsConsent, ...fields } = input;
  const consent = dispatcherConsent(smsConsent, input.customer.phone, at, actor.userId);
  const job: JobRecord = {
    ...fields,
    ...(consent ? { smsConsent: consent } : {}),
    jobId,
    brandId: brand.brandId,
    version: 1,
    status: 'scheduled',
    priceCents:
      input.priceCents ?? quoteFor(brand, input.serviceType, input.schedule, input.charter)?.totalCents,
    trackingLinkId: link.linkId,
    trackingTokenHash: link.tokenHash,
    statusHistory: [{ status: 'scheduled', at, by: actor.userId }],
    origin: 'dashboard',
    createdAt: at,
    updatedAt: at,
    updatedBy: actor.userId,
  };
  await withConflicts(() => context.repository.create(job, link, trailerClaims(undefined, job)));
  return { job: { ...staffView(job, { includePrivate: isAdmin(actor) }), trackingUrl }, trackingUrl };
}

/**
 * The job, when `actor` may see it: dispatchers and admins any job, a driver only a job assigned to them
 * on its day(s). Anything else is the same 404 as an unknown job.
 */
export async function getJob(context: JobsContext, jobId: string, actor: Actor): Promise<JobRecord> {
  const job = await context.repository.get(jobId);
  if (!job || !mayAccess(actor, job, (brandId) => context.brands.get(brandId).timeZone, context.now())) {
    throw new NotFoundError('Job not found');
  }
  return job;
}

/** How often the customer opened the job's current tracking link (a rotated link's opens stay with it). */
export async function trackingLinkViews(
  context: JobsContext,
  job: JobRecord,
): Promise<LinkViewCount | undefined> {
  return job.trackingLinkId ? context.linkViews.of(job.trackingLinkId) : undefined;
}

/** Whether `actor` may see the job through a staff route (a driver: theirs, today). */
export function mayAccess(actor: Actor, job: JobRecord, timeZoneOf: (brandId: string) => string, now: Date) {
  return staffMayAccess(
    actor,
    { crewIds: job.crewIds, date: job.schedule.date, endDate: job.schedule.endDate },
    // Only a driver's check reads the day; the brand lookup is skipped for everyone else.
    actor.roles.some((role) => role !== 'driver')
      ? job.schedule.date
      : zonedDate(now, timeZoneOf(job.brandId)),
  );
}

/**
 * `GET /jobs?date=`: the day board, every job one of whose days is the date (a rental is on the board
 * from drop-off to pick-up). A driver's is their own jobs of today only, by the rule of every other
 * driver route (mayAccess: their crew id in the crew, today in the brand's zone one of the job's days),
 * and the date asked must be that today: for another date, a rental's other days included, an empty
 * list, the answer of a day without their jobs.
 */
export async function listJobs(
  context: JobsContext,
  query: { date: string; status?: string; brandId?: string },
  actor: Actor,
) {
  const jobs = await context.repository.listByDate(query.date);
  const now = context.now();
  const timeZoneOf = (brandId: string) => context.brands.get(brandId).timeZone;
  const staff = actor.roles.some((role) => role !== 'driver');
  return jobs.filter(
    (job) =>
      (!query.status || job.status === query.status) &&
      (!query.brandId || job.brandId === query.brandId) &&
      mayAccess(actor, job, timeZoneOf, now) &&
      (staff || query.date === zonedDate(now, timeZoneOf(job.brandId))),
  );
}

/** Most requests the inbox lists at once (a backlog beyond this is a business problem, not a page). */
export const MAX_LISTED_REQUESTS = 200;

/** Most waiting requests one expiry run looks at (oldest first; the next run takes the rest). */
export const MAX_EXPIRED_PER_RUN = 1_000;

/** Who expires requests, in a job's history and events (no person did). */
export const EXPIRY_ACTOR = 'system:request-expiry';

/**
 * The scheduled expiry of web bookings (issue 19): each one still `requested` once its brand's
 * `bookingRequestExpiryDays` have passed since it came in is cancelled, with `expiredAt` and a history
 * entry saying why, for the dispatcher. Its JobStatusChanged (requested → cancelled) texts nobody: the
 * customer only ever hears of a booking once a dispatcher confirms it. A request confirmed or declined
 * meanwhile (a newer version) is left to that. `now` is the schedule's time, so a test passes any day.
 */
export async function expireRequests(
  context: Pick<JobsContext, 'repository' | 'brands'>,
  now: Date,
): Promise<{ expired: string[]; waiting: number }> {
  const requests = await context.repository.listRequested(MAX_EXPIRED_PER_RUN);
  const expired: string[] = [];
  const at = now.toISOString();
  for (const job of requests) {
    const days = context.brands.get(job.brandId).bookingRequestExpiryDays;
    const since = Date.parse(job.createdAt ?? job.updatedAt);
    if (now.getTime() < since + days * 86_400_000) continue;
    const cancelled: JobRecord = {
      ...job,
      status: 'cancelled',
      version: job.version + 1,
      statusHistory: [
        ...(job.statusHistory ?? []),
        { status: 'cancelled', at, by: EXPIRY_ACTOR, note: `expired: not confirmed within ${days} days` },
      ],
      expiredAt: at,
      updatedAt: at,
      updatedBy: EXPIRY_ACTOR,
    };
    try {
      await context.repository.save(cancelled, job.version, trailerClaims(job, cancelled));
      expired.push(job.jobId);
    } catch (error) {
      // A dispatcher got there first (confirmed, declined or edited it): theirs stands.
      if (!(error instanceof StaleVersionError)) throw error;
    }
  }
  return { expired, waiting: requests.length - expired.length };
}

/** `GET /requests`: web bookings waiting for confirmation, oldest first. */
export async function listRequests(context: JobsContext): Promise<JobRecord[]> {
  return context.repository.listRequested(MAX_LISTED_REQUESTS);
}

/**
 * The job's private fields with an admin's changes: a key given null is removed (emptied in the form);
 * none left, no `private` at all (as a job created without any).
 */
function mergePrivate(
  current: JobRecord['private'],
  changes: NonNullable<UpdateJobInput['private']>,
): JobRecord['private'] {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return Object.keys(merged).length > 0 ? (merged as JobRecord['private']) : undefined;
}

function applyUpdate(job: JobRecord, input: UpdateJobInput, actor: Actor, at: string): JobRecord {
  const { expectedVersion: _expected, smsConsent: consentInput, ...changes } = input;
  const next: Record<string, unknown> = { ...job };
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else if (field === 'private') {
      const merged = mergePrivate(job.private, value as NonNullable<UpdateJobInput['private']>);
      if (merged) next.private = merged;
      else delete next.private;
    } else next[field] = value;
  }
  // A new number, or a new entry for the number: the consent on record follows what the dispatcher said.
  const phone = input.customer?.phone ?? job.customer.phone;
  if (phone && (consentInput || phone !== job.customer.phone)) {
    const consent = dispatcherConsent(consentInput, phone, at, actor.userId);
    if (consent) next.smsConsent = consent;
    else delete next.smsConsent;
  }
  return next as unknown as JobRecord;
}

/**
 * A change that named no version is decided again on a fresh read when a background write got in first
 * (the geocoder's coordinates seconds after a booking, a payment recorded): retryOnStaleVersion. One
 * that named `expectedVersion` gets the 409, as it asked. Repository conflicts answer as the API does.
 */
export function onFreshRead<T>(expectedVersion: number | undefined, command: () => Promise<T>): Promise<T> {
  return withConflicts(() => (expectedVersion === undefined ? retryOnStaleVersion(command) : command()));
}

/** `PATCH /jobs/{jobId}`. */
export function updateJob(context: JobsContext, jobId: string, input: UpdateJobInput, actor: Actor) {
  return onFreshRead(input.expectedVersion, () => updateOnce(context, jobId, input, actor));
}

async function updateOnce(context: JobsContext, jobId: string, input: UpdateJobInput, actor: Actor) {
  if (input.private && !isAdmin(actor)) throw new ForbiddenError('Only admins may change private fields');
  const job = await getJob(context, jobId, actor);
  requireLoadedVersion(job, input.expectedVersion);
  if (job.status === 'complete' || job.status === 'cancelled') {
    throw new ConflictError(`A ${job.status} job can no longer be changed`);
  }
  // How a recorded payment was made is a fact, not a preference: the cancellation's refund goes by it (the
  // bus's paymentMethod), so a card deposit relabelled "invoice" would be kept without a word.
  const recorded =
    job.payment?.status === 'paid' || job.payment?.status === 'refunded' ? job.payment : undefined;
  if (recorded && input.paymentMethod !== undefined && input.paymentMethod !== recorded.method) {
    throw new ConflictError(`The payment is recorded as ${recorded.status} by ${recorded.method}`, [
      { field: 'body.paymentMethod', payment: { method: recorded.method, status: recorded.status } },
    ]);
  }
  const at = context.now().toISOString();
  const brand = context.brands.get(job.brandId);
  const updated: JobRecord = withDuePayment(brand, job, input, {
    ...applyUpdate(job, input, actor, at),
    version: job.version + 1,
    updatedAt: at,
    updatedBy: actor.userId,
  });
  checkAgainstBrand(brand, {
    ...(input.schedule ? { schedule: input.schedule } : {}),
    // The trailer is checked when it or the days change: an edit of something else never fails on it.
    ...((input.trailerId !== undefined || input.schedule) && updated.trailerId
      ? { trailerId: updated.trailerId, schedule: updated.schedule }
      : {}),
    ...(input.charter ? { serviceType: updated.serviceType, charter: input.charter } : {}),
  });
  await context.repository.save(updated, job.version, trailerClaims(job, updated));
  return viewFor(context, actor, updated);
}

/**
 * A payment still due follows the dispatcher's edit of the job: a new method is due instead (one the
 * brand takes), and a new price changes what is owed (the card deposit, or the whole price), as at booking.
 * Without that, "Due $600 by Zelle" stayed after the price became $700, and marking it paid recorded $600.
 * A method cleared leaves nothing due by any method (marking paid takes the price).
 */
function withDuePayment(brand: Brand, job: JobRecord, input: UpdateJobInput, updated: JobRecord): JobRecord {
  if (job.payment?.status !== 'due') return updated;
  if (input.paymentMethod === undefined && input.priceCents === undefined) return updated;
  if (!updated.paymentMethod) {
    const { payment: _cleared, ...withoutPayment } = updated;
    return withoutPayment;
  }
  const method = updated.paymentMethod as PaymentMethod;
  requireBrandTakes(brand, method);
  if (updated.priceCents === undefined) {
    throw new ValidationError('Invalid body', [
      { field: 'body.priceCents', message: `a payment by ${method} is due: the job needs a price` },
    ]);
  }
  return { ...updated, payment: paymentDue(brand, method, updated.priceCents) };
}

/** A method the brand does not take → 400 on `body.paymentMethod`, naming those it does. */
function requireBrandTakes(brand: Brand, method: PaymentMethod): void {
  if (brand.payments.methods.includes(method)) return;
  throw new ValidationError('Invalid body', [
    {
      field: 'body.paymentMethod',
      message: `${brand.displayName} takes ${brand.payments.methods.join(', ')}`,
    },
  ]);
}

/** `POST /jobs/{jobId}/status`. */
export function changeStatus(context: JobsContext, jobId: string, input: StatusInput, actor: Actor) {
  return onFreshRead(input.expectedVersion, () => changeStatusOnce(context, jobId, input, actor));
}

async function changeStatusOnce(context: JobsContext, jobId: string, input: StatusInput, actor: Actor) {
  const job = await getJob(context, jobId, actor);
  requireLoadedVersion(job, input.expectedVersion);
  const undoUntil = undoableUntil(job, context.brands.get(job.brandId).undoWindowSeconds);
  const decision = decideStatusChange(job.status, input.status, {
    role: primaryRole(actor),
    reason: input.reason,
    statusBefore: job.statusHistory?.at(-2)?.status,
    withinUndoWindow: undoUntil !== undefined && context.now() < undoUntil,
  });
  if (decision.kind === 'refused') {
    if (decision.reason === 'role')
      throw new ForbiddenError(`Drivers may move a job to ${['en_route', 'arrived', 'complete'].join(', ')}`);
    if (decision.reason === 'needs-reason') {
      throw new ValidationError('A correction needs a reason', [
        { field: 'body.reason', message: 'say why the status goes back' },
      ]);
    }
    throw new ConflictError(`A ${job.status} job cannot move to ${input.status}`, [
      { allowed: decision.allowed },
    ]);
  }
  const refund = refundKeepingItCancelled(job);
  if (refund === 'refunded') {
    throw new ConflictError('This job’s card payment was refunded when it was cancelled; book it again', [
      { field: 'body.status', payment: 'refunded' },
    ]);
  }
  if (refund === 'refunding') {
    throw new ConflictError(
      'This job’s card payment is being refunded since it was cancelled, so it can’t be undone; book it again',
      [{ field: 'body.status', payment: 'refunding' }],
    );
  }
  const at = context.now().toISOString();
  if (decision.kind === 'same') {
    // A double tap changes nothing (no event, no SMS); a new ETA is the only thing it may update.
    if (input.etaMinutes === undefined || input.etaMinutes === job.etaMinutes)
      return viewFor(context, actor, job);
    const withEta: JobRecord = {
      ...job,
      etaMinutes: input.etaMinutes,
      version: job.version + 1,
      updatedAt: at,
      updatedBy: actor.userId,
    };
    await context.repository.save(withEta, job.version, { claim: undefined, release: undefined });
    return viewFor(context, actor, withEta);
  }
  // A booking revived from its expiry is a live request again.
  const { expiredAt: _expiredAt, ...unexpired } = job;
  const moved: JobRecord = {
    ...(job.status === 'cancelled' ? unexpired : job),
    status: input.status,
    version: job.version + 1,
    ...(input.etaMinutes !== undefined ? { etaMinutes: input.etaMinutes } : {}),
    statusHistory: [
      ...(job.statusHistory ?? []),
      {
        status: input.status,
        at,
        by: actor.userId,
        ...(decision.correction ? { correction: true, reason: input.reason } : {}),
        ...(decision.undo ? { undo: true } : {}),
        ...(input.note ? { note: input.note } : {}),
      },
    ],
    updatedAt: at,
    updatedBy: actor.userId,
  };
  await context.repository.save(moved, job.version, trailerClaims(job, moved));
  return viewFor(context, actor, moved);
}

/** `POST /jobs/{jobId}/tracking-link`: a new link; the previous one stops working at once. */
export async function rotateTrackingLink(context: JobsContext, jobId: string, actor: Actor) {
  const job = await getJob(context, jobId, actor);
  const { link, trackingUrl } = await newTrackingLink(context, job.brandId, jobId);
  const { trackingUrl: _legacyUrl, ...current } = job as JobRecord & { trackingUrl?: string };
  const rotated: JobRecord = {
    ...current,
    trackingLinkId: link.linkId,
    trackingTokenHash: link.tokenHash,
    version: job.version + 1,
    updatedAt: context.now().toISOString(),
    updatedBy: actor.userId,
  };
  await withConflicts(() =>
    context.repository.save(
      rotated,
      job.version,
      { claim: undefined, release: undefined },
      {
        issue: link,
        revokeTokenHash: job.trackingTokenHash,
      },
    ),
  );
  return { trackingUrl };
}

/** Why a tracking link shows nothing: one answer for unknown, rotated and expired links. */
export const TRACKING_NOT_FOUND = 'Job not found, or this tracking link is no longer valid';

/** The job behind a tracking token, or undefined when the link is unknown, rotated or expired. */
export async function jobForTrackingToken(
  context: JobsContext,
  token: string,
  request?: { sourceIp: string },
): Promise<JobRecord | undefined> {
  if (request) {
    await enforceRateLimit(
      context.limits,
      { name: 'track-lookup', limit: context.trackLookupsPerIpPerMinute, windowSeconds: 60 },
      request.sourceIp,
      context.now(),
      'Too many tracking link lookups from this network; try again shortly',
    );
  }
  const link = await context.repository.findLink(trackingTokenHash(token));
  const job = link ? await context.repository.get(link.jobId) : undefined;
  if (!job || !link || job.trackingLinkId !== link.linkId) return undefined;
  // An imported token of the first system can't be derived: its hash was looked up, and it lives as long
  // as the job keeps the link it was imported beside.
  if (!link.imported) {
    if (job.trackingTokenHash !== link.tokenHash) return undefined;
    // Only a token the current secret derives counts: rotating the secret ends every link at once.
    if (!isTrackingTokenFor(await context.trackingLinkSecret(), link.linkId, token)) return undefined;
  }
  if (job.status === 'complete' || job.status === 'cancelled') {
    const closedAt = Date.parse(reachedAt(job)[job.status] ?? job.updatedAt);
    if (context.now().getTime() > closedAt + context.trackingLinkDaysAfterClose * 86_400_000)
      return undefined;
  }
  return job;
}

/** `POST /bookings`: a `requested` job (never texted until a dispatcher schedules it) and its quote. */
export async function createBooking(
  context: JobsContext,
  input: BookingInput,
  request: { sourceIp: string },
): Promise<{ jobId: string; status: 'requested'; quote: Quote; payment?: BookingPayment }> {
  const brand = context.brands.get(input.brandId);
  if (input.paymentMethod) requireBrandTakes(brand, input.paymentMethod);
  const schedule = {
    date: input.preferredDate,
    ...(input.window ? { window: input.window } : {}),
    ...(input.endDate ? { endDate: input.endDate } : {}),
    // A charter leaves at the departure the customer picked (the form checks it is one the brand offers).
    ...(input.charter ? { time: input.charter.departureTime } : {}),
  };
  checkAgainstBrand(brand, { serviceType: input.serviceType, schedule });
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === input.serviceType)!;
  const now = context.now();
  // "Today" is the brand's: at 6 pm in San Diego it is already tomorrow in UTC.
  const today = zonedDate(now, brand.timeZone);
  const dateErrors = bookingFormProblems(offer, input);
  if (input.preferredDate < today) {
    dateErrors.push({ field: 'body.preferredDate', message: 'must be today or later' });
  } else if (input.preferredDate > addDays(today, context.bookingLimits.maxDaysAhead)) {
    dateErrors.push({
      field: 'body.preferredDate',
      message: `must be within ${context.bookingLimits.maxDaysAhead} days`,
    });
  }
  if (
    input.endDate &&
    input.endDate > addDays(input.preferredDate, context.bookingLimits.maxRentalDays - 1)
  ) {
    dateErrors.push({
      field: 'body.endDate',
      message: `a rental is at most ${context.bookingLimits.maxRentalDays} days online; call us for longer`,
    });
  }
  if (dateErrors.length > 0) throw new ValidationError('Invalid body', dateErrors);
  // The address first: a refused request must not use up the phone's allowance (else anyone could lock
  // a customer out by booking under their number from one address).
  const tooMany = 'Too many bookings from this phone or network; call or text us instead';
  await enforceRateLimit(
    context.limits,
    { name: 'booking-ip', limit: context.bookingLimits.perIpPerHour, windowSeconds: 3_600 },
    request.sourceIp,
    now,
    tooMany,
  );
  await requireFreeTrailer(context, brand, input.serviceType, scheduleDays(schedule));
  await enforceRateLimit(
    context.limits,
    { name: 'booking-phone', limit: context.bookingLimits.perPhonePerDay, windowSeconds: 86_400 },
    input.phone,
    now,
    tooMany,
  );
  const quote = quoteFor(brand, input.serviceType, schedule, input.charter)!;
  // A charter boards at the brand's meeting point: that is the job's place (calendar, crew, geocoding).
  const charter = offer.charter && input.charter ? charterDetails(offer.charter, input.charter) : undefined;
  const jobId = context.newJobId();
  const at = now.toISOString();
  // The link exists from the start; the customer first receives it once a dispatcher schedules the job.
  const { link } = await newTrackingLink(context, brand.brandId, jobId);
  const payment = input.paymentMethod ? paymentDue(brand, input.paymentMethod, quote.totalCents) : undefined;
  const job: JobRecord = {
    jobId,
    brandId: brand.brandId,
    version: 1,
    status: 'requested',
    trackingLinkId: link.linkId,
    serviceType: input.serviceType,
    customer: { name: input.name, phone: input.phone, ...(input.email ? { email: input.email } : {}) },
    address: input.address ?? { text: charter!.meetingPoint },
    schedule,
    ...(charter ? { charter } : {}),
    // The draft's hash only: the id stays with the customer's page (it lets its holder add photos).
    ...(input.photoDraftId ? { photoDraftRef: bookingPhotoDraftRef(input.photoDraftId) } : {}),
    crewIds: [],
    priceCents: quote.totalCents,
    ...(input.notes ? { notes: input.notes } : {}),
    ...(payment ? { paymentMethod: payment.method, payment } : {}),
    trackingTokenHash: link.tokenHash,
    statusHistory: [{ status: 'requested', at, by: 'customer' }],
    origin: 'booking',
    smsConsent: {
      phone: input.phone,
      source: 'web-booking',
      statement: smsConsentWording(brand),
      at,
      by: 'customer',
    },
    createdAt: at,
    updatedAt: at,
    updatedBy: 'customer',
  };
  await context.repository.create(job, link, { claim: undefined, release: undefined });
  return {
    jobId,
    status: 'requested',
    quote,
    ...(payment ? { payment: bookingPayment(brand, payment) } : {}),
  };
}

/** What the booking's confirmation says about paying: what is due, and how (Zelle, cash) or where (card). */
export interface BookingPayment {
  method: PaymentMethod;
  amountDueCents: number;
  /** Zelle and cash: how to pay, in one line (the confirming text repeats it). */
  instructions?: string;
}

/** What a booking paid with `method` owes: the card deposit at once, or the quote by Zelle or cash. */
export function paymentDue(brand: Brand, method: PaymentMethod, quoteCents: number): JobPayment {
  return {
    method,
    status: 'due',
    amountDueCents: method === 'card' ? cardDepositCents(brand.payments, quoteCents) : quoteCents,
  };
}

function bookingPayment(brand: Brand, payment: JobPayment): BookingPayment {
  const amountDueCents = payment.amountDueCents ?? 0;
  const instructions = paymentInstructions(brand, payment.method, amountDueCents);
  return { method: payment.method, amountDueCents, ...(instructions ? { instructions } : {}) };
}

/** The charter as the job keeps it: the brand's boat and meeting point, the customer's choices. */
function charterDetails(offer: CharterOffer, trip: CharterBookingInput): NonNullable<JobRecord['charter']> {
  return {
    vessel: offer.vessel,
    meetingPoint: offer.meetingPoint,
    guestCount: trip.guestCount,
    durationMinutes: trip.durationMinutes,
    ...(trip.occasion ? { occasion: trip.occasion } : {}),
  };
}
