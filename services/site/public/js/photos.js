// The job's photos on the tracking and guest pages, and adding one from the phone: the media service
// signs an upload for the tracking grant, the phone posts the file straight to the bucket, and the photo
// shows once the service has checked it (a few seconds).
import { byId, callApi, formatInstant, h, postSignedUpload, setText, show } from './common.js';

/** What the media service accepts (its PHOTO_TYPES and MAX_PHOTO_BYTES). */
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_BYTES = 10 * 1024 * 1024;
const HEIC = /^image\/hei[cf]/;
/** After an upload the gallery is asked again this often until the photo is there. */
const AFTER_UPLOAD_POLL_MS = 1500;
const AFTER_UPLOAD_WAIT_MS = 60_000;

function photoTitle(photo, timeZone) {
  const when = photo.takenAt ?? photo.storedAt;
  const who = photo.from === 'customer' ? 'Your photo' : 'Photo from our team';
  return when ? `${who}, ${formatInstant(when, timeZone)}` : who;
}

export function createPhotoGallery({ jobId, grant, timeZone }) {
  const list = byId('photo-list');
  const input = byId('photo-input');
  const status = byId('upload-status');

  /**
   * Adds photos not shown yet and drops those gone; a photo already shown keeps its image (its signed
   * URL changes on every answer, and swapping it would reload the picture).
   */
  async function refresh() {
    const answer = await callApi(`/track/jobs/${encodeURIComponent(jobId)}/photos`, { grant: grant() });
    if (!answer.ok) return [];
    const photos = answer.data.photos;
    const shown = new Map([...list.children].map((item) => [item.dataset.photoId, item]));
    // Oldest first, each put on top: the newest ends up first, as the service lists them.
    for (const photo of [...photos].reverse()) {
      const item = shown.get(photo.photoId);
      if (item) {
        item.querySelector('a').href = photo.originalUrl;
        shown.delete(photo.photoId);
        continue;
      }
      const title = photoTitle(photo, timeZone);
      list.prepend(
        h(
          'li',
          { class: 'photo', 'data-photo-id': photo.photoId },
          h(
            'a',
            { href: photo.originalUrl, target: '_blank', rel: 'noopener noreferrer' },
            h('img', { src: photo.thumbnailUrl, alt: title, loading: 'lazy' }),
          ),
        ),
      );
    }
    for (const gone of shown.values()) gone.remove();
    show(byId('no-photos'), list.children.length === 0);
    return photos;
  }

  async function waitForPhoto(photoId) {
    const deadline = Date.now() + AFTER_UPLOAD_WAIT_MS;
    while (Date.now() < deadline) {
      const photos = await refresh();
      if (photos.some((photo) => photo.photoId === photoId)) return true;
      await new Promise((resolve) => setTimeout(resolve, AFTER_UPLOAD_POLL_MS));
    }
    return false;
  }

  async function upload(file) {
    if (HEIC.test(file.type)) {
      return setText(
        status,
        'HEIC photos can’t be used. Share the photo as JPEG (iPhone: Settings → Camera → Formats → Most Compatible).',
      );
    }
    if (!TYPES.includes(file.type)) return setText(status, 'Please choose a JPEG, PNG or WebP photo.');
    if (file.size > MAX_BYTES)
      return setText(status, 'That photo is over 10 MB. Please choose a smaller one.');
    setText(status, 'Uploading your photo…');
    const ticket = await callApi(`/track/jobs/${encodeURIComponent(jobId)}/photos/uploads`, {
      method: 'POST',
      body: { contentType: file.type, size: file.size },
      grant: grant(),
    });
    if (!ticket.ok) {
      const reason =
        ticket.status === 409
          ? 'This job already has as many photos from you as we can take.'
          : (ticket.data?.details?.[0]?.message ?? 'We couldn’t take this photo. Please try again.');
      return setText(status, reason);
    }
    if (!(await postSignedUpload(ticket.data.upload, file)))
      return setText(status, 'The upload didn’t go through. Please try again.');
    setText(status, 'Uploaded — checking your photo…');
    const added = await waitForPhoto(ticket.data.photoId);
    setText(
      status,
      added ? 'Photo added. Thank you!' : 'Your photo is taking a while; it will appear here shortly.',
    );
  }

  input.addEventListener('change', async () => {
    const [file] = input.files;
    if (!file) return;
    input.disabled = true;
    try {
      await upload(file);
    } catch {
      setText(status, 'The upload didn’t go through. Please check your connection and try again.');
    } finally {
      input.disabled = false;
      input.value = '';
    }
  });

  return { refresh };
}
