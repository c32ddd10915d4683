import { ConflictError, NotFoundError } from '@qdn/shared/errors';
import type { DomainEvent } from '@qdn/shared/events';
import type { NotificationsContext } from './ports.ts';

export type ConsentRestoration =
  | { restored: true; phone: string }
  /** Already texting the number again (restored before, or the customer replied START). */
  | { restored: false; phone: string; reason: 'not-opted-out' };

/**
 * A dispatcher undoes a revocation read into a customer's reply ("stop by at 3" taken as "stop"): one
 * action, on that reply, from the job's messages. The number is texted again and the undo is audited
 * (who, when, which reply; next to the number and on the job's timeline). Only a reply's suppression
 * can be undone this way: a STOP is Twilio's too (it blocks the number until the customer texts START),
 * so only the customer can lift it.
 */
export async function restoreConsentAfterMisreading(
  deps: Pick<NotificationsContext, 'store' | 'now'>,
  request: { jobId: string; messageSid: string; dispatcherId: string },
): Promise<ConsentRestoration> {
  const [job, { entries }] = await Promise.all([
    deps.store.job(request.jobId),
    deps.store.timeline(request.jobId),
  ]);
  const reply = entries.find(
    (entry) =>
      entry.type === 'SmsReceived' &&
      entry.messageSid === request.messageSid &&
      entry.revokedConsent === true,
  );
  // The same answer for an unknown job, an unknown message and a reply that revoked nothing.
  if (!job || !reply) throw new NotFoundError('No reply of this job was read as an opt-out');
  const phone = String(reply.from);
  const suppression = await deps.store.suppression(phone);
  if (!suppression) return { restored: false, phone, reason: 'not-opted-out' };
  // The suppression lifted and the audit record stored in one write; the audit record's insert is
  // what publishes SmsConsentRestored (the messages table's stream, consentRestoredEventsOf).
  const restored = await deps.store.restoreConsent(phone, {
    by: request.dispatcherId,
    messageSid: request.messageSid,
    at: deps.now(),
    jobId: request.jobId,
    brandId: job.brandId,
  });
  if (!restored) {
    throw new ConflictError(
      suppression.source === 'reply'
        ? 'The opt-out changed meanwhile; reload and try again'
        : 'The customer also texted STOP: only they can opt back in, by texting START',
    );
  }
  return { restored: true, phone };
}

/** A dispatcher's undo of a misread revocation, as the audit record next to the number keeps it. */
export interface ConsentRestorationRecord {
  phone: string;
  by: string;
  messageSid: string;
  at: string;
  jobId: string;
  brandId: string;
}

/** The event a stored restoration stands for: SmsConsentRestored, once, when the record is first written. */
export function consentRestoredEventsOf(
  before: ConsentRestorationRecord | undefined,
  after: ConsentRestorationRecord | undefined,
): DomainEvent[] {
  if (!after || before) return [];
  const event: DomainEvent<'SmsConsentRestored'> = {
    source: 'qdn.notifications',
    detailType: 'SmsConsentRestored',
    detail: {
      meta: {
        eventId: `consent-restored:${after.messageSid}:${Date.parse(after.at)}`,
        occurredAt: after.at,
        brandId: after.brandId,
        jobId: after.jobId,
        actor: after.by,
        correlationId: after.messageSid,
      },
      data: { messageSid: after.messageSid, phone: after.phone },
    },
  };
  return [event];
}
