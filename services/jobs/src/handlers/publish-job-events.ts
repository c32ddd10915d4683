import { type StoredItem, streamPublisher } from '@qdn/shared/outbox';
import { eventsForJobChange, type JobRecord } from '../domain/job-events.ts';

// The table holds other items too (tracking links, trailer claims, booking counters); only job items
// become job events. Telemetry has a table of its own, without a stream.
const jobOf = (item: StoredItem | undefined) =>
  item?.sk === 'JOB' ? (item as unknown as JobRecord) : undefined;

/** The jobs table's stream → job events on the bus (the shared outbox publisher, @qdn/shared/outbox). */
export const handler = streamPublisher({
  eventsOf: ({ before, after }) => eventsForJobChange(jobOf(before), jobOf(after)),
});
