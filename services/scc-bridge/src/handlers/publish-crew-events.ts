import { streamPublisher } from '@qdn/shared/outbox';
import { storedTickOf } from '../adapters/crew-store.ts';
import { tickEventsOf } from '../domain/checklist.ts';

/** The crew table's stream → CrewChecklistItemTicked for each new tick revision (@qdn/shared/outbox). */
export const handler = streamPublisher({
  eventsOf: ({ before, after }) => tickEventsOf(storedTickOf(before), storedTickOf(after)),
});
