// Photos of the load on the booking form (optional), before the booking exists: each file gets a signed
// upload into the form's photo draft (POST /bookings/photos/uploads; the first starts the draft, whose id
// only this page holds), goes straight to the bucket, and shows checking → ready (its thumbnail) or
// refused, from GET /bookings/photos/{draftId}, in the customer's words for its code (photo-refusals.js). The booking names the draft
// (photoDraftId); a booking sent while a photo is still uploading waits for it (the draft may not exist
// yet), and one that fails meanwhile stops the booking to say so. Photos still being checked follow to
// the job by themselves.
// A photo's EXIF GPS comes back as the draft's suggested place: offered as the pickup location, used
// only when the customer says so. With the address it was taken near (the media service asks the place
// index, `label`, within 150 m) the offer names it and using it puts it in the address field; without
// one, the coordinates stand in. Either way the coordinates go with the address, and the notes say so
// for the dispatcher.
import { byId, callApi, h, postSignedUpload, setText, show } from './common.js';
import { MAX_PHOTO_MB, refusalText } from './photo-refusals.js';

/** What the media service accepts (its PHOTO_TYPES, MAX_PHOTO_BYTES, BOOKING_PHOTOS_PER_DRAFT). */
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_BYTES = MAX_PHOTO_MB * 1024 * 1024;
const MAX_PHOTOS = 10;
const HEIC = /^image\/hei[cf]/;
/** The draft is asked again this often while a photo is being checked, for at most this long. */
const POLL_MS = 1500;
const WAIT_MS = 60_000;

const place = (location) => `${location.lat.toFixed(5)}, ${location.lng.toFixed(5)}`;
/** What stands in the address field for a chosen photo place without an address. */
const placeholderAddress = (location) => `Where my photo was taken (${place(location)})`;

export function createBookingPhotos({ brandId }) {
  const list = byId('booking-photos');
  const input = byId('photos-input');
  const status = byId('photos-status');
  const address = byId('address');
  let draftId;
  /** photoId → its list item, in the order picked. */
  const items = new Map();
  let polling = false;
  /** The files picked last being uploaded (each signed into the draft, then sent to the bucket). */
  let uploading = Promise.resolve();
  let busy = false;
  /** How many photos didn't upload (the booking compares before and after waiting for them). */
  let failures = 0;
  /** The photo location the customer chose to use, and the suggestion they answered (yes or no). */
  let chosen;
  let answered;
  let suggested;
  /** The address field before the photo's address was put in it (given back by "Don't use it"). */
  let addressBefore;

  function item(name) {
    const state = h('span', { class: 'photo-state' }, 'Uploading…');
    const li = h(
      'li',
      { class: 'photo booking-photo' },
      h('span', { class: 'photo-placeholder', 'aria-hidden': 'true' }, name),
      state,
    );
    list.append(li);
    return { li, state };
  }

  /** `text`: what the customer reads under the photo (the page's own words, never the checks'). */
  function refuse(entry, text) {
    entry.li.classList.add('refused');
    setText(entry.state, text);
  }

  /** The draft as the service sees it now: each photo's state, and the place to offer. */
  async function refreshDraft() {
    const answer = await callApi(`/bookings/photos/${encodeURIComponent(draftId)}`);
    if (!answer.ok) return false;
    const { photos, refused } = answer.data;
    photos.forEach((photo) => {
      const entry = items.get(photo.photoId);
      if (!entry || entry.ready) return;
      entry.ready = true;
      const number = [...items.keys()].indexOf(photo.photoId) + 1;
      entry.li.firstChild.replaceWith(
        h('img', { src: photo.thumbnailUrl, alt: `Photo ${number} of your load` }),
      );
      setText(entry.state, 'Ready');
    });
    for (const { photoId, code } of refused) {
      const entry = items.get(photoId);
      if (entry && !entry.refused) {
        entry.refused = true;
        refuse(entry, refusalText(code));
      }
    }
    offerLocation(answer.data.suggestedLocation);
    return [...items.values()].every((entry) => entry.ready || entry.refused || entry.failed);
  }

  async function pollDraft() {
    if (polling) return;
    polling = true;
    const deadline = Date.now() + WAIT_MS;
    try {
      while (Date.now() < deadline) {
        if (await refreshDraft().catch(() => false)) return;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      for (const entry of items.values()) {
        if (!entry.ready && !entry.refused && !entry.failed)
          setText(entry.state, 'Still checking; it will reach us with your booking');
      }
    } finally {
      polling = false;
    }
  }

  /** One file: a signed upload into the draft, then the file straight to the bucket. */
  async function upload(file) {
    const entry = item(file.name);
    const fail = (text) => {
      entry.failed = true;
      failures++;
      refuse(entry, text);
    };
    try {
      await send(file, entry, fail);
    } catch {
      // The connection dropped: this photo says so (the next ones are still tried).
      fail('Not uploaded. The connection dropped; please check it and add this photo again.');
    }
  }

  async function send(file, entry, fail) {
    // The service's own checks would refuse these: said at once, in the same words.
    if (HEIC.test(file.type)) return fail(refusalText('Heic'));
    if (!TYPES.includes(file.type)) return fail(refusalText('WrongFileType'));
    if (file.size > MAX_BYTES) return fail(refusalText('TooLarge'));
    if (file.size === 0) return fail(refusalText('Empty'));
    const ticket = await callApi('/bookings/photos/uploads', {
      method: 'POST',
      body: { brandId, contentType: file.type, size: file.size, ...(draftId ? { draftId } : {}) },
    });
    if (!ticket.ok) {
      return fail(
        ticket.status === 409
          ? `Not used. A booking takes up to ${MAX_PHOTOS} photos.`
          : ticket.status === 429
            ? 'Not used. Too many photos from this network just now; please try again later.'
            : 'Not uploaded. We couldn’t take this photo just now; please add it again.',
      );
    }
    draftId = ticket.data.draftId;
    items.set(ticket.data.photoId, entry);
    if (!(await postSignedUpload(ticket.data.upload, file)))
      return fail('Not uploaded. The upload didn’t go through; please add this photo again.');
    setText(entry.state, 'Checking…');
  }

  function offerLocation(location) {
    if (!location || chosen || answered === place(location)) return;
    suggested = location;
    setText(
      byId('photo-location-text'),
      location.label
        ? `Your photo was taken near ${location.label}. Use this location as the pickup?`
        : `Your photo was taken at ${place(location)}. Use this photo’s location as the pickup?`,
    );
    show(byId('photo-location-ask'), true);
    show(byId('photo-location-undo'), false);
    show(byId('photo-location'), true);
  }

  byId('photo-location-use').addEventListener('click', () => {
    chosen = suggested;
    answered = place(chosen);
    addressBefore = address.value;
    if (chosen.label) {
      // The address it was taken near is the pickup address (the coordinates still go with it).
      address.value = chosen.label;
    } else if (!address.value.trim()) {
      // No address yet: the place itself stands in for one (the customer may still write it over).
      address.value = placeholderAddress(chosen);
    }
    setText(
      byId('photo-location-text'),
      chosen.label
        ? `Pickup at ${chosen.label}, where your photo was taken. We’ll confirm the exact spot with you.`
        : `Pickup at your photo’s location (${place(chosen)}). We’ll confirm the exact spot with you.`,
    );
    show(byId('photo-location-ask'), false);
    show(byId('photo-location-undo'), true);
    byId('photo-location-undo').focus();
  });
  byId('photo-location-dismiss').addEventListener('click', () => {
    answered = place(suggested);
    show(byId('photo-location'), false);
    address.focus();
  });
  byId('photo-location-undo').addEventListener('click', () => {
    // Only what the photo put there is taken back; an address the customer wrote since stays.
    if (address.value === (chosen.label ?? placeholderAddress(chosen))) address.value = addressBefore ?? '';
    chosen = undefined;
    answered = place(suggested);
    show(byId('photo-location'), false);
    address.focus();
  });
  // The address changed after the photo's place was chosen: the two may no longer agree, so the place
  // is no longer used and the question is asked again.
  address.addEventListener('input', () => {
    if (!chosen) return;
    chosen = undefined;
    answered = undefined;
    offerLocation(suggested);
  });

  input.addEventListener('change', async () => {
    const files = [...input.files];
    input.value = '';
    if (files.length === 0) return;
    input.disabled = true;
    setText(status, files.length === 1 ? 'Uploading your photo…' : `Uploading ${files.length} photos…`);
    busy = true;
    uploading = (async () => {
      // One at a time: the first starts the draft the next ones are added to.
      for (const file of files) await upload(file);
    })();
    await uploading;
    busy = false;
    input.disabled = false;
    if (draftId) {
      await pollDraft();
      const ready = [...items.values()].filter((entry) => entry.ready).length;
      setText(
        status,
        ready ? `${ready} photo${ready === 1 ? '' : 's'} ready to send with your booking.` : '',
      );
    } else setText(status, '');
  });

  return {
    /** Whether a photo is still on its way to the draft (the booking waits for it: settled()). */
    uploading() {
      return busy;
    },
    /**
     * Resolves once the photos picked so far are uploaded (or failed), so the booking names the draft
     * even when its first photo was still being signed. Their checks need not finish: photos still being
     * checked follow to the job. `failed` is how many didn't upload while the booking waited: the
     * customer hasn't seen those yet, so the form stops to say so rather than send without them.
     */
    async settled() {
      const before = failures;
      let current;
      do {
        current = uploading;
        await current;
      } while (current !== uploading);
      return { failed: failures - before };
    },
    /** What the booking sends: the draft (when a photo was signed) and the photo's place when chosen. */
    bookingFields() {
      return {
        ...(draftId ? { photoDraftId: draftId } : {}),
        ...(chosen ? { location: chosen } : {}),
      };
    },
  };
}
