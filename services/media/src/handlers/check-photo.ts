import { S3EventNotificationEventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/s3';
import { logger } from '@qdn/shared/logging';
import { queueConsumer } from '@qdn/shared/queue';
import { photoCheckContext } from '../adapters/photo-check-context.ts';
import { photos } from '../consumers.ts';
import { checkUpload } from '../domain/photo-checks.ts';

/**
 * S3 "Object Created" in the upload inbox (rule → queue → here): checks the upload, reads its EXIF,
 * writes the thumbnail, stores the photo and publishes PhotoAdded; a bad file is deleted and recorded.
 */
export const handler = queueConsumer(
  { consumer: photos.name, parse: (body) => S3EventNotificationEventBridgeSchema.parse(body) },
  async function checkUploadedPhoto(event) {
    const photo = await checkUpload(photoCheckContext(), { key: event.detail.object.key });
    if (photo)
      logger.info('Photo stored', { jobId: photo.jobId, photoId: photo.photoId, bytes: photo.bytes });
  },
);
