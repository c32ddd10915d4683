import { loadBrands } from '@qdn/shared/brand-loader';
import { streamPublisher } from '@qdn/shared/outbox';
import { storedMemberOf, storedTickOf } from '../adapters/crew-store.ts';
import { tickEventsOf } from '../domain/checklist.ts';
import { memberStatusEventsOf } from '../domain/roster-commands.ts';

/**
 * The crew table's stream → CrewChecklistItemTicked for each new tick revision, CrewMemberStatusChanged
 * for each roster member added inactive or (de)activated (@qdn/shared/outbox). The brand catalog is read
 * only for a roster change: its default brand files the event.
 */
export const handler = streamPublisher({
  async eventsOf({ before, after }) {
    const [memberBefore, memberAfter] = [storedMemberOf(before), storedMemberOf(after)];
    if (memberBefore || memberAfter) {
      const { defaultBrandId } = await loadBrands();
      return memberStatusEventsOf(memberBefore, memberAfter, defaultBrandId);
    }
    return tickEventsOf(storedTickOf(before), storedTickOf(after));
  },
});
