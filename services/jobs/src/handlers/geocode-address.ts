import { acceptedDetailTypes } from '@qdn/shared/consumers';
import { logger } from '@qdn/shared/logging';
import { busEvents, queueConsumer } from '@qdn/shared/queue';
import { geocodeContext } from '../adapters/geocode-context.ts';
import { geocode } from '../consumers.ts';
import { geocodeJobAddress } from '../domain/geocoding.ts';

/**
 * geocode: puts coordinates on a job whose address has none (a web booking), from its own JobCreated
 * and address changes, so "arriving now" can fire for it. An address the place index can't find is a
 * recorded outcome; a place index that is down is retried, then dead-lettered.
 */
export const handler = queueConsumer(
  { consumer: geocode.name, parse: busEvents(...acceptedDetailTypes(geocode)) },
  async function geocodeAddress(event) {
    const { job } = event.detail.data;
    const outcome = await geocodeJobAddress(geocodeContext(), job);
    logger.info('Address geocoded', { outcome, version: job.version, detailType: event.detailType });
  },
);
