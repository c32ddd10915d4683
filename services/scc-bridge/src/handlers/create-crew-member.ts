import { httpHandler } from '@qdn/shared/http';
import { rosterContext } from '../adapters/bridge-context.ts';
import { CreateCrewMemberInput } from '../domain/crew-member.ts';
import { createCrewMember } from '../domain/roster-commands.ts';

/** POST /crew-members (admin) → 201 `{ crewMember }`. */
export const handler = httpHandler(
  { roles: ['admin'], body: CreateCrewMemberInput },
  async function createCrewMemberRoute({ body, principal }) {
    return {
      statusCode: 201,
      body: { crewMember: await createCrewMember(rosterContext(), body, principal!) },
    };
  },
);
