import * as z from 'zod';

// What the crew link routes accept, shared by the handlers and the fuzz suite. The token is never a
// reason for a 400: a too-long or odd one becomes '' and gets the same 404 as an unknown link.

/** `GET /crew/{token}` (public). */
export const CrewLinkParams = z.object({ token: z.string().max(128).catch('') });

/** `POST /crew/{token}/checklist/{itemId}` (public). */
export const ChecklistItemParams = z.object({
  token: z.string().max(128).catch(''),
  itemId: z.string().max(80),
});

/** `POST /crew/{token}/checklist/{itemId}` body. */
export const ChecklistTickInput = z.strictObject({ done: z.boolean() });

/** `GET /crew-members` takes no query. */
export const ListCrewMembersQuery = z.strictObject({});
