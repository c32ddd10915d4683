import { createHash } from 'node:crypto';

/**
 * Photos with the quote (issue 19): the booking form uploads photos of the load to a draft before the
 * booking exists. The page holds the draft's id (128 random bits, 22 base64url characters: the grant to
 * add to it and see it); everything else — the media bucket's keys, the photos table, the booking's job
 * and the events that carry it — knows the draft only by this hash of the id, which grants nothing.
 * Both services derive it here, so the job's reference names the media service's draft.
 */
export function bookingPhotoDraftRef(draftId: string): string {
  return createHash('sha256').update(`booking-photos:v1:${draftId}`).digest('base64url').slice(0, 43);
}

/** A draft id as the media service issues it. */
export const BOOKING_PHOTO_DRAFT_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Why a photo was refused, as a stable code (the media API's `refused[].code`) the pages put in their own
 * words; the `reason` beside it is the checks' wording, for staff and logs. Over the size limit, empty,
 * not the type it was declared as (or no accepted type at all), unreadable as an image, or its upload
 * ticket expired unused; `Unknown` for refusals recorded before codes were. Shared so the booking page's
 * words are tested against every code.
 */
export const REFUSAL_CODES = [
  'TooLarge',
  'Empty',
  'WrongFileType',
  'Unreadable',
  'TicketExpired',
  'Unknown',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];
