import { describe, expect, it } from '@jest/globals';
import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import { NotFoundError } from '@qdn/shared/errors';
import {
  BOOKING_PHOTOS_PER_DRAFT,
  draftJobId,
  listBookingPhotos,
  requestBookingUpload,
} from '../../src/domain/booking-photos.ts';
import { checkUpload } from '../../src/domain/photo-checks.ts';
import { fakeImages, JPEG, PNG, photoCheckContext } from './fakes.ts';

// Photos with the quote: uploads from the booking form before any job exists, into a draft.
const DRAFT = 'AAAAAAAAAAAAAAAAAAAAAA';
const client = { sourceIp: '203.0.113.9' };

function bookingContext(exif: Record<string, unknown> = {}) {
  const setup = photoCheckContext({ images: fakeImages(exif) });
  let drafts = 0;
  const context = {
    ...setup.context,
    newDraftId: () => `draft-id-${String(++drafts).padStart(13, '0')}`,
    timeZoneOf: async (brandId: string) => {
      if (brandId !== 'qdn') throw new NotFoundError(`Unknown brand ${brandId}`);
      return 'America/Los_Angeles';
    },
  };
  return { ...setup, context };
}

describe('photos with the quote', () => {
  it('given a first photo, then a new draft whose photos are kept under its hash, never the id itself', async () => {
    // Prepare
    const { context } = bookingContext();

    // Act
    const ticket = await requestBookingUpload(
      context,
      { brandId: 'qdn', contentType: 'image/jpeg', size: 12 },
      client,
    );
    const second = await requestBookingUpload(
      context,
      { brandId: 'qdn', draftId: ticket.draftId, contentType: 'image/png', size: 12 },
      client,
    );

    // Assess
    expect(ticket.draftId).toBe('draft-id-0000000000001');
    expect(second.draftId).toBe(ticket.draftId);
    const jobId = draftJobId(ticket.draftId);
    // The same hash the booking's job carries (@qdn/shared/booking-photos), so the two meet.
    expect(jobId).toBe(`draft_${bookingPhotoDraftRef(ticket.draftId)}`);
    expect(context.storage.signed.map((signed) => signed.key)).toEqual([
      `photos/${jobId}/${ticket.photoId}.jpg`,
      `photos/${jobId}/${second.photoId}.png`,
    ]);
    expect(JSON.stringify([...context.photos.photos.values()])).not.toContain(ticket.draftId);
  });

  it('given an unknown brand, then 404 and nothing signed', async () => {
    const { context } = bookingContext();
    await expect(
      requestBookingUpload(context, { brandId: 'nope', contentType: 'image/jpeg', size: 12 }, client),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(context.storage.signed).toEqual([]);
  });

  it(`given ${BOOKING_PHOTOS_PER_DRAFT} live photos, then 409; a refused one gives its place back`, async () => {
    // Prepare
    const { context } = bookingContext();
    const upload = () =>
      requestBookingUpload(
        context,
        { brandId: 'qdn', draftId: DRAFT, contentType: 'image/jpeg', size: 12 },
        client,
      );
    const tickets = [];
    for (let index = 0; index < BOOKING_PHOTOS_PER_DRAFT; index++) tickets.push(await upload());

    // Act
    const refused = await upload().catch((error: unknown) => error);
    await context.storage.write(`photos/${draftJobId(DRAFT)}/${tickets[0]!.photoId}.jpg`, PNG, 'image/jpeg');
    // A PNG declared as a JPEG: refused by the photo checks (a permanent failure, recorded).
    await expect(
      checkUpload(context, { key: `photos/${draftJobId(DRAFT)}/${tickets[0]!.photoId}.jpg` }),
    ).rejects.toThrow(/declared image\/jpeg but the file is a PNG image/);

    // Assess
    expect(refused).toMatchObject({ statusCode: 409 });
    expect((await listBookingPhotos(context, DRAFT)).refused).toEqual([
      { photoId: tickets[0]!.photoId, reason: 'declared image/jpeg but the file is a PNG image' },
    ]);
    await expect(upload()).resolves.toMatchObject({ draftId: DRAFT });
  });

  it('given checked photos, then the draft shows them with where they were taken, the newest place suggested; no PhotoAdded (no job yet)', async () => {
    // Prepare: an iPhone photo with its GPS, as the seed's shortcut takes them.
    const { context, published } = bookingContext({
      DateTimeOriginal: '2026:05:01 14:30:00',
      latitude: 32.7488,
      longitude: -117.1296,
    });
    const ticket = await requestBookingUpload(
      context,
      { brandId: 'qdn', draftId: DRAFT, contentType: 'image/jpeg', size: 12 },
      client,
    );
    const pending = await requestBookingUpload(
      context,
      { brandId: 'qdn', draftId: DRAFT, contentType: 'image/jpeg', size: 12 },
      client,
    );
    const key = `photos/${draftJobId(DRAFT)}/${ticket.photoId}.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');
    await checkUpload(context, { key });

    // Act
    const draft = await listBookingPhotos(context, DRAFT);

    // Assess
    expect(draft).toEqual({
      photos: [
        expect.objectContaining({
          photoId: ticket.photoId,
          location: { lat: 32.7488, lng: -117.1296 },
          thumbnailUrl: expect.stringContaining(`thumbnails/${draftJobId(DRAFT)}/${ticket.photoId}.jpg`),
          // The customer's copy without metadata, never the original.
          originalUrl: expect.stringContaining(`customer/${draftJobId(DRAFT)}/${ticket.photoId}.jpg`),
        }),
      ],
      checking: 1,
      refused: [],
      suggestedLocation: { lat: 32.7488, lng: -117.1296 },
    });
    expect(pending.photoId).not.toBe(ticket.photoId);
    expect(published).toEqual([]);
  });

  it('given an unknown draft, then the same answer as an empty one', async () => {
    const { context } = bookingContext();
    expect(await listBookingPhotos(context, 'BBBBBBBBBBBBBBBBBBBBBB')).toEqual({
      photos: [],
      checking: 0,
      refused: [],
      suggestedLocation: undefined,
    });
  });
});
