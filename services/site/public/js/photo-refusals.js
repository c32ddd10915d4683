// Why a photo of the load wasn't used, in the customer's words. The media service says why by a stable
// code (GET /bookings/photos/{draftId}: refused[].code; its `reason` is the checks' wording, for staff);
// the page's own checks before uploading speak the same words. Pure, so it is unit-tested.

/** The largest photo the media service takes (its MAX_PHOTO_BYTES), in the MB the customer reads. */
export const MAX_PHOTO_MB = 10;

const WORDS = {
  WrongFileType: 'This file isn’t a photo we can use — try taking the photo again or choose a JPEG.',
  Unreadable: 'This photo couldn’t be opened; it may be damaged. Try taking it again, or choose another.',
  TooLarge: `Too large (max ${MAX_PHOTO_MB} MB). Try a smaller photo, or send it to us by text.`,
  Empty: 'This file is empty. Please choose the photo again.',
  TicketExpired: 'The upload took too long. Please add this photo again.',
  Heic: 'HEIC photos can’t be used. On an iPhone: Settings → Camera → Formats → Most Compatible, or choose a JPEG.',
};
const ANY_OTHER = 'We couldn’t use this photo. Try taking it again, or choose another.';

/** What the picker shows under a photo that wasn't used (a code it doesn't know gets the general words). */
export function refusalText(code) {
  return `Not used. ${Object.hasOwn(WORDS, code) ? WORDS[code] : ANY_OTHER}`;
}
