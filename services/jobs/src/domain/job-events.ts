import { type DomainEvent, type JobOnBus, jobEventId } from '@qdn/shared/events';
import { firstName, type JobRecord, type PaymentDispute, type ReturnedPayment } from './job.ts';

export type { JobRecord } from './job.ts';

/** Fields whose change is a JobDetailsChanged (the schedule, status and assignment have their own events). */
const DETAIL_FIELDS = [
  'address',
  'notes',
  'crewNotes',
  'priceCents',
  'paymentMethod',
  'invoiceUrl',
  'charter',
  'customer',
  'smsConsent',
] as const;

/**
 * The allow-listed projection of a job that travels on the bus: built field by field, so anything
 * not named here — the private fields above all — cannot reach an event.
 */
export function jobOnBus(job: JobRecord): JobOnBus {
  const phone = job.customer.phone;
  // eventsForJobChange publishes nothing for such a job (an imported one without a number).
  if (!phone) throw new Error(`Job ${job.jobId} has no phone, so no projection on the bus`);
  return {
    jobId: job.jobId,
    brandId: job.brandId,
    version: job.version,
    status: job.status,
    serviceType: job.serviceType,
    customer: { name: job.customer.name, firstName: firstName(job.customer.name), phone },
    address: {
      text: job.address.text,
      ...(job.address.lat === undefined ? {} : { lat: job.address.lat }),
      ...(job.address.lng === undefined ? {} : { lng: job.address.lng }),
      ...(job.address.notFound ? { notFound: true as const } : {}),
    },
    schedule: job.schedule,
    ...(job.trailerId ? { trailerId: job.trailerId } : {}),
    crewIds: job.crewIds ?? [],
    ...(job.priceCents === undefined ? {} : { priceCents: job.priceCents }),
    ...(job.paymentMethod ? { paymentMethod: job.paymentMethod } : {}),
    ...(job.payment ? { paymentStatus: job.payment.status } : {}),
    ...(job.invoiceUrl ? { invoiceUrl: job.invoiceUrl } : {}),
    ...(job.notes === undefined ? {} : { notes: job.notes }),
    ...(job.crewNotes === undefined ? {} : { crewNotes: job.crewNotes }),
    ...(job.etaMinutes === undefined ? {} : { etaMinutes: job.etaMinutes }),
    ...(job.trackingLinkId ? { trackingLinkId: job.trackingLinkId } : {}),
    ...(job.charter ? { charter: job.charter } : {}),
    ...(job.photoDraftRef ? { photoDraftRef: job.photoDraftRef } : {}),
    ...(job.smsConsent ? { smsConsent: job.smsConsent } : {}),
  };
}

const same = (left: unknown, right: unknown) =>
  JSON.stringify(left ?? null) === JSON.stringify(right ?? null);

/**
 * The domain events one committed job write means, derived from the stream's old and new images
 * (the transactional outbox: an event exists exactly when its write does). Event ids are stable per
 * job version and type, so a re-read stream record publishes the same events again, harmlessly.
 */
export function eventsForJobChange(
  before: JobRecord | undefined,
  after: JobRecord | undefined,
): DomainEvent[] {
  // A job imported without a phone stays off the bus (events carry the number) until one is added; the
  // write that adds it then publishes what changed, and nobody was ever texted about the import.
  if (!after?.customer.phone) return [];
  const meta = (detailType: DomainEvent['detailType']) => ({
    eventId: jobEventId(after.jobId, after.version, detailType),
    occurredAt: after.updatedAt,
    brandId: after.brandId,
    jobId: after.jobId,
    version: after.version,
    ...(after.updatedBy ? { actor: after.updatedBy } : {}),
    correlationId: after.correlationId ?? jobEventId(after.jobId, after.version, detailType),
  });
  const job = jobOnBus(after);
  // An imported job is the first system's history moving over, not a new booking: no JobCreated, so no
  // confirmation text (the sms consumer texts on JobCreated); its later changes publish as any job's.
  if (!before && after.origin === 'import') return [];
  if (!before)
    return [
      { source: 'qdn.jobs', detailType: 'JobCreated', detail: { meta: meta('JobCreated'), data: { job } } },
    ];
  if (after.version <= before.version) return [];

  const events: DomainEvent[] = [];
  if (before.status !== after.status) {
    const change = after.statusHistory?.at(-1);
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobStatusChanged',
      detail: {
        meta: meta('JobStatusChanged'),
        data: {
          job,
          previousStatus: before.status,
          status: after.status,
          correction: change?.correction === true,
          ...(change?.undo ? { undo: true } : {}),
          ...(change?.reason ? { reason: change.reason } : {}),
        },
      },
    });
  }
  if (!same(before.schedule, after.schedule)) {
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobScheduleChanged',
      detail: { meta: meta('JobScheduleChanged'), data: { job, previousSchedule: before.schedule } },
    });
  }
  if (before.trailerId !== after.trailerId || !same(before.crewIds ?? [], after.crewIds ?? [])) {
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobAssignmentChanged',
      detail: {
        meta: meta('JobAssignmentChanged'),
        data: {
          job,
          previous: {
            ...(before.trailerId ? { trailerId: before.trailerId } : {}),
            crewIds: before.crewIds ?? [],
          },
        },
      },
    });
  }
  // Links travel by id only: the token is derived from it under a secret the bus never sees.
  if (after.trackingLinkId && after.trackingLinkId !== before.trackingLinkId) {
    if (before.trackingLinkId || before.trackingTokenHash) {
      events.push({
        source: 'qdn.jobs',
        detailType: 'TrackingLinkRevoked',
        detail: {
          meta: meta('TrackingLinkRevoked'),
          data: {
            jobId: after.jobId,
            ...(before.trackingLinkId ? { linkId: before.trackingLinkId } : {}),
            reason: 'rotated',
          },
        },
      });
    }
    events.push({
      source: 'qdn.jobs',
      detailType: 'TrackingLinkIssued',
      detail: {
        meta: meta('TrackingLinkIssued'),
        data: { jobId: after.jobId, linkId: after.trackingLinkId },
      },
    });
  }
  // arrivingAt is set once per job (a conditional write, only while en route), so this goes out once.
  if (after.arrivingAt && !before.arrivingAt && after.status === 'en_route') {
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobArriving',
      detail: {
        meta: meta('JobArriving'),
        data: {
          job,
          ...(after.arrivingDistanceMeters === undefined
            ? {}
            : { distanceMeters: after.arrivingDistanceMeters }),
        },
      },
    });
  }
  // The payment's status moves to paid once per payment (a webhook or a dispatcher's mark); a refund
  // takes it on to `refunded`, never back, so this goes out once.
  if (after.payment?.status === 'paid' && before.payment?.status !== 'paid') {
    const { method, amountPaidCents, amountDueCents, paidAt, reference } = after.payment;
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobPaymentReceived',
      detail: {
        meta: meta('JobPaymentReceived'),
        data: {
          job,
          payment: {
            method,
            amountCents: amountPaidCents ?? amountDueCents ?? 0,
            paidAt: paidAt ?? after.updatedAt,
            ...(reference ? { reference } : {}),
          },
        },
      },
    });
  }
  // A refund recorded failed already (Stripe answered `failed`, or it failed before it was recorded) was
  // never "refunded" for the customer: JobRefundFailed below tells them, and nothing contradicts it.
  if (
    after.payment?.status === 'refunded' &&
    before.payment?.status === 'paid' &&
    after.payment.refundId &&
    after.payment.refundStatus !== 'failed'
  ) {
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobPaymentRefunded',
      detail: {
        meta: meta('JobPaymentRefunded'),
        data: {
          job,
          refund: {
            method: 'card',
            amountCents: after.payment.amountPaidCents ?? 0,
            refundId: after.payment.refundId,
            refundedAt: after.payment.refundedAt ?? after.updatedAt,
          },
        },
      },
    });
  }
  const failed = newlyFailedRefund(before, after);
  if (failed)
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobRefundFailed',
      detail: { meta: meta('JobRefundFailed'), data: { job, refund: { method: 'card', ...failed } } },
    });
  const paidBack = newlyPaidBackRefund(before, after);
  if (paidBack)
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobRefundPaidBack',
      detail: { meta: meta('JobRefundPaidBack'), data: { job, refund: paidBack } },
    });
  for (const { dispute, returned, was } of disputesOf(before, after)) {
    const common = {
      disputeId: dispute.disputeId,
      inquiry: dispute.inquiry === true,
      appeal: dispute.appeal === true,
      reason: dispute.reason,
      amountCents: dispute.amountCents,
      returned,
    };
    const sameAsWas =
      was?.disputeId === dispute.disputeId &&
      was.inquiry === dispute.inquiry &&
      was.appeal === dispute.appeal;
    // Opened: once per dispute, again when its inquiry becomes a chargeback (the money is gone now), and
    // when a lost one can be appealed.
    if (!sameAsWas)
      events.push({
        source: 'qdn.jobs',
        detailType: 'JobPaymentDisputed',
        detail: {
          meta: meta('JobPaymentDisputed'),
          data: {
            job,
            dispute: {
              ...common,
              ...(dispute.respondBy ? { respondBy: dispute.respondBy } : {}),
              openedAt: dispute.openedAt,
            },
          },
        },
      });
    // Closed: once per round (a closed dispute is recorded again only as its inquiry's chargeback or its
    // appeal: disputes.ts).
    const outcome = dispute.status === 'won' || dispute.status === 'lost' ? dispute.status : undefined;
    if (outcome && !(sameAsWas && was?.status === outcome))
      events.push({
        source: 'qdn.jobs',
        detailType: 'JobPaymentDisputeClosed',
        detail: {
          meta: meta('JobPaymentDisputeClosed'),
          data: { job, dispute: { ...common, outcome, closedAt: dispute.closedAt ?? after.updatedAt } },
        },
      });
  }
  const changedFields = DETAIL_FIELDS.filter((field) => !same(before[field], after[field]));
  if (changedFields.length > 0) {
    events.push({
      source: 'qdn.jobs',
      detailType: 'JobDetailsChanged',
      detail: { meta: meta('JobDetailsChanged'), data: { job, changedFields: [...changedFields] } },
    });
  }
  return events;
}

/**
 * The disputes this write changed: on the job's own payment, or on a returned one (by its session),
 * each with what was recorded before.
 */
function disputesOf(before: JobRecord, after: JobRecord) {
  const changed: { dispute: PaymentDispute; returned: boolean; was: PaymentDispute | undefined }[] = [];
  const own = after.payment?.dispute;
  if (own && !same(own, before.payment?.dispute))
    changed.push({ dispute: own, returned: false, was: before.payment?.dispute });
  for (const entry of after.returnedPayments ?? []) {
    const was = before.returnedPayments?.find(
      (earlier) => earlier.checkoutSessionId === entry.checkoutSessionId,
    )?.dispute;
    if (entry.dispute && !same(entry.dispute, was))
      changed.push({ dispute: entry.dispute, returned: true, was });
  }
  return changed;
}

/** A refund as the job's payment, or one of its returned payments, records it. */
type RecordedRefund = Pick<ReturnedPayment, 'refundId' | 'refundStatus' | 'refundFailure' | 'refundPaidBack'>;

/**
 * The refund on which this write newly recorded what `holds` looks for (each is recorded once: a failed
 * refund stays failed, a pay-back is refused twice): the job's own payment's, or a returned payment's,
 * with what it refunds.
 */
function newlyOnARefund(
  before: JobRecord,
  after: JobRecord,
  holds: (refund: RecordedRefund | undefined) => boolean,
): { refund: RecordedRefund & { refundId: string }; amountCents: number; returned: boolean } | undefined {
  const payment = after.payment;
  if (payment?.refundId && holds(payment) && !holds(before.payment))
    return {
      refund: { ...payment, refundId: payment.refundId },
      amountCents: payment.amountPaidCents ?? 0,
      returned: false,
    };
  for (const entry of after.returnedPayments ?? []) {
    const earlier = before.returnedPayments?.find((e) => e.checkoutSessionId === entry.checkoutSessionId);
    if (entry.refundId && holds(entry) && !holds(earlier))
      return {
        refund: { ...entry, refundId: entry.refundId },
        amountCents: entry.amountCents,
        returned: true,
      };
  }
  return undefined;
}

/** The refund this write recorded failed: JobRefundFailed's `refund`. */
function newlyFailedRefund(before: JobRecord, after: JobRecord) {
  const found = newlyOnARefund(before, after, (refund) => refund?.refundStatus === 'failed');
  if (!found) return undefined;
  const { refund, amountCents, returned } = found;
  return {
    amountCents,
    refundId: refund.refundId,
    reason: refund.refundFailure?.reason ?? 'unknown',
    failedAt: refund.refundFailure?.at ?? after.updatedAt,
    returned,
  };
}

/** The failed refund this write recorded paid back another way: JobRefundPaidBack's `refund`. */
function newlyPaidBackRefund(before: JobRecord, after: JobRecord) {
  const found = newlyOnARefund(before, after, (refund) => refund?.refundPaidBack !== undefined);
  const paidBack = found?.refund.refundPaidBack;
  if (!found || !paidBack) return undefined;
  return {
    refundId: found.refund.refundId,
    amountCents: found.amountCents,
    method: paidBack.method,
    ...(paidBack.reference ? { reference: paidBack.reference } : {}),
    paidBackAt: paidBack.at,
    by: paidBack.by,
    returned: found.returned,
  };
}
