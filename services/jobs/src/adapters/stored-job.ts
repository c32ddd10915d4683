import { JobStatus, SmsConsent } from '@qdn/shared/events';
import { recordFields, storedRecord } from '@qdn/shared/stored-record';
import * as z from 'zod';
import type {
  JobPayment,
  JobRecord,
  PrivateJobFields,
  ReturnedPayment,
  StatusChange,
} from '../domain/job.ts';
import type { TrackingLinkRecord } from '../domain/ports.ts';

// A module of its own, without the SDK: the stream publisher reads job items too and loads only this.
// The jobs table's records: jobs and tracking links.
// Types, not formats: every field was validated on its way in (domain/job-input.ts).
const optionalString = z.string().optional();
const optionalNumber = z.number().optional();

const statusChange = recordFields<StatusChange>()({
  status: JobStatus,
  at: z.string(),
  by: z.string(),
  correction: z.boolean().optional(),
  undo: z.boolean().optional(),
  reason: optionalString,
  note: optionalString,
});

const privateFields = recordFields<PrivateJobFields>()({
  revenueSplit: optionalString,
  captainFeeCents: optionalNumber,
  internalNotes: optionalString,
});

const refundStatus = z.enum(['pending', 'succeeded', 'failed']).optional();
const refundFailure = z.object({ reason: z.string(), at: z.string() }).optional();
const refundPaidBack = z
  .object({
    method: z.enum(['zelle', 'cash', 'check']),
    reference: optionalString,
    at: z.string(),
    by: z.string(),
  })
  .optional();
const dispute = z
  .object({
    disputeId: z.string(),
    status: z.enum(['needs_response', 'under_review', 'won', 'lost']),
    inquiry: z.literal(true).optional(),
    appeal: z.literal(true).optional(),
    reason: z.string(),
    amountCents: z.number(),
    respondBy: optionalString,
    openedAt: z.string(),
    closedAt: optionalString,
  })
  .optional();

const payment = recordFields<JobPayment>()({
  method: z.enum(['card', 'zelle', 'cash']),
  status: z.enum(['due', 'paid', 'refunded']),
  amountDueCents: optionalNumber,
  amountPaidCents: optionalNumber,
  paidAt: optionalString,
  recordedBy: optionalString,
  reference: optionalString,
  checkoutSessionId: optionalString,
  refundStartedAt: optionalString,
  refundId: optionalString,
  refundedAt: optionalString,
  refundStatus,
  refundFailure,
  refundPaidBack,
  dispute,
});

const returnedPayment = recordFields<ReturnedPayment>()({
  checkoutSessionId: z.string(),
  reference: optionalString,
  amountCents: z.number(),
  paidAt: z.string(),
  why: z.enum(['paid-already', 'job-cancelled']),
  refundId: optionalString,
  refundedAt: optionalString,
  refundStatus,
  refundFailure,
  refundPaidBack,
  dispute,
});

/**
 * A job from its item in the jobs table (or the table's stream): the record without its keys and
 * index attributes (pk/sk, gsi1*, the sparse gsi2* of a request and gsi3* of a multi-day job), or a
 * StoredRecordError.
 */
export const storedJob = storedRecord(
  'job',
  recordFields<JobRecord>()({
    jobId: z.string(),
    brandId: z.string(),
    version: z.number(),
    status: JobStatus,
    serviceType: z.string(),
    customer: recordFields<JobRecord['customer']>()({
      name: z.string(),
      phone: optionalString,
      email: optionalString,
    }),
    address: recordFields<JobRecord['address']>()({
      text: z.string(),
      lat: optionalNumber,
      lng: optionalNumber,
      geocoded: recordFields<NonNullable<JobRecord['address']['geocoded']>>()({
        label: z.string(),
        relevance: z.number(),
        at: z.string(),
      }).optional(),
      notFound: recordFields<NonNullable<JobRecord['address']['notFound']>>()({
        reason: z.string(),
        at: z.string(),
      }).optional(),
    }),
    schedule: recordFields<JobRecord['schedule']>()({
      date: z.string(),
      window: optionalString,
      time: optionalString,
      endDate: optionalString,
    }),
    trailerId: optionalString,
    crewIds: z.array(z.string()).optional(),
    priceCents: optionalNumber,
    paymentMethod: optionalString,
    payment: payment.optional(),
    returnedPayments: z.array(returnedPayment).optional(),
    invoiceUrl: optionalString,
    notes: optionalString,
    crewNotes: optionalString,
    etaMinutes: optionalNumber,
    trackingLinkId: optionalString,
    trackingTokenHash: optionalString,
    charter: recordFields<NonNullable<JobRecord['charter']>>()({
      vessel: z.string(),
      meetingPoint: z.string(),
      guestCount: z.number(),
      durationMinutes: z.number(),
      occasion: optionalString,
    }).optional(),
    photoDraftRef: optionalString,
    private: privateFields.optional(),
    statusHistory: z.array(statusChange).optional(),
    arrivingAt: optionalString,
    arrivingDistanceMeters: optionalNumber,
    origin: z.enum(['dashboard', 'booking', 'import']).optional(),
    legacyJobId: optionalString,
    smsConsent: SmsConsent.optional(),
    expiredAt: optionalString,
    createdAt: optionalString,
    updatedAt: z.string(),
    updatedBy: optionalString,
    correlationId: optionalString,
  }),
);

/** A job from a stream image of the jobs table; undefined for its other items (links, claims) and no image. */
export function jobOfItem(item: Record<string, unknown> | undefined): JobRecord | undefined {
  return item?.sk === 'JOB' ? storedJob(item) : undefined;
}

/** A tracking link from its item (LINK#<sha256(token)> / LINK): GET /track reads one before the job. */
export const storedLink = storedRecord(
  'tracking link',
  recordFields<TrackingLinkRecord>()({
    tokenHash: z.string(),
    linkId: z.string(),
    jobId: z.string(),
    createdAt: z.string(),
    imported: z.boolean().optional(),
  }),
);
