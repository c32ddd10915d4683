import { BOOKING_PHOTO_DRAFT_ID } from '@qdn/shared/booking-photos';
import { PaymentMethod } from '@qdn/shared/brands';
import { CharterDetails, JobStatus, WorkDate } from '@qdn/shared/events';
import { PhoneNumber } from '@qdn/shared/phone';
import * as z from 'zod';
import { MAX_JOB_DAYS } from './fleet.ts';

// Request bodies for the jobs API. Strict objects: an unknown field is a 400, never silently stored.
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _');

export const ScheduleInput = z
  .strictObject({
    date: WorkDate,
    window: z.string().min(1).max(32).optional(),
    time: hhmm.optional(),
    endDate: WorkDate.optional(),
  })
  .refine((schedule) => !(schedule.window && schedule.time), {
    message: 'give a window or a time, not both',
    path: ['time'],
  })
  .refine((schedule) => !schedule.endDate || schedule.endDate >= schedule.date, {
    message: 'must not be before date',
    path: ['endDate'],
  })
  // Every day of a job is claimed (a trailer, drop-off to pick-up): a span is bounded so none is left out.
  .refine(
    (schedule) =>
      !schedule.endDate ||
      Date.parse(schedule.endDate) - Date.parse(schedule.date) < MAX_JOB_DAYS * 86_400_000,
    { message: `a job spans at most ${MAX_JOB_DAYS} days`, path: ['endDate'] },
  );

/**
 * Degrees to 7 decimals (about 1 cm), numbers to 2: DynamoDB stores no magnitude below 1e-130, so a
 * denormal such as 8e-323 from a client would fail the write with a 500 (found by the fuzz suite).
 */
const degrees = (limit: number) =>
  z
    .number()
    .min(-limit)
    .max(limit)
    .transform((value) => Math.round(value * 1e7) / 1e7 || 0);
const measure = (max: number) =>
  z
    .number()
    .min(0)
    .max(max)
    .transform((value) => Math.round(value * 100) / 100 || 0);

export const AddressInput = z.strictObject({
  text: z.string().trim().min(1).max(300),
  lat: degrees(90).optional(),
  lng: degrees(180).optional(),
});

export const CustomerInput = z.strictObject({
  name: z.string().trim().min(1).max(100),
  phone: PhoneNumber,
  email: z.email().max(254).optional(),
});

const privateFields = {
  revenueSplit: z.string().max(50),
  captainFeeCents: z.number().int().min(0).max(10_000_000),
  internalNotes: z.string().max(2000),
};

export const PrivateInput = z.strictObject({
  revenueSplit: privateFields.revenueSplit.optional(),
  captainFeeCents: privateFields.captainFeeCents.optional(),
  internalNotes: privateFields.internalNotes.optional(),
});

/**
 * PATCH's `private`: merged key by key into what the job has (an edit names only what it changes), so
 * `null` is how an admin empties one: that key is removed.
 */
export const PrivateChanges = z.strictObject({
  revenueSplit: privateFields.revenueSplit.nullable().optional(),
  captainFeeCents: privateFields.captainFeeCents.nullable().optional(),
  internalNotes: privateFields.internalNotes.nullable().optional(),
});

/**
 * How the customer agreed to texts, as a dispatcher records it with a job or a changed number: by
 * default "asked by phone"; `texted-us` when they texted the business first; `none` when they did not
 * agree (then no customer text goes out: each is refused and shown as such on the timeline).
 */
export const SmsConsentInput = z.strictObject({
  how: z.enum(['asked-by-phone', 'texted-us', 'none']).default('asked-by-phone'),
  note: z.string().trim().min(1).max(300).optional(),
});
export type SmsConsentInput = z.infer<typeof SmsConsentInput>;

const jobFields = {
  customer: CustomerInput,
  address: AddressInput,
  serviceType: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'unknown service type'),
  schedule: ScheduleInput,
  trailerId: id.optional(),
  crewIds: z.array(id).max(20),
  priceCents: z.number().int().min(0).max(10_000_000),
  paymentMethod: z.enum(['zelle', 'card', 'cash', 'check', 'venmo', 'invoice']),
  invoiceUrl: z.url({ protocol: /^https?$/ }).max(500),
  notes: z.string().max(2000),
  /** For whoever works the job (crew page, ShipCaptainCrew); `notes` stay with dispatchers. */
  crewNotes: z.string().trim().max(1000),
  charter: CharterDetails.strict(),
  private: PrivateInput,
};

/** `POST /jobs`. */
export const CreateJobInput = z.strictObject({
  brandId: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,40}$/)
    .optional(),
  ...jobFields,
  crewIds: jobFields.crewIds.default([]),
  priceCents: jobFields.priceCents.optional(),
  paymentMethod: jobFields.paymentMethod.optional(),
  invoiceUrl: jobFields.invoiceUrl.optional(),
  notes: jobFields.notes.optional(),
  crewNotes: jobFields.crewNotes.optional(),
  charter: jobFields.charter.optional(),
  private: jobFields.private.optional(),
  smsConsent: SmsConsentInput.default({ how: 'asked-by-phone' }),
});
export type CreateJobInput = z.infer<typeof CreateJobInput>;

/** `PATCH /jobs/{jobId}`: any subset of the fields; `null` clears an optional one. */
export const UpdateJobInput = z
  .strictObject({
    expectedVersion: z.number().int().positive().optional(),
    customer: CustomerInput.optional(),
    address: AddressInput.optional(),
    schedule: ScheduleInput.optional(),
    trailerId: id.nullable().optional(),
    crewIds: jobFields.crewIds.optional(),
    priceCents: jobFields.priceCents.nullable().optional(),
    paymentMethod: jobFields.paymentMethod.nullable().optional(),
    invoiceUrl: jobFields.invoiceUrl.nullable().optional(),
    notes: jobFields.notes.nullable().optional(),
    crewNotes: jobFields.crewNotes.nullable().optional(),
    charter: jobFields.charter.nullable().optional(),
    private: PrivateChanges.optional(),
    /** With a changed number: how its owner agreed to texts (default: asked by phone). */
    smsConsent: SmsConsentInput.optional(),
  })
  .refine((input) => Object.keys(input).some((key) => key !== 'expectedVersion'), {
    message: 'nothing to change',
  });
export type UpdateJobInput = z.infer<typeof UpdateJobInput>;

/** `POST /jobs/{jobId}/status`. */
export const StatusInput = z.strictObject({
  status: JobStatus,
  etaMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
  note: z.string().max(500).optional(),
  reason: z.string().trim().max(500).optional(),
  expectedVersion: z.number().int().positive().optional(),
});
export type StatusInput = z.infer<typeof StatusInput>;

/** `GET /jobs` query. */
export const ListJobsQuery = z.strictObject({
  date: z.iso.date(),
  status: JobStatus.optional(),
  brandId: z.string().max(41).optional(),
});

/**
 * What the charter form asks: departure time, length, guests and the occasion. Bounded here; the brand's
 * offer (its departure times, lengths, the boat's capacity, its occasions) is checked by the command.
 */
export const CharterBookingInput = z.strictObject({
  departureTime: hhmm,
  durationMinutes: z
    .number()
    .int()
    .min(30)
    .max(24 * 60),
  guestCount: z.number().int().min(1).max(500),
  occasion: z.string().trim().min(1).max(60).optional(),
});
export type CharterBookingInput = z.infer<typeof CharterBookingInput>;

/** `POST /bookings`: the public form (the address form, or the charter form for a charter). */
export const BookingInput = z
  .strictObject({
    brandId: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,40}$/)
      .optional(),
    name: z.string().trim().min(1).max(100),
    phone: PhoneNumber,
    email: z.email().max(254).optional(),
    /** Where the job is: asked by the address form; a charter boards at the brand's meeting point. */
    address: AddressInput.optional(),
    serviceType: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'unknown service type'),
    /** Asked by the charter form (a service type with a charter offer); checked against it by the command. */
    charter: CharterBookingInput.optional(),
    preferredDate: WorkDate,
    endDate: WorkDate.optional(),
    window: z.string().min(1).max(32).optional(),
    notes: z.string().max(1000).optional(),
    /** The photos of the load the form uploaded to the media service first (its draft id). */
    photoDraftId: z.string().regex(BOOKING_PHOTO_DRAFT_ID, 'must be a photo draft id').optional(),
    smsConsent: z.literal(true, { error: 'consent to texts is required to book online' }),
    /** One of the brand's payment methods (checked against its configuration). */
    paymentMethod: PaymentMethod.optional(),
  })
  .refine((booking) => !booking.endDate || booking.endDate >= booking.preferredDate, {
    message: 'must be on or after the preferred date',
    path: ['endDate'],
  });
export type BookingInput = z.infer<typeof BookingInput>;

/** `GET /brands/{brandId}` (public). */
export const BrandParams = z.object({
  brandId: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'unknown brand id'),
});

/** `?from=&to=` of the fleet routes: calendar days, at most MAX_JOB_DAYS of them (checked by the command). */
export const DayRangeQuery = z.object({ from: WorkDate, to: WorkDate });

/**
 * `GET /track/{token}` (public): any token shape is looked up the same way, so a malformed one (too
 * long, odd characters) gets the uniform 404 too, never a validation error that would say what a token
 * looks like.
 */
export const TrackingTokenParams = z.object({ token: z.string() });

/**
 * `GET /track/{token}?open=1`: the page says which request is the customer opening it (counted for
 * staff) and which are its own refreshes (not counted).
 */
export const TrackingViewQuery = z.object({ open: z.literal('1').optional() });

/** A job id as the jobs service makes them: `qdn_` and a ULID. */
export const JOB_ID_PATTERN = /^qdn_[0-9A-HJKMNP-TV-Z]{26}$/;

export const JobIdParams = z.strictObject({
  jobId: z.string().regex(JOB_ID_PATTERN, 'unknown job'),
});

/** Most points one `POST /jobs/{jobId}/locations` may carry (a phone batches while offline, then sends). */
export const MAX_LOCATION_POINTS = 100;

/** One GPS fix from the driver's phone. */
export const LocationPointInput = z.strictObject({
  lat: degrees(90),
  lng: degrees(180),
  accuracy: measure(100_000).optional(),
  speed: measure(200).optional(),
  heading: measure(360).optional(),
  recordedAt: z.iso.datetime({ offset: true }),
});

/** `POST /jobs/{jobId}/locations`. */
export const LocationsInput = z.strictObject({
  points: z.array(LocationPointInput).min(1).max(MAX_LOCATION_POINTS),
});
export type LocationsInput = z.infer<typeof LocationsInput>;

/** `GET /jobs/{jobId}/locations` query. */
export const ListLocationsQuery = z.strictObject({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});
export type ListLocationsQuery = z.infer<typeof ListLocationsQuery>;

/** `POST /jobs/{jobId}/payment` (dispatcher, admin): the customer paid by Zelle or cash (or a card in person). */
export const MarkPaidInput = z.strictObject({
  method: PaymentMethod,
  /** What was paid; default what is due (the quote, or the card deposit). */
  amountCents: z.number().int().positive().max(10_000_000).optional(),
  /** A Zelle confirmation number, a receipt number… */
  reference: z.string().trim().min(1).max(200).optional(),
  expectedVersion: z.number().int().positive().optional(),
});
export type MarkPaidInput = z.infer<typeof MarkPaidInput>;

/**
 * `POST /jobs/{jobId}/payment/refund` (dispatcher, admin): a card refund the card refused (Stripe's
 * refund.failed), paid back to the customer another way.
 */
export const RefundPaidBackInput = z.strictObject({
  method: z.enum(['zelle', 'cash', 'check']),
  /** The Zelle confirmation or check number. */
  reference: z.string().trim().min(1).max(200).optional(),
  /** A payment the job could not keep (its Checkout Session); none for the job's own payment. */
  checkoutSessionId: z
    .string()
    .regex(/^cs_[A-Za-z0-9_]{1,250}$/)
    .optional(),
  expectedVersion: z.number().int().positive().optional(),
});
export type RefundPaidBackInput = z.infer<typeof RefundPaidBackInput>;
