import { httpHandler } from '@qdn/shared/http';
import { mediaContext } from '../adapters/media-context.ts';
import { requestUpload } from '../domain/photo-commands.ts';
import { JobPath, UploadRequest } from '../domain/photo-input.ts';

/** POST /jobs/{jobId}/photos/uploads (dispatcher, admin, driver) → 201 `{ photoId, upload: { url, fields }, expiresAt }`. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin', 'driver'], params: JobPath, body: UploadRequest },
  async function createPhotoUploadRoute({ params, body, principal }) {
    const uploader = { kind: 'staff', userId: principal!.userId } as const;
    return {
      statusCode: 201,
      body: await requestUpload(mediaContext(), params.jobId, body, uploader, principal),
    };
  },
);
