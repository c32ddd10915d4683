import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { mediaContext } from '../adapters/media-context.ts';
import { bookingPhotos } from '../consumers.ts';
import { claimBookingPhotos } from '../domain/booking-photos.ts';

/**
 * JobCreated naming a photo draft (rule → queue → here): the draft is claimed for the job and its
 * checked photos copied onto it (PhotoAdded each, from the photos table's stream). A draft another job
 * holds is a recorded failure (PhotoDraftClaimed), acknowledged.
 */
export const handler = queueConsumer(
  { consumer: bookingPhotos.name, parse: busEvents(...acceptedDetailTypes(bookingPhotos)) },
  async function claimBookingPhotosOfJob(event) {
    const outcome = await claimBookingPhotos(mediaContext(), event.detail.data.job);
    logger.info('Booking photos claimed', { jobId: event.detail.data.job.jobId, ...outcome });
  },
);
