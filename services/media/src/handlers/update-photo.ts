import { httpHandler } from '@qdn/shared/http';
import { mediaContext } from '../adapters/media-context.ts';
import { setCustomerVisible } from '../domain/photo-commands.ts';
import { PhotoPath, PhotoUpdate } from '../domain/photo-input.ts';

/** PATCH /jobs/{jobId}/photos/{photoId} (dispatcher, admin) `{ customerVisible }` → the photo. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: PhotoPath, body: PhotoUpdate },
  async function updatePhotoRoute({ params, body }) {
    return {
      body: await setCustomerVisible(mediaContext(), params.jobId, params.photoId, body.customerVisible),
    };
  },
);
