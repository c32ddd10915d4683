import { streamPublisher } from '@qdn/shared/outbox';
import { photoOf } from '../adapters/photo-store.ts';
import { photoEventsOf } from '../domain/photo-checks.ts';

/** The photos table's stream → PhotoAdded when a photo is stored (@qdn/shared/outbox). */
export const handler = streamPublisher({
  eventsOf: ({ before, after }) => photoEventsOf(photoOf(before), photoOf(after)),
});
