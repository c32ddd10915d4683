import { describe, expect, it } from '@jest/globals';
import { MemoryRateLimits } from '@qdn/local-cloud/test-factories';
import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import { NotFoundError } from '@qdn/shared/errors';
import {
  BOOKING_PHOTOS_PER_DRAFT,
  claimBookingPhotos,
  DRAFT_PHOTO_DAYS,
  draftJobId,
  listBookingPhotos,
  NEAR_ADDRESS_METERS,
  type PlaceLookup,
  requestBookingUpload,
} from '../../src/domain/booking-photos.ts';
import { checkUpload } from '../../src/domain/photo-checks.ts';
import { deletePhoto, listStaffPhotos } from '../../src/domain/photo-commands.ts';
import type { NearbyAddress, PlaceFinder } from '../../src/domain/ports.ts';
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
    expect((await listBookingPhotos(context, DRAFT, client)).refused).toEqual([
      {
        photoId: tickets[0]!.photoId,
        code: 'WrongFileType',
        reason: 'declared image/jpeg but the file is a PNG image',
      },
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
    const draft = await listBookingPhotos(context, DRAFT, client);

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

  describe('the address the photo was taken near', () => {
    /**
     * A place index answering one address at a given distance (or failing: `answer` an Error), the points
     * it was asked about, and what was remembered of its answers (the counters table's place labels).
     */
    function placeIndex(answer: NearbyAddress | Error | undefined) {
      const asked: { lat: number; lng: number }[] = [];
      const remembered = new Map<string, { found: { label?: string }; until: Date }>();
      const finder: PlaceFinder = {
        nearest: async (position) => {
          asked.push(position);
          if (answer instanceof Error) throw answer;
          return answer;
        },
      };
      const places: PlaceLookup = {
        finder,
        labels: {
          get: async (photoId) => remembered.get(photoId)?.found,
          remember: async (photoId, found, until) => void remembered.set(photoId, { found, until }),
        },
      };
      return { places, asked, remembered };
    }

    async function draftWithPhoto(exif: Record<string, unknown>) {
      const { context } = bookingContext(exif);
      const ticket = await requestBookingUpload(
        context,
        { brandId: 'qdn', draftId: DRAFT, contentType: 'image/jpeg', size: 12 },
        client,
      );
      const key = `photos/${draftJobId(DRAFT)}/${ticket.photoId}.jpg`;
      await context.storage.write(key, JPEG, 'image/jpeg');
      await checkUpload(context, { key });
      return context;
    }
    const AT_PETCO = { latitude: 32.7077, longitude: -117.157 };

    it(`given an address within ${NEAR_ADDRESS_METERS} m of the photo's place, then the suggestion is labelled with it`, async () => {
      const context = await draftWithPhoto(AT_PETCO);
      const { places, asked } = placeIndex({ label: '100 Park Blvd, San Diego', distanceMeters: 56 });

      const draft = await listBookingPhotos(context, DRAFT, client, places);

      expect(draft.suggestedLocation).toEqual({
        lat: 32.7077,
        lng: -117.157,
        label: '100 Park Blvd, San Diego',
      });
      expect(asked).toEqual([{ lat: 32.7077, lng: -117.157 }]);
    });

    it(`given the nearest address farther than ${NEAR_ADDRESS_METERS} m, then the place is suggested without a label`, async () => {
      const context = await draftWithPhoto(AT_PETCO);
      const { places } = placeIndex({
        label: '100 Park Blvd, San Diego',
        distanceMeters: NEAR_ADDRESS_METERS + 1,
      });

      expect((await listBookingPhotos(context, DRAFT, client, places)).suggestedLocation).toEqual({
        lat: 32.7077,
        lng: -117.157,
      });
    });

    it('given the form polling a GPS-tagged photo, then the place index (billed per request) is asked once, and every answer names the address', async () => {
      const context = await draftWithPhoto(AT_PETCO);
      const { places, asked } = placeIndex({ label: '100 Park Blvd, San Diego', distanceMeters: 56 });

      const polls = [];
      for (let poll = 0; poll < 3; poll++)
        polls.push(await listBookingPhotos(context, DRAFT, client, places));

      expect(polls.map((draft) => draft.suggestedLocation?.label)).toEqual(
        Array(3).fill('100 Park Blvd, San Diego'),
      );
      expect(asked).toHaveLength(1);
    });

    it(`given no address within ${NEAR_ADDRESS_METERS} m, then that is remembered too (until the draft expires): asked once`, async () => {
      const context = await draftWithPhoto(AT_PETCO);
      const { places, asked, remembered } = placeIndex(undefined);

      await listBookingPhotos(context, DRAFT, client, places);
      const again = await listBookingPhotos(context, DRAFT, client, places);

      expect(again.suggestedLocation).toEqual({ lat: 32.7077, lng: -117.157 });
      expect(asked).toHaveLength(1);
      expect([...remembered.values()]).toEqual([
        { found: {}, until: new Date(context.now().getTime() + DRAFT_PHOTO_DAYS * 86_400_000) },
      ]);
    });

    it('given the place index failing, then the place is offered without an address, nothing remembered, and asked again next poll', async () => {
      const context = await draftWithPhoto(AT_PETCO);
      const { places, asked, remembered } = placeIndex(new Error('ThrottlingException'));

      const first = await listBookingPhotos(context, DRAFT, client, places);
      await listBookingPhotos(context, DRAFT, client, places);

      expect(first.suggestedLocation).toEqual({ lat: 32.7077, lng: -117.157 });
      expect(asked).toHaveLength(2);
      expect(remembered.size).toBe(0);
    });

    it('given no photo with a place, then the place index is not asked', async () => {
      const context = await draftWithPhoto({});
      const { places, asked } = placeIndex({ label: 'anywhere', distanceMeters: 1 });

      expect((await listBookingPhotos(context, DRAFT, client, places)).suggestedLocation).toBeUndefined();
      expect(asked).toEqual([]);
    });
  });

  it('given more polls from one address than its limit a minute, then 429', async () => {
    const { context } = bookingContext();
    const limited = { ...context, limits: new MemoryRateLimits(), draftLookupsPerIpPerMinute: 2 };
    await listBookingPhotos(limited, DRAFT, client);
    await listBookingPhotos(limited, DRAFT, client);
    await expect(listBookingPhotos(limited, DRAFT, client)).rejects.toMatchObject({ statusCode: 429 });
  });

  it('given an unknown draft, then the same answer as an empty one', async () => {
    const { context } = bookingContext();
    expect(await listBookingPhotos(context, 'BBBBBBBBBBBBBBBBBBBBBB', client)).toEqual({
      photos: [],
      checking: 0,
      refused: [],
      suggestedLocation: undefined,
    });
  });
});

describe('a booked draft’s photos become the job’s', () => {
  const job = { jobId: 'qdn_BOOKED1', brandId: 'qdn', photoDraftRef: bookingPhotoDraftRef(DRAFT) };
  const dispatcher = { userId: 'u-1', roles: ['dispatcher'] } as const;

  /** A draft with one checked photo, one still being checked and one refused; the keys of each upload. */
  async function givenDraft() {
    const setup = bookingContext({ latitude: 32.7488, longitude: -117.1296 });
    const { context } = setup;
    const ask = () =>
      requestBookingUpload(
        context,
        { brandId: 'qdn', draftId: DRAFT, contentType: 'image/jpeg', size: 12 },
        client,
      );
    const [checked, checking, refused] = [await ask(), await ask(), await ask()];
    const keyOf = (photoId: string) => `photos/${draftJobId(DRAFT)}/${photoId}.jpg`;
    await context.storage.write(keyOf(checked.photoId), JPEG, 'image/jpeg');
    await checkUpload(context, { key: keyOf(checked.photoId) });
    await context.storage.write(keyOf(refused.photoId), PNG, 'image/jpeg');
    await expect(checkUpload(context, { key: keyOf(refused.photoId) })).rejects.toThrow(/PNG/);
    await context.jobs.record({
      jobId: job.jobId,
      brandId: 'qdn',
      version: 1,
      status: 'requested',
      crewIds: [],
      date: '2026-05-02',
    });
    return { ...setup, checked, checking, refused, keyOf };
  }

  it('given a booking naming the draft, then its checked photo is the job’s visible customer photo with PhotoAdded; the refused and unchecked ones are not', async () => {
    // Prepare
    const { context, published, checked } = await givenDraft();

    // Act
    const outcome = await claimBookingPhotos(context, job);

    // Assess
    expect(outcome).toEqual({ outcome: 'moved', moved: 1, alreadyOnJob: 0, checking: 1, refused: 1 });
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      [
        'PhotoAdded',
        {
          jobId: job.jobId,
          photoId: checked.photoId,
          contentType: 'image/jpeg',
          takenAt: undefined,
          customerVisible: true,
          from: 'customer',
        },
      ],
    ]);
    const gallery = await listStaffPhotos(context, job.jobId, dispatcher);
    expect(gallery).toEqual([
      expect.objectContaining({
        photoId: checked.photoId,
        jobId: job.jobId,
        from: 'customer',
        uploadedBy: 'customer',
        customerVisible: true,
        location: { lat: 32.7488, lng: -117.1296 },
        originalUrl: expect.stringContaining(`originals/${job.jobId}/${checked.photoId}.jpg`),
      }),
    ]);
    // The job's own objects: the original byte for byte, the thumbnail and the copy without metadata.
    expect(context.storage.objects.get(`originals/${job.jobId}/${checked.photoId}.jpg`)?.body).toEqual(JPEG);
    expect(context.storage.objects.has(`thumbnails/${job.jobId}/${checked.photoId}.jpg`)).toBe(true);
    expect(context.storage.objects.has(`customer/${job.jobId}/${checked.photoId}.jpg`)).toBe(true);
  });

  it('given a photo checked after the booking, then it follows to the job when its check finishes', async () => {
    // Prepare
    const { context, published, checking, keyOf } = await givenDraft();
    await claimBookingPhotos(context, job);
    published.length = 0;

    // Act
    await context.storage.write(keyOf(checking.photoId), JPEG, 'image/jpeg');
    await checkUpload(context, { key: keyOf(checking.photoId) });

    // Assess
    expect(
      published.map((event) => [event.detailType, (event.detail.data as { photoId?: string }).photoId]),
    ).toEqual([['PhotoAdded', checking.photoId]]);
    expect((await context.photos.get(job.jobId, checking.photoId))?.state).toBe('stored');
  });

  it('given the booking delivered again and a check delivered again, then nothing is added twice', async () => {
    // Prepare
    const { context, published, checking, keyOf } = await givenDraft();
    await claimBookingPhotos(context, job);
    await context.storage.write(keyOf(checking.photoId), JPEG, 'image/jpeg');
    await checkUpload(context, { key: keyOf(checking.photoId) });
    const before = published.length;

    // Act
    const again = await claimBookingPhotos(context, job);
    await context.storage.write(keyOf(checking.photoId), JPEG, 'image/jpeg');
    await checkUpload(context, { key: keyOf(checking.photoId) });

    // Assess
    expect(again).toEqual({ outcome: 'moved', moved: 0, alreadyOnJob: 2, checking: 0, refused: 1 });
    expect(published).toHaveLength(before);
    expect(await context.photos.listByJob(job.jobId)).toHaveLength(2);
  });

  it('given a second booking naming the same draft, then it is refused (recorded) and the photos stay with the first', async () => {
    // Prepare
    const { context } = await givenDraft();
    await claimBookingPhotos(context, job);

    // Act
    const second = await claimBookingPhotos(context, { ...job, jobId: 'qdn_BOOKED2' }).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(second).toMatchObject({ code: 'PhotoDraftClaimed' });
    expect(await context.photos.listByJob('qdn_BOOKED2')).toEqual([]);
    expect(await context.photos.listByJob(job.jobId)).toHaveLength(1);
  });

  it('given a booked photo deleted by a dispatcher, then no customer slot is given back (it took none)', async () => {
    // Prepare
    const { context, checked } = await givenDraft();
    await claimBookingPhotos(context, job);
    await context.jobs.takeCustomerSlot(job.jobId, 20);

    // Act
    await deletePhoto(context, job.jobId, checked.photoId);

    // Assess
    expect((await context.jobs.get(job.jobId))?.customerPhotos).toBe(1);
    expect(context.storage.objects.has(`originals/${job.jobId}/${checked.photoId}.jpg`)).toBe(false);
  });

  it('given a booked photo deleted by a dispatcher, when the booking is delivered again (a replay), then it stays deleted', async () => {
    // Prepare
    const { context, published, checked } = await givenDraft();
    await claimBookingPhotos(context, job);
    await deletePhoto(context, job.jobId, checked.photoId);
    published.length = 0;

    // Act
    const again = await claimBookingPhotos(context, job);

    // Assess
    expect(again).toMatchObject({ moved: 0 });
    expect(await context.photos.listByJob(job.jobId)).toEqual([]);
    expect(published).toEqual([]);
    expect(context.storage.objects.has(`originals/${job.jobId}/${checked.photoId}.jpg`)).toBe(false);
  });

  it('given a job without a draft, then nothing is claimed', async () => {
    const { context } = await givenDraft();
    expect(await claimBookingPhotos(context, { jobId: 'qdn_PLAIN', brandId: 'qdn' })).toEqual({
      outcome: 'no-draft',
    });
    expect(context.drafts.claims.size).toBe(0);
  });
});
