import { httpHandler } from '@qdn/shared/http';
import { z } from 'zod';
import { rosterContext } from '../adapters/bridge-context.ts';
import { listCrewMembers } from '../domain/roster-commands.ts';

/** GET /crew-members (dispatcher, admin) → `{ crewMembers }`. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], query: z.strictObject({}) },
  async function listCrewMembersRoute() {
    return { body: { crewMembers: await listCrewMembers(rosterContext()) } };
  },
);
