import { httpHandler } from '@qdn/shared/http';
import { mediaContext } from '../adapters/media-context.ts';
import { deletePhoto } from '../domain/photo-commands.ts';
import { PhotoPath } from '../domain/photo-input.ts';

/** DELETE /jobs/{jobId}/photos/{photoId} (dispatcher, admin) → 204; the original and thumbnail are deleted. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], params: PhotoPath },
  async function deletePhotoRoute({ params }) {
    await deletePhoto(mediaContext(), params.jobId, params.photoId);
    return { statusCode: 204 };
  },
);
