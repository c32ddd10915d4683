import { streamPublisher } from '@qdn/shared/outbox';
import { sendRecordOf } from '../adapters/notification-store.ts';
import { outcomeEventsOf } from '../domain/delivery.ts';

/** The messages table's stream → SmsSent, SmsFailed, SmsSuppressed when an outcome is stored (@qdn/shared/outbox). */
export const handler = streamPublisher({
  eventsOf: ({ before, after }) => outcomeEventsOf(sendRecordOf(before), sendRecordOf(after)),
});
