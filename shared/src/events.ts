import * as z from 'zod';

/**
 * Event schemas for the bus qdn-<stage> (ARCHITECTURE.md §4). One zod schema per detail-type; producers
 * validate before PutEvents and consumers parse with the same schema, so a breaking change fails a test
 * on both sides. A change that would break a consumer gets a new `schemaVersion`.
 */

export const SCHEMA_VERSION = 1;

export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number, e.g. +16195550123');
const isoDate = z.iso.date();

/**
 * A calendar day anyone could book or work on (2000–2099): input schemas use it, so a date like
 * 9999-12-31 is a field error at the door rather than a crash in date arithmetic downstream.
 */
export const WorkDate = z.iso
  .date({ error: 'must be a date, YYYY-MM-DD', abort: true })
  .refine(
    (date) => date >= '2000-01-01' && date <= '2099-12-31',
    'must be between 2000-01-01 and 2099-12-31',
  );
const isoDateTime = z.iso.datetime({ offset: true });

/** What every event's `detail.meta` carries. */
export const EventMeta = z.object({
  eventId: z.string().min(1),
  occurredAt: isoDateTime,
  brandId: z.string().min(1),
  jobId: z.string().min(1).optional(),
  version: z.number().int().nonnegative().optional(),
  /** Who caused it: a staff user id, `customer`, `twilio`, `system`. */
  actor: z.string().min(1).optional(),
  correlationId: z.string().min(1),
  schemaVersion: z.literal(SCHEMA_VERSION).default(SCHEMA_VERSION),
});
export type EventMeta = z.infer<typeof EventMeta>;

export const JobStatus = z.enum(['requested', 'scheduled', 'en_route', 'arrived', 'complete', 'cancelled']);
export type JobStatus = z.infer<typeof JobStatus>;

export const JobSchedule = z.object({
  date: isoDate,
  window: z.string().min(1).optional(),
  time: z
    .string()
    .regex(/^\d{2}:\d{2}$/)
    .optional(),
  endDate: isoDate.optional(),
});
export type JobSchedule = z.infer<typeof JobSchedule>;

export const CharterDetails = z.object({
  vessel: z.string().min(1),
  meetingPoint: z.string().min(1),
  guestCount: z.number().int().positive(),
  durationMinutes: z.number().int().positive(),
  /** What the charter is for, in the customer's choice of the brand's occasions (a birthday, a wedding). */
  occasion: z.string().min(1).max(60).optional(),
});

/**
 * How a customer agreed to texts from a brand (TCPA / CTIA: every number we text has a record): the web
 * booking's checkbox, a dispatcher's entry ("customer asked by phone"), the customer texting us first, or
 * the first system's customer list. `statement` is what they agreed to in words (the checkbox's exact
 * label, or the dispatcher's note); `by` who recorded it (`customer`, a staff user id, `import`).
 */
export const SmsConsentSource = z.enum(['web-booking', 'dispatcher', 'inbound-text', 'first-system']);
export type SmsConsentSource = z.infer<typeof SmsConsentSource>;
export const SmsConsent = z
  .object({
    phone: E164,
    source: SmsConsentSource,
    statement: z.string().min(1).max(500),
    at: isoDateTime,
    by: z.string().min(1),
  })
  .strict();
export type SmsConsent = z.infer<typeof SmsConsent>;

/**
 * The job as it travels on the bus: an allow-list. `.strict()` makes a producer that tries to add a
 * field (revenue split, captain fee, internal notes) fail validation instead of leaking it.
 */
export const JobOnBus = z
  .object({
    jobId: z.string().min(1),
    brandId: z.string().min(1),
    version: z.number().int().nonnegative(),
    status: JobStatus,
    serviceType: z.string().min(1),
    customer: z.object({ name: z.string().min(1), firstName: z.string().min(1), phone: E164 }).strict(),
    address: z
      .object({
        text: z.string().min(1),
        lat: z.number().optional(),
        lng: z.number().optional(),
        /** The place index could not place this text: the geocode consumer's rule skips it until it changes. */
        notFound: z.literal(true).optional(),
      })
      .strict(),
    schedule: JobSchedule,
    trailerId: z.string().min(1).optional(),
    crewIds: z.array(z.string().min(1)).default([]),
    priceCents: z.number().int().nonnegative().optional(),
    paymentMethod: z.string().min(1).optional(),
    /** Where the customer's payment stands: `due` until a card deposit or a dispatcher marks it paid. */
    paymentStatus: z.enum(['due', 'paid', 'refunded']).optional(),
    invoiceUrl: z.url().optional(),
    notes: z.string().optional(),
    /** What the dispatcher writes for the crew (the crew page, SCC); `notes` are the dispatcher's own. */
    crewNotes: z.string().optional(),
    etaMinutes: z.number().int().nonnegative().optional(),
    /**
     * The customer's tracking link, by id only: the token (and so the URL) is derived from it under a
     * secret the bus never sees (@qdn/shared/tracking-link), so no event — nor the archive — holds a live link.
     */
    trackingLinkId: z.string().min(1).max(64).optional(),
    charter: CharterDetails.optional(),
    /**
     * The booking form's photos of the load, by the draft's hash (@qdn/shared/booking-photos): it names
     * the media service's draft and grants nothing, unlike the draft id the customer's page holds.
     */
    photoDraftRef: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .optional(),
    /** The customer's consent to texts, for the number it names (a changed number needs its own). */
    smsConsent: SmsConsent.optional(),
  })
  .strict();
export type JobOnBus = z.infer<typeof JobOnBus>;

const jobEvent = <Data extends z.ZodRawShape>(data: Data) =>
  z.object({ meta: EventMeta, data: z.object({ job: JobOnBus, ...data }) });

export const JobCreated = jobEvent({});
export const JobStatusChanged = jobEvent({
  previousStatus: JobStatus,
  status: JobStatus,
  /** A one-step take-back of a mis-tap (e.g. en_route → scheduled), with the dispatcher's reason. */
  correction: z.boolean().default(false),
  /**
   * The correction takes back complete or cancelled inside the brand's undo window (no reason needed):
   * the customer text of the status it takes back was held for the window, so it is never sent.
   */
  undo: z.boolean().default(false),
  reason: z.string().optional(),
});
export const JobScheduleChanged = jobEvent({ previousSchedule: JobSchedule });
export const JobAssignmentChanged = jobEvent({
  previous: z.object({ trailerId: z.string().optional(), crewIds: z.array(z.string()) }),
});
export const JobDetailsChanged = jobEvent({ changedFields: z.array(z.string().min(1)).min(1) });
export const JobArriving = jobEvent({ distanceMeters: z.number().nonnegative().optional() });
/**
 * The customer paid: a card deposit through Stripe Checkout (its webhook, `reference` the payment
 * intent), or Zelle or cash that a dispatcher marked paid (`reference` what they noted). Once per
 * payment: the job records it, and the event is derived from that write.
 */
export const JobPaymentReceived = jobEvent({
  payment: z
    .object({
      method: z.enum(['card', 'zelle', 'cash']),
      amountCents: z.number().int().positive(),
      paidAt: isoDateTime,
      reference: z.string().min(1).max(200).optional(),
    })
    .strict(),
});
/**
 * A card payment went back to the customer: a dispatcher cancelled a job paid by card, and the jobs
 * service's refunds consumer refunded it at Stripe (once per job) and recorded it on the job.
 */
export const JobPaymentRefunded = jobEvent({
  refund: z
    .object({
      method: z.literal('card'),
      amountCents: z.number().int().positive(),
      refundId: z.string().min(1).max(200),
      refundedAt: isoDateTime,
    })
    .strict(),
});
/**
 * A card refund did not reach the customer: the card could not take it back (closed, reported lost), or
 * the refund was canceled — Stripe's `refund.failed`, sometimes days after the refund went out. The
 * money is back in the business's Stripe balance: the customer hears so, and a dispatcher pays them
 * another way. `returned`: a payment the job could not keep (ReturnedPayment), not its own.
 */
export const JobRefundFailed = jobEvent({
  refund: z
    .object({
      method: z.literal('card'),
      amountCents: z.number().int().positive(),
      refundId: z.string().min(1).max(200),
      /** Stripe's `failure_reason`: `lost_or_stolen_card`, `expired_or_canceled_card`, `unknown`… */
      reason: z.string().min(1).max(100),
      failedAt: isoDateTime,
      returned: z.boolean(),
    })
    .strict(),
});
/**
 * A failed card refund (JobRefundFailed) paid back another way, as a dispatcher recorded it: who paid
 * what back, how and when, for the job's timeline.
 */
export const JobRefundPaidBack = jobEvent({
  refund: z
    .object({
      refundId: z.string().min(1).max(200),
      amountCents: z.number().int().positive(),
      method: z.enum(['zelle', 'cash', 'check']),
      reference: z.string().min(1).max(200).optional(),
      paidBackAt: isoDateTime,
      by: z.string().min(1).max(200),
      returned: z.boolean(),
    })
    .strict(),
});
/** A card payment's dispute as the job records it (JobPaymentDisputed, JobPaymentDisputeClosed). */
const PaymentDispute = z
  .object({
    disputeId: z.string().min(1).max(200),
    /** An inquiry: the bank asks before any money moves (Stripe's `warning_*`); it may become a chargeback. */
    inquiry: z.boolean(),
    /** An appeal of the dispute once lost (Stripe's `appeal_*`): its outcome is the appeal's. */
    appeal: z.boolean(),
    /** Stripe's reason: `fraudulent`, `product_not_received`, `duplicate`… */
    reason: z.string().min(1).max(100),
    amountCents: z.number().int().nonnegative(),
    /** `returned`: a payment the job could not keep (ReturnedPayment), not its own. */
    returned: z.boolean(),
  })
  .strict();
/**
 * The customer's bank disputed a card payment (a chargeback): the money and Stripe's fee are taken
 * back now, and the business loses unless it answers with evidence in Stripe's Dashboard by
 * `respondBy`; or, an `inquiry`, the bank asks first and no money has moved yet. An inquiry that becomes
 * a chargeback is told again. The brand's team is texted.
 */
export const JobPaymentDisputed = jobEvent({
  dispute: PaymentDispute.extend({
    respondBy: isoDateTime.optional(),
    openedAt: isoDateTime,
  }).strict(),
});
/** A dispute ended: `won` (the money is back) or `lost` (the bank kept it). */
export const JobPaymentDisputeClosed = jobEvent({
  dispute: PaymentDispute.extend({
    outcome: z.enum(['won', 'lost']),
    closedAt: isoDateTime,
  }).strict(),
});
export const TrackingLinkIssued = z.object({
  meta: EventMeta,
  data: z.object({ jobId: z.string(), linkId: z.string().min(1), expiresAt: isoDateTime.optional() }),
});
export const TrackingLinkRevoked = z.object({
  meta: EventMeta,
  data: z.object({
    jobId: z.string(),
    linkId: z.string().min(1).optional(),
    reason: z.enum(['rotated', 'expired', 'revoked', 'job-closed']),
  }),
});

const smsEvent = <Data extends z.ZodRawShape>(data: Data) =>
  z.object({ meta: EventMeta, data: z.object(data) });
/** Who is on the other end of an SMS: the job's customer, the backup dispatch team, or a crew member. */
export const SmsAudience = z.enum(['customer', 'team', 'crew']);
export type SmsAudience = z.infer<typeof SmsAudience>;
/**
 * The attempts Twilio refused or did not answer before an SMS's outcome (oldest first; `meta.occurredAt`
 * is when the outcome came, so a text sent late shows as late): when, Twilio's code, what happened next.
 */
/** How many of a text's refused attempts its outcome event carries (the latest; the record keeps all). */
export const MAX_FAILED_ATTEMPTS_ON_EVENT = 50;

const SmsAttempts = {
  firstAttemptAt: z.iso.datetime().optional(),
  failedAttempts: z
    .array(
      z.object({
        at: z.iso.datetime(),
        errorCode: z.string().optional(),
        next: z.enum(['retried', 'retry-later', 'look-up']),
      }),
    )
    .max(MAX_FAILED_ATTEMPTS_ON_EVENT)
    .optional(),
};
export const SmsSent = smsEvent({
  messageSid: z.string(),
  to: E164,
  template: z.string(),
  body: z.string(),
  status: z.string(),
  audience: SmsAudience.default('customer'),
  ...SmsAttempts,
});
export const SmsFailed = smsEvent({
  to: E164,
  audience: SmsAudience.default('customer'),
  template: z.string(),
  errorCode: z.string().optional(),
  errorMessage: z.string(),
  permanent: z.boolean(),
  ...SmsAttempts,
});
export const SmsSuppressed = smsEvent({
  to: E164.optional(),
  audience: SmsAudience.default('customer'),
  template: z.string(),
  /**
   * `rate-limited`: a sender over their hourly allowance of relays to the team (not relayed).
   * `no-consent`: a customer text to a number with no consent on record for the brand (refused).
   * `complained`: a review request withheld because the customer complained in a reply.
   * `recently-asked`: a review request withheld because the customer was asked within 90 days.
   * `no-longer-due`: a deferred text whose job moved on (rescheduled, cancelled) before it was due.
   * `undone`: a complete or cancelled text held for the brand's undo window, and the status was undone.
   * `too-late`: a text about the truck now ("on the way", "arriving", "arrived") handled too long after its
   * event (a redrive hours later) to be news.
   */
  reason: z.enum([
    'stale',
    'too-late',
    'opted-out',
    'not-texted-status',
    'duplicate',
    'rate-limited',
    'no-consent',
    'complained',
    'recently-asked',
    'no-longer-due',
    'undone',
  ]),
});
export const SmsDeliveryUpdated = smsEvent({
  messageSid: z.string(),
  status: z.string(),
  errorCode: z.string().optional(),
});
export const SmsReceived = smsEvent({
  messageSid: z.string(),
  from: E164,
  body: z.string(),
  audience: SmsAudience.default('customer'),
  /** MMS attachments, as Twilio hosts them. */
  mediaUrls: z.array(z.url()).default([]),
  /** STOP, START or HELP (and their synonyms), when the message was one. */
  keyword: z.enum(['stop', 'start', 'help']).optional(),
  /** Not a keyword, but a request in words to stop the texts ("please stop texting me"): opted out. */
  revokedConsent: z.boolean().optional(),
});
export const SmsRelayed = smsEvent({ messageSid: z.string(), from: E164, to: z.array(E164).min(1) });
/**
 * A dispatcher undid a revocation read into a customer's reply (`SmsReceived.revokedConsent`): the
 * number gets texts again. `meta.actor` is the dispatcher; `messageSid` is the reply that was misread.
 */
export const SmsConsentRestored = smsEvent({ messageSid: z.string(), phone: E164 });

export const PhotoAdded = z.object({
  meta: EventMeta,
  data: z.object({
    jobId: z.string(),
    photoId: z.string(),
    contentType: z.string(),
    takenAt: isoDateTime.optional(),
    customerVisible: z.boolean(),
    /** Who added it: the crew or a dispatcher (`staff`), or the customer from the tracking page. */
    from: z.enum(['staff', 'customer']).optional(),
  }),
});

/** What a crew message is about (CrewMessage.kind). */
export const CrewMessageKind = z.enum(['assigned', 'rescheduled', 'cancelled', 'unassigned']);

export const CrewNotified = z.object({
  meta: EventMeta,
  data: z.object({
    jobId: z.string(),
    crewId: z.string(),
    channel: z.enum(['sms', 'email']),
    kind: CrewMessageKind.optional(),
  }),
});
export const SccEventSynced = z.object({
  meta: EventMeta,
  data: z.object({
    jobId: z.string(),
    sccEventId: z.string(),
    action: z.enum(['created', 'updated', 'deleted']),
  }),
});

/** A crew member ticked (or unticked) an item of the charter's checklist through their crew link. */
export const CrewChecklistItemTicked = z.object({
  meta: EventMeta,
  data: z.object({
    jobId: z.string(),
    crewId: z.string(),
    itemId: z.string(),
    label: z.string(),
    done: z.boolean(),
  }),
});

/**
 * An admin activated or deactivated a crew member on the roster (scc-bridge owns it). Deactivation
 * revokes everything the person was given: their crew links and ticks (scc-bridge) and their crew
 * calendar's feed (the calendar service, from this event). `changedAt` orders repeated changes.
 */
export const CrewMemberStatusChanged = z.object({
  meta: EventMeta,
  data: z.object({
    crewId: z.string().min(1),
    active: z.boolean(),
    changedAt: isoDateTime,
  }),
});

/**
 * A dispatcher removed a message from a consumer's dead-letter queue for good instead of redriving it
 * (e.g. the customer had opted out), and said why. `meta.actor` is the dispatcher, `meta.jobId` the job
 * the message was about: the job's timeline shows who discarded what and why.
 */
export const DeadLetterDiscarded = z.object({
  meta: EventMeta,
  data: z.object({
    /** The service and consumer whose DLQ held it (`notifications`, `sms`). */
    service: z.string().min(1),
    consumer: z.string().min(1),
    /** The SQS message id, as the DLQ review listed it. */
    messageId: z.string().min(1),
    reason: z.string().min(1).max(500),
    /** What the message was: its detail-type and event id, when it was a bus event. */
    eventType: z.string().min(1).optional(),
    eventId: z.string().min(1).optional(),
  }),
});

/**
 * A dispatcher sent a parked message back to its consumer (POST …/redrive). `meta.actor` is who,
 * `meta.jobId` the job it was about: the job's timeline shows who retried what, and when.
 */
export const DeadLetterRedriven = z.object({
  meta: EventMeta,
  data: z.object({
    service: z.string().min(1),
    consumer: z.string().min(1),
    /** The parked message's SQS id, and the id of the copy sent back to the consumer's queue. */
    messageId: z.string().min(1),
    newMessageId: z.string().min(1).optional(),
    eventType: z.string().min(1).optional(),
    eventId: z.string().min(1).optional(),
  }),
});

/**
 * A message for one crew member, as scc-bridge publishes it to the SNS topic
 * `qdn-<stage>-crew-notifications` (message attributes `crewId`, `channel`) and the notifications
 * service sends it: one SMS provider, one opt-out list, one timeline. `messageId` is the idempotency
 * key (stable across redelivery: e.g. jobId + version + crewId + kind), so one change texts once.
 */
export const CrewMessage = z.object({
  messageId: z.string().min(1),
  brandId: z.string().min(1),
  jobId: z.string().min(1),
  crewId: z.string().min(1),
  to: E164,
  kind: CrewMessageKind,
  /** The job version it is about: a crew member is never texted one older than one they already got. */
  version: z.number().int().positive(),
  body: z.string().min(1).max(320),
  occurredAt: isoDateTime,
});
export type CrewMessage = z.infer<typeof CrewMessage>;

/** Every event on the bus, by source and detail-type. */
export const EVENT_CATALOG = {
  'qdn.jobs': {
    JobCreated,
    JobStatusChanged,
    JobScheduleChanged,
    JobAssignmentChanged,
    JobDetailsChanged,
    JobArriving,
    JobPaymentReceived,
    JobPaymentRefunded,
    JobRefundFailed,
    JobRefundPaidBack,
    JobPaymentDisputed,
    JobPaymentDisputeClosed,
    TrackingLinkIssued,
    TrackingLinkRevoked,
  },
  'qdn.notifications': {
    SmsSent,
    SmsFailed,
    SmsSuppressed,
    SmsDeliveryUpdated,
    SmsReceived,
    SmsRelayed,
    SmsConsentRestored,
  },
  'qdn.media': { PhotoAdded },
  'qdn.scc-bridge': { CrewNotified, SccEventSynced, CrewChecklistItemTicked, CrewMemberStatusChanged },
  'qdn.ops': { DeadLetterDiscarded, DeadLetterRedriven },
} as const;

type Catalog = typeof EVENT_CATALOG;
export type EventSource = keyof Catalog;
export type DetailType = { [S in EventSource]: keyof Catalog[S] & string }[EventSource];
type SchemaOf<T extends DetailType> = {
  [S in EventSource]: T extends keyof Catalog[S] ? Catalog[S][T] : never;
}[EventSource];
/** The `detail` of an event of type T, after parsing (defaults applied). */
export type EventDetail<T extends DetailType> = z.output<SchemaOf<T>>;

/** A domain event as a producer hands it to publishEvents. */
export interface DomainEvent<T extends DetailType = DetailType> {
  source: EventSource;
  detailType: T;
  detail: z.input<SchemaOf<T>>;
}

/** The source that owns a detail-type. */
export function sourceOf(detailType: DetailType): EventSource {
  for (const [source, types] of Object.entries(EVENT_CATALOG)) {
    if (detailType in types) return source as EventSource;
  }
  throw new Error(`Unknown detail-type ${detailType}`);
}

/** The schema for a detail-type, or undefined when the bus carries something we don't know. */
export function detailSchemaOf(detailType: string): z.ZodType | undefined {
  for (const types of Object.values(EVENT_CATALOG)) {
    const schema = (types as Record<string, z.ZodType>)[detailType];
    if (schema) return schema;
  }
  return undefined;
}

/**
 * A stable event id: the same job version and detail-type always give the same id, so a retried or
 * replayed publish is recognisably the same event to every idempotent consumer.
 */
export function jobEventId(jobId: string, version: number, detailType: DetailType): string {
  return `${jobId}:${version}:${detailType}`;
}

/** The EventBridge envelope as an SQS target receives it. */
export const EventBridgeEnvelope = z.object({
  version: z.string(),
  id: z.string(),
  'detail-type': z.string(),
  source: z.string(),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
  'replay-name': z.string().optional(),
});

/** A parsed event as consumers see it: envelope fields plus a validated detail. */
export interface ReceivedEvent<T extends DetailType = DetailType> {
  id: string;
  source: string;
  detailType: T;
  time: string;
  replayName: string | undefined;
  detail: EventDetail<T>;
}

/**
 * Parses an EventBridge event (e.g. the body of an SQS message from a rule target) and validates its
 * detail with the schema of its detail-type.
 */
export function parseBusEvent(input: unknown): ReceivedEvent {
  const envelope = EventBridgeEnvelope.parse(input);
  const schema = detailSchemaOf(envelope['detail-type']);
  if (!schema)
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['detail-type'],
        message: `unknown detail-type ${envelope['detail-type']}`,
        input: envelope['detail-type'],
      },
    ]);
  return {
    id: envelope.id,
    source: envelope.source,
    detailType: envelope['detail-type'] as DetailType,
    time: envelope.time,
    replayName: envelope['replay-name'],
    detail: schema.parse(envelope.detail) as EventDetail<DetailType>,
  };
}
