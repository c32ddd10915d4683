import { streamPublisher } from '@qdn/shared/outbox';
import { restorationRecordOf, sendRecordOf } from '../adapters/notification-store.ts';
import { consentRestoredEventsOf } from '../domain/consent-restoration.ts';
import { outcomeEventsOf } from '../domain/delivery.ts';

/**
 * The messages table's stream → SmsSent, SmsFailed, SmsSuppressed when an outcome is stored, and
 * SmsConsentRestored when a dispatcher's undo is recorded (@qdn/shared/outbox).
 */
export const handler = streamPublisher({
  eventsOf: ({ before, after }) => [
    ...outcomeEventsOf(sendRecordOf(before), sendRecordOf(after)),
    ...consentRestoredEventsOf(restorationRecordOf(before), restorationRecordOf(after)),
  ],
});
