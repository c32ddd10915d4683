import { httpHandler } from '@qdn/shared/http';
import { rosterContext } from '../adapters/bridge-context.ts';
import { CrewIdParams, UpdateCrewMemberInput } from '../domain/crew-member.ts';
import { updateCrewMember } from '../domain/roster-commands.ts';

/** PATCH /crew-members/{crewId} (admin) → `{ crewMember }`; unknown → 404. */
export const handler = httpHandler(
  { roles: ['admin'], params: CrewIdParams, body: UpdateCrewMemberInput },
  async function updateCrewMemberRoute({ params, body, principal }) {
    return { body: { crewMember: await updateCrewMember(rosterContext(), params.crewId, body, principal!) } };
  },
);
