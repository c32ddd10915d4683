import type { ReceivedEvent, SmsConsent } from '@qdn/shared/events';
import { redactLinkTokens } from '@qdn/shared/tracking-link';
import type { DeliveryStatus, TimelineEntry, TrackingLinkSeen } from './ports.ts';

// Delivery statuses in the order Twilio moves through them; failed/undelivered/delivered are final.
const STATUS_RANK: Record<string, number> = {
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sending: 3,
  sent: 4,
  receiving: 4,
  received: 5,
  delivered: 6,
  read: 7,
  undelivered: 8,
  failed: 8,
  canceled: 8,
};

/** How far along a delivery status is; a callback may only move a message to a higher rank. */
export function deliveryRank(status: string): number {
  return STATUS_RANK[status] ?? 0;
}

/** The job an event belongs to, if any. */
function jobIdOf(event: ReceivedEvent): string | undefined {
  const detail = event.detail as { meta: { jobId?: string }; data: { jobId?: string } };
  return detail.meta.jobId ?? detail.data.jobId;
}

/**
 * One timeline line per event about a job: what happened, when, by whom, with the event's data
 * (the job snapshot of job events is reduced to its status — the dashboard has the job itself).
 */
export function timelineEntryFor(event: ReceivedEvent): TimelineEntry | undefined {
  const jobId = jobIdOf(event);
  if (!jobId) return undefined;
  const { meta, data } = event.detail as {
    meta: { eventId: string; occurredAt: string; actor?: string; version?: number };
    data: Record<string, unknown>;
  };
  const { job, ...fields } = data as {
    job?: { status: string; smsConsent?: SmsConsent };
    [field: string]: unknown;
  };
  // The consent to texts shows where it was given: with the job, or with the edit that recorded it.
  const consentRecorded =
    event.detailType === 'JobCreated' ||
    (event.detailType === 'JobDetailsChanged' &&
      (fields.changedFields as string[] | undefined)?.includes('smsConsent'));
  const direction =
    event.detailType === 'SmsReceived'
      ? 'inbound'
      : event.detailType.startsWith('Sms')
        ? 'outbound'
        : undefined;
  return {
    ...redactedFields(fields),
    jobId,
    at: meta.occurredAt,
    type: event.detailType,
    eventId: meta.eventId,
    ...(meta.actor ? { actor: meta.actor } : {}),
    ...(meta.version !== undefined ? { version: meta.version } : {}),
    ...(job ? { status: job.status } : {}),
    ...(consentRecorded ? { smsConsent: job?.smsConsent ?? 'none' } : {}),
    ...(direction && fields.messageSid ? { direction } : {}),
  };
}

/**
 * An event's fields as the timeline keeps them: any page token in them (an SMS body with its tracking
 * link, an event from before links travelled by id) redacted, so a timeline opens nothing.
 */
function redactedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(redactLinkTokens(JSON.stringify(fields))) as Record<string, unknown>;
}

/**
 * The job's tracking link an event names, if any: a TrackingLinkIssued (a rotation) or a job event's
 * snapshot. Kept so a customer's grant from a rotated link is refused here too.
 */
export function trackingLinkOf(event: ReceivedEvent): TrackingLinkSeen | undefined {
  const { meta, data } = event.detail as {
    meta: { jobId?: string; version?: number };
    data: {
      jobId?: string;
      linkId?: string;
      job?: { jobId: string; version: number; trackingLinkId?: string };
    };
  };
  if (event.detailType === 'TrackingLinkIssued' && data.linkId && meta.version !== undefined) {
    return { jobId: meta.jobId ?? data.jobId!, linkId: data.linkId, version: meta.version };
  }
  if (data.job?.trackingLinkId) {
    return { jobId: data.job.jobId, linkId: data.job.trackingLinkId, version: data.job.version };
  }
  return undefined;
}

function ordered(entries: TimelineEntry[]): TimelineEntry[] {
  return [...entries].sort(
    (a, b) =>
      a.at.localeCompare(b.at) ||
      Number(a.version ?? 0) - Number(b.version ?? 0) ||
      a.eventId.localeCompare(b.eventId),
  );
}

/** The dashboard's timeline: every entry oldest first, SMS entries with their latest delivery status. */
export function dashboardTimeline(
  entries: TimelineEntry[],
  deliveries: Map<string, DeliveryStatus>,
): TimelineEntry[] {
  return ordered(entries).map((entry) => {
    const delivery = typeof entry.messageSid === 'string' ? deliveries.get(entry.messageSid) : undefined;
    if (!delivery || entry.type !== 'SmsSent') return entry;
    return {
      ...entry,
      status: delivery.status,
      ...(delivery.errorCode ? { errorCode: delivery.errorCode } : {}),
    };
  });
}

export interface CustomerMessage {
  at: string;
  direction: 'outbound' | 'inbound';
  body: string;
  status: string;
}

/** What the customer sees on the tracking page: their own messages with us, nothing else. */
export function customerThread(
  entries: TimelineEntry[],
  deliveries: Map<string, DeliveryStatus>,
): CustomerMessage[] {
  return dashboardTimeline(entries, deliveries)
    .filter(
      (entry) =>
        (entry.type === 'SmsSent' || entry.type === 'SmsReceived') &&
        entry.audience === 'customer' &&
        entry.keyword === undefined,
    )
    .map((entry) => ({
      at: entry.at,
      direction: entry.type === 'SmsReceived' ? 'inbound' : 'outbound',
      body: String(entry.body),
      status: entry.type === 'SmsReceived' ? 'received' : String(entry.status),
    }));
}
