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
