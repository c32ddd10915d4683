import { describe, expect, it } from '@jest/globals';
import { PermanentError } from '@qdn/shared/errors';
import { learnJob, learnTrackingLink } from '../../src/domain/known-jobs.ts';
import { CUSTOMER_PHOTOS_PER_JOB } from '../../src/domain/photo.ts';
import { checkUpload, photoAddedEventId, photoEventsOf } from '../../src/domain/photo-checks.ts';
import {
  deletePhoto,
  listCustomerPhotos,
  listStaffPhotos,
  requestUpload,
  setCustomerVisible,
} from '../../src/domain/photo-commands.ts';
import { fakeImages, JPEG, PNG, photoCheckContext } from './fakes.ts';

const JOB = 'qdn_01JTESTJOB0000000000000000';
const driver = { kind: 'staff', userId: 'driver-7' } as const;
const DISPATCHER = { userId: 'dispatcher-1', roles: ['dispatcher' as const], crewId: undefined, claims: {} };

async function givenKnownJob() {
  const setup = photoCheckContext({
    images: fakeImages({ DateTimeOriginal: '2026:05:01 14:30:00', latitude: 32.83, longitude: -117.14 }),
  });
  await setup.context.jobs.record({
    jobId: JOB,
    brandId: 'qdn',
    version: 1,
    status: 'scheduled',
    crewIds: ['crew_7'],
    date: '2026-05-01',
  });
  return setup;
}

describe('requesting an upload', () => {
  it('given an unknown job, then 404 and nothing is recorded or signed', async () => {
    const { context } = photoCheckContext();
    await expect(
      requestUpload(context, JOB, { contentType: 'image/jpeg', size: 10 }, driver),
    ).rejects.toMatchObject({ statusCode: 404 });
    expect(context.photos.photos.size).toBe(0);
    expect(context.storage.signed).toEqual([]);
  });

  it('given a known job, then one pending photo and one upload signed for its own key', async () => {
    const { context } = await givenKnownJob();
    const ticket = await requestUpload(context, JOB, { contentType: 'image/png', size: 2048 }, driver);
    expect(ticket.expiresAt).toBe('2026-05-01T21:36:00.000Z');
    expect(context.storage.signed).toEqual([
      {
        key: `photos/${JOB}/${ticket.photoId}.png`,
        contentType: 'image/png',
        maxBytes: 10 * 1024 * 1024,
        expiresSeconds: 300,
      },
    ]);
    expect(await context.photos.get(JOB, ticket.photoId)).toMatchObject({
      state: 'pending',
      brandId: 'qdn',
      from: 'staff',
      uploadedBy: 'driver-7',
      customerVisible: true,
    });
  });

  it(`given a customer, then at most ${CUSTOMER_PHOTOS_PER_JOB} uploads per job, and a deleted photo frees one`, async () => {
    const { context } = await givenKnownJob();
    const tickets = [];
    for (let i = 0; i < CUSTOMER_PHOTOS_PER_JOB; i++) {
      tickets.push(
        await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 10 }, { kind: 'customer' }),
      );
    }
    await expect(
      requestUpload(context, JOB, { contentType: 'image/jpeg', size: 10 }, { kind: 'customer' }),
    ).rejects.toMatchObject({ statusCode: 409 });
    // Staff uploads are not limited by the customer's slots.
    await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 10 }, driver);

    const first = tickets[0]!;
    await context.storage.write(`photos/${JOB}/${first.photoId}.jpg`, JPEG, 'image/jpeg');
    await checkUpload(context, { key: `photos/${JOB}/${first.photoId}.jpg` });
    await deletePhoto(context, JOB, first.photoId);
    await expect(
      requestUpload(context, JOB, { contentType: 'image/jpeg', size: 10 }, { kind: 'customer' }),
    ).resolves.toMatchObject({ photoId: expect.any(String) });
  });
});

describe('unused customer tickets', () => {
  it('given the customer slots all taken by tickets, then they come back only once unused tickets are past expiry and grace; a used one keeps its slot', async () => {
    // Given 20 customer tickets at 21:31, one of them used
    const { context } = await givenKnownJob();
    const ask = () =>
      requestUpload(context, JOB, { contentType: 'image/jpeg', size: 10 }, { kind: 'customer' });
    const tickets = [];
    for (let i = 0; i < CUSTOMER_PHOTOS_PER_JOB; i++) tickets.push(await ask());
    const used = tickets[0]!;
    await context.storage.write(`photos/${JOB}/${used.photoId}.jpg`, JPEG, 'image/jpeg');
    await checkUpload(context, { key: `photos/${JOB}/${used.photoId}.jpg` });
    const at = (time: string) => () => new Date(`2026-05-01T${time}:00.000Z`);

    // When asked again 14 minutes later (POSTs expired, still within the grace), then 16 minutes later
    context.now = at('21:45');
    await expect(ask()).rejects.toMatchObject({ statusCode: 409 });
    context.now = at('21:47');
    const ticket = await ask();

    // Then the 19 unused tickets are closed and their slots free; the used photo stays
    expect(ticket.photoId).toEqual(expect.any(String));
    const records = [...context.photos.photos.values()];
    expect(records.filter((photo) => photo.state === 'rejected')).toHaveLength(19);
    expect(records.find((photo) => photo.photoId === used.photoId)?.state).toBe('stored');
    expect((await context.jobs.get(JOB))?.customerPhotos).toBe(2);
  });
});

describe('checking an uploaded photo', () => {
  it('given a signed JPEG upload, then thumbnail, original, stored facts and one PhotoAdded; the inbox is emptied', async () => {
    const { context, published } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');

    const stored = await checkUpload(context, { key });

    expect(stored).toMatchObject({
      state: 'stored',
      bytes: 12,
      width: 800,
      takenAt: '2026-05-01T14:30:00-07:00',
      location: { lat: 32.83, lng: -117.14 },
    });
    expect([...context.storage.objects.keys()].sort()).toEqual([
      `customer/${JOB}/${photoId}.jpg`,
      `originals/${JOB}/${photoId}.jpg`,
      `thumbnails/${JOB}/${photoId}.jpg`,
    ]);
    expect(context.storage.objects.get(`customer/${JOB}/${photoId}.jpg`)?.body).toEqual(JPEG.slice(0, 3));
    expect(published).toEqual([
      {
        source: 'qdn.media',
        detailType: 'PhotoAdded',
        detail: {
          meta: expect.objectContaining({
            eventId: photoAddedEventId(JOB, photoId),
            brandId: 'qdn',
            jobId: JOB,
            actor: 'driver-7',
          }),
          data: {
            jobId: JOB,
            photoId,
            contentType: 'image/jpeg',
            takenAt: '2026-05-01T14:30:00-07:00',
            customerVisible: true,
            from: 'staff',
          },
        },
      },
    ]);
  });

  it('given the same object delivered again, then nothing is published twice', async () => {
    const { context, published } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');
    await checkUpload(context, { key });
    await checkUpload(context, { key });
    expect(published).toHaveLength(1);
  });

  it('given a photo stored and then made visible, then PhotoAdded is derived from the write that stored it, once', async () => {
    // PhotoAdded comes from the photos table's stream (photoEventsOf), not from the consumer: a crash
    // after storing leaves nothing to announce on the next delivery.
    const { context, published } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');
    const stored = await checkUpload(context, { key });

    expect(published.map((event) => event.detail.meta.eventId)).toEqual([photoAddedEventId(JOB, photoId)]);
    expect(photoEventsOf(stored, { ...stored!, customerVisible: !stored!.customerVisible })).toEqual([]);
    expect(photoEventsOf({ ...stored!, state: 'pending' }, undefined)).toEqual([]);
    expect(context.storage.objects.has(key)).toBe(false);
  });

  it('given the signed POST used again between the check’s read and the move, then originals/ holds the bytes that were checked', async () => {
    // The presigned POST is reusable for its 5 minutes: other bytes can land in the inbox mid-check.
    const { context } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');
    const read = context.storage.read.bind(context.storage);
    context.storage.read = async (readKey) => {
      const bytes = await read(readKey);
      await context.storage.write(key, new TextEncoder().encode('<html>unchecked</html>'), 'image/jpeg');
      return bytes;
    };

    await checkUpload(context, { key });

    expect(context.storage.objects.get(`originals/${JOB}/${photoId}.jpg`)).toEqual({
      body: JPEG,
      contentType: 'image/jpeg',
    });
  });

  it('given a PNG declared as JPEG from the customer, then it is deleted, recorded as rejected and the slot freed', async () => {
    const { context, published } = await givenKnownJob();
    const { photoId } = await requestUpload(
      context,
      JOB,
      { contentType: 'image/jpeg', size: 12 },
      { kind: 'customer' },
    );
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, PNG, 'image/jpeg');

    await expect(checkUpload(context, { key })).rejects.toBeInstanceOf(PermanentError);

    expect(context.storage.objects.size).toBe(0);
    expect(await context.photos.get(JOB, photoId)).toMatchObject({
      state: 'rejected',
      rejectionReason: 'declared image/jpeg but the file is a PNG image',
      rejectionCode: 'WrongFileType',
    });
    expect((await context.jobs.get(JOB))?.customerPhotos).toBe(0);
    expect(published).toEqual([]);
  });

  it('given an object no upload was signed for, then it is deleted and the failure is permanent', async () => {
    const { context } = await givenKnownJob();
    const key = `photos/${JOB}/0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');
    await expect(checkUpload(context, { key })).rejects.toBeInstanceOf(PermanentError);
    expect(context.storage.objects.size).toBe(0);
  });
});

describe('galleries', () => {
  it('given a hidden and a visible photo, then staff see both and the customer only the visible one', async () => {
    const { context } = await givenKnownJob();
    const ids: string[] = [];
    for (const uploader of [driver, { kind: 'customer' } as const]) {
      const { photoId } = await requestUpload(
        context,
        JOB,
        { contentType: 'image/jpeg', size: 12 },
        uploader,
      );
      await context.storage.write(`photos/${JOB}/${photoId}.jpg`, JPEG, 'image/jpeg');
      await checkUpload(context, { key: `photos/${JOB}/${photoId}.jpg` });
      ids.push(photoId);
    }
    await setCustomerVisible(context, JOB, ids[0]!, false);

    const staff = await listStaffPhotos(context, JOB, DISPATCHER);
    const customer = await listCustomerPhotos(context, JOB);

    expect(staff.map((photo) => photo.photoId).sort()).toEqual([...ids].sort());
    expect(customer.map((photo) => photo.photoId)).toEqual([ids[1]]);
    expect(customer[0]).toMatchObject({
      from: 'customer',
      thumbnailUrl: expect.stringContaining('thumbnails/'),
      // The metadata-free copy, never the original: staff alone keep that.
      originalUrl: expect.stringContaining(`customer/${JOB}/`),
    });
    expect(staff.find((photo) => photo.photoId === ids[1])?.originalUrl).toContain(`originals/${JOB}/`);
    expect(customer[0]).not.toHaveProperty('location');
    expect(customer[0]).not.toHaveProperty('uploadedBy');
  });

  it('given a photo stored before customer copies were made, then the customer’s full-size link opens its thumbnail, never the original', async () => {
    const { context } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    await context.storage.write(`photos/${JOB}/${photoId}.jpg`, JPEG, 'image/jpeg');
    await checkUpload(context, { key: `photos/${JOB}/${photoId}.jpg` });
    const stored = context.photos.photos.get(`${JOB}/${photoId}`)!;
    stored.customerCopy = undefined;

    const [shown] = await listCustomerPhotos(context, JOB);

    expect(shown?.originalUrl).toContain(`thumbnails/${JOB}/`);
    expect(shown?.originalUrl).not.toContain('originals/');
  });

  it('given photos stored at different times (and one from before times were kept), then newest first, the undated last', async () => {
    const { context } = await givenKnownJob();
    const ids: string[] = [];
    for (const storedAt of ['2026-05-01T10:00:00.000Z', '2026-05-01T12:00:00.000Z', undefined]) {
      const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
      await context.storage.write(`photos/${JOB}/${photoId}.jpg`, JPEG, 'image/jpeg');
      await checkUpload(context, { key: `photos/${JOB}/${photoId}.jpg` });
      context.photos.photos.get(`${JOB}/${photoId}`)!.storedAt = storedAt;
      ids.push(photoId);
    }
    const listed = await listStaffPhotos(context, JOB, DISPATCHER);
    expect(listed.map((photo) => photo.photoId)).toEqual([ids[1], ids[0], ids[2]]);
  });

  it('given an unknown photo, then hiding or deleting it is 404', async () => {
    const { context } = await givenKnownJob();
    const unknown = '0e3c4a1c-5b1e-4a8e-9f0a-0123456789ab';
    await expect(setCustomerVisible(context, JOB, unknown, false)).rejects.toMatchObject({ statusCode: 404 });
    await expect(deletePhoto(context, JOB, unknown)).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('known jobs', () => {
  it('given versions out of order, then the highest is kept', async () => {
    const { context } = photoCheckContext();
    expect(await learnJob(context.jobs, jobOnBus(3, 'en_route'))).toBe('recorded');
    expect(await learnJob(context.jobs, jobOnBus(2, 'scheduled'))).toBe('stale');
    expect(await context.jobs.get(JOB)).toMatchObject({ version: 3, status: 'en_route' });
  });

  it("given a rotation and an older job event still carrying the old link, then the rotation's link is kept", async () => {
    const { context } = photoCheckContext();
    await learnJob(context.jobs, jobOnBus(2, 'scheduled', 'link-first'));
    expect(await learnTrackingLink(context.jobs, { jobId: JOB, linkId: 'link-second', version: 4 })).toBe(
      'recorded',
    );
    // A job event from before the rotation, delivered late.
    await learnJob(context.jobs, jobOnBus(3, 'en_route', 'link-first'));
    expect(await context.jobs.get(JOB)).toMatchObject({ version: 3, trackingLinkId: 'link-second' });
    expect(await learnTrackingLink(context.jobs, { jobId: JOB, linkId: 'link-first', version: 2 })).toBe(
      'stale',
    );
  });

  it('given a later job event naming a newer link, then that link is current', async () => {
    const { context } = photoCheckContext();
    await learnTrackingLink(context.jobs, { jobId: JOB, linkId: 'link-second', version: 4 });
    await learnJob(context.jobs, jobOnBus(6, 'en_route', 'link-third'));
    expect((await context.jobs.get(JOB))?.trackingLinkId).toBe('link-third');
  });
});

function jobOnBus(version: number, status: 'scheduled' | 'en_route', trackingLinkId?: string) {
  return {
    ...(trackingLinkId ? { trackingLinkId } : {}),
    jobId: JOB,
    brandId: 'qdn',
    version,
    status,
    serviceType: 'trailer_pickup_and_dump',
    customer: { name: 'Ana Ruiz', firstName: 'Ana', phone: '+16195550150' },
    address: { text: 'Soderblom Ave, San Diego, CA' },
    schedule: { date: '2026-12-01' },
    crewIds: [],
  };
}

describe('which staff may add and see a job’s photos', () => {
  const crewDriver = { userId: 'driver-7', roles: ['driver' as const], crewId: 'crew_7', claims: {} };

  it('given a driver of the job’s crew on its day, then they may upload; another crew’s driver gets the unknown job’s 404', async () => {
    const { context } = await givenKnownJob();
    const ticket = await requestUpload(
      context,
      JOB,
      { contentType: 'image/jpeg', size: 12 },
      driver,
      crewDriver,
    );
    expect(await context.photos.get(JOB, ticket.photoId)).toMatchObject({ state: 'pending' });

    const stranger = { ...crewDriver, userId: 'driver-9', crewId: 'crew_9' };
    await expect(
      requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver, stranger),
    ).rejects.toMatchObject({ statusCode: 404 });
    await expect(listStaffPhotos(context, JOB, stranger)).rejects.toMatchObject({ statusCode: 404 });
    expect(context.photos.photos.size).toBe(1);
  });

  it('given the job’s crew driver on another day, then 404; a dispatcher sees it any day', async () => {
    const { context } = await givenKnownJob();
    context.now = () => new Date('2026-05-02T18:00:00.000Z');
    await expect(listStaffPhotos(context, JOB, crewDriver)).rejects.toMatchObject({ statusCode: 404 });
    expect(await listStaffPhotos(context, JOB, DISPATCHER)).toEqual([]);
  });
});

describe('uploads at the edges', () => {
  it('given a rejected upload posted again with the same signed form, then it is deleted and still not accepted', async () => {
    const { context, published } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, PNG, 'image/jpeg');
    await expect(checkUpload(context, { key })).rejects.toBeInstanceOf(PermanentError);

    await context.storage.write(key, JPEG, 'image/jpeg');
    expect(await checkUpload(context, { key })).toBeUndefined();

    expect(context.storage.objects.size).toBe(0);
    expect(await context.photos.get(JOB, photoId)).toMatchObject({ state: 'rejected' });
    expect(published).toEqual([]);
  });

  it('given a staff photo rejected, then no customer slot is given back', async () => {
    const { context } = await givenKnownJob();
    await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, { kind: 'customer' });
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, PNG, 'image/jpeg');

    await expect(checkUpload(context, { key })).rejects.toBeInstanceOf(PermanentError);

    expect((await context.jobs.get(JOB))?.customerPhotos).toBe(1);
  });

  it('given an upload gone before it was checked, then a permanent failure and the photo still pending', async () => {
    const { context } = await givenKnownJob();
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    await expect(checkUpload(context, { key: `photos/${JOB}/${photoId}.jpg` })).rejects.toMatchObject({
      name: 'PermanentError',
      code: 'UploadGone',
    });
    expect(await context.photos.get(JOB, photoId)).toMatchObject({ state: 'pending' });
  });

  it('given an object outside the upload key scheme, then it is deleted and the failure is permanent', async () => {
    const { context } = await givenKnownJob();
    await context.storage.write('photos/not-a-photo.txt', JPEG, 'text/plain');
    await expect(checkUpload(context, { key: 'photos/not-a-photo.txt' })).rejects.toMatchObject({
      code: 'UnknownUpload',
    });
    expect(context.storage.objects.size).toBe(0);
  });

  it('given a staff photo deleted, then its objects go and no customer slot is given back', async () => {
    const { context } = await givenKnownJob();
    await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, { kind: 'customer' });
    const { photoId } = await requestUpload(context, JOB, { contentType: 'image/jpeg', size: 12 }, driver);
    const key = `photos/${JOB}/${photoId}.jpg`;
    await context.storage.write(key, JPEG, 'image/jpeg');
    await checkUpload(context, { key });

    await deletePhoto(context, JOB, photoId);

    expect(await context.photos.get(JOB, photoId)).toBeUndefined();
    expect([...context.storage.objects.keys()]).toEqual([]);
    expect((await context.jobs.get(JOB))?.customerPhotos).toBe(1);
  });
});
