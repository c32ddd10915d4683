import { httpHandler } from '@qdn/shared/http';
import { mediaContext } from '../adapters/media-context.ts';
import { listStaffPhotos } from '../domain/photo-commands.ts';
import { JobPath } from '../domain/photo-input.ts';

/** GET /jobs/{jobId}/photos (dispatcher, admin, driver) → `{ photos }` with presigned GETs, newest first. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobPath },
  async function listPhotosRoute({ params, principal }) {
    return { body: { photos: await listStaffPhotos(mediaContext(), params.jobId, principal!) } };
  },
);
