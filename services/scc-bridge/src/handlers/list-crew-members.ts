import { httpHandler } from '@qdn/shared/http';
import { rosterContext } from '../adapters/bridge-context.ts';
import { ListCrewMembersQuery } from '../domain/crew-link-input.ts';
import { listCrewMembers } from '../domain/roster-commands.ts';

/** GET /crew-members (dispatcher, admin) → `{ crewMembers }`. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], query: ListCrewMembersQuery },
  async function listCrewMembersRoute() {
    return { body: { crewMembers: await listCrewMembers(rosterContext()) } };
  },
);
