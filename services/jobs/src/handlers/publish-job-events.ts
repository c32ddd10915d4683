import { streamPublisher } from '@qdn/shared/outbox';
import { jobOfItem } from '../adapters/stored-job.ts';
import { eventsForJobChange } from '../domain/job-events.ts';

/**
 * The jobs table's stream → job events on the bus (the shared outbox publisher, @qdn/shared/outbox).
 * The table holds other items too (tracking links, trailer claims, booking counters); only job items
 * become job events (jobOfItem). Telemetry has a table of its own, without a stream.
 */
export const handler = streamPublisher({
  eventsOf: ({ before, after }) => eventsForJobChange(jobOfItem(before), jobOfItem(after)),
});
