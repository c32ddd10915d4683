import { DescribeRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { matchEventPattern } from '@qdn/local-cloud';
import {
  eventually,
  startTestCloud,
  TEST_DRIVER_CREW_ID,
  type TestCloud,
  todayIn,
} from '@qdn/local-cloud/test-harness';
import { bookingPhotoDraftRef } from '@qdn/shared/booking-photos';
import { JobCreated } from '@qdn/shared/events';
import { busEvents } from '@qdn/shared/queue';
import { signTrackingGrant } from '@qdn/shared/tracking-grant';
import exifr from 'exifr';
import sharp from 'sharp';
import { DynamoJobDirectory } from '../../src/adapters/job-directory.ts';
import { JOB_EVENTS } from '../../src/domain/known-jobs.ts';

// The media service on the local cloud, used as the dashboard, a driver's phone and the tracking page
// use it: uploads go to the local S3 front with plain fetch + FormData (the front checks the presigned
// POST's policy and signature as S3 does, then sends S3's Object Created to the default bus).
let media: TestCloud;
let cloud: TestCloud['cloud'];
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  // The per-address limits well above what this file asks for (its polls of a draft run every 100 ms).
  media = await startTestCloud('media', {
    environment: { CUSTOMER_UPLOADS_PER_IP_PER_HOUR: '1000', DRAFT_LOOKUPS_PER_IP_PER_MINUTE: '100000' },
  });
  ({ cloud } = media);
  documents = DynamoDBDocumentClient.from(cloud.clients.dynamodb);
}, 90_000);

afterAll(async () => {
  await media?.stop();
});

const api = (...args: Parameters<TestCloud['api']>) => media.api(...args);
const BUCKET = 'qdn-local-media-000000000000-us-west-2';
const MiB = 1024 * 1024;

interface Ticket {
  photoId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

const until = <T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean) =>
  eventually(
    async () => {
      const value = await probe();
      return done(value) ? { value } : undefined;
    },
    { what },
  ).then(({ value }) => value);

/** A job through the jobs API, once the media service has heard of it; with its tracking grant. */
async function givenJob(name = 'Ana Ruiz', crewIds = [TEST_DRIVER_CREW_ID]) {
  const created = await api('POST', '/jobs', {
    role: 'dispatcher',
    body: {
      customer: { name, phone: '+16195550150' },
      address: { text: 'Soderblom Ave, San Diego, CA', lat: 32.83, lng: -117.14 },
      serviceType: 'trailer_pickup_and_dump',
      // Today, with the test driver on the crew: a driver reaches only their own jobs of the day.
      schedule: { date: todayIn(), window: 'afternoon' },
      priceCents: 60000,
      crewIds,
    },
  });
  expect(created.status).toBe(201);
  const jobId = created.body.job.jobId as string;
  const token = (created.body.trackingUrl as string).split('/track/')[1];
  const view = await api('GET', `/track/${token}`);
  const directory = new DynamoJobDirectory(documents, 'qdn-local-media-jobs');
  await until('the media service to know the job', () => directory.get(jobId), Boolean);
  return { jobId, grant: view.body.grant.grant as string };
}

async function customerApi(method: string, path: string, grant: string | undefined, body?: unknown) {
  const response = await fetch(`${cloud.apiUrl}${path}`, {
    method,
    headers: {
      ...(grant === undefined ? {} : { authorization: `Bearer ${grant}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** What a phone's browser does with the ticket: the fields first, then the file, as multipart/form-data. */
async function browserUpload(ticket: Ticket, file: Uint8Array, name: string, fieldChanges = {}) {
  const form = new FormData();
  for (const [field, value] of Object.entries({ ...ticket.upload.fields, ...fieldChanges })) {
    form.append(field, value as string);
  }
  form.append('file', new Blob([file]), name);
  const response = await fetch(ticket.upload.url, { method: 'POST', body: form });
  return { status: response.status, body: await response.text() };
}

/** 32°49'48.12"N 117°8'24"W: Serra Mesa, kilometres from any address the local place index knows. */
const SERRA_MESA = { latitude: '32/1 49/1 4812/100', longitude: '117/1 8/1 2400/100' };
/** 32.7077, -117.157: about 56 m from 100 Park Blvd (Petco Park, in the local place index's gazetteer). */
const BY_PETCO_PARK = { latitude: '32/1 42/1 2772/100', longitude: '117/1 9/1 2520/100' };

/** An iPhone-like JPEG: 1600×1200, taken 2026-05-01 14:30 at UTC-7, at `at` (N, W; Serra Mesa unless said). */
function jpegWithGps(at = SERRA_MESA): Promise<Buffer> {
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#3a7d44' } })
    .withExif({
      IFD0: { Make: 'Apple', Model: 'iPhone 15' },
      IFD2: { DateTimeOriginal: '2026:05:01 14:30:00', OffsetTimeOriginal: '-07:00' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: at.latitude,
        GPSLongitudeRef: 'W',
        GPSLongitude: at.longitude,
      },
    })
    .jpeg({ quality: 85 })
    .toBuffer();
}

function png(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } })
    .png()
    .toBuffer();
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await cloud.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return false;
    throw error;
  }
}

async function photoRecord(jobId: string, photoId: string) {
  const { Item } = await documents.send(
    new GetCommand({ TableName: 'qdn-local-media-photos', Key: { jobId, photoId } }),
  );
  return Item;
}

function photoAdded(jobId: string, photoId: string) {
  return media.eventsUntil(jobId, (events) =>
    events.some((event) => event['detail-type'] === 'PhotoAdded' && event.detail.data.photoId === photoId),
  );
}

describe('a driver’s photo', () => {
  let job: Awaited<ReturnType<typeof givenJob>>;
  let ticket: Ticket;
  let jpeg: Buffer;

  beforeAll(async () => {
    job = await givenJob();
    jpeg = await jpegWithGps();
  });

  it('given a JPEG with GPS EXIF uploaded through the presigned POST, then PhotoAdded, a thumbnail, and a gallery with working URLs, taken-at time and GPS', async () => {
    // Prepare
    const requested = await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
      role: 'driver',
      body: { contentType: 'image/jpeg', size: jpeg.byteLength },
    });
    expect(requested.status).toBe(201);
    ticket = requested.body;
    expect(ticket.upload.fields.key).toBe(`photos/${job.jobId}/${ticket.photoId}.jpg`);

    // Act
    const uploaded = await browserUpload(ticket, jpeg, 'IMG_0001.JPG');

    // Assess
    expect(uploaded.status).toBe(204);
    const events = await photoAdded(job.jobId, ticket.photoId);
    const event = events.find((candidate) => candidate['detail-type'] === 'PhotoAdded');
    expect(event?.detail.data).toEqual({
      jobId: job.jobId,
      photoId: ticket.photoId,
      contentType: 'image/jpeg',
      takenAt: '2026-05-01T14:30:00-07:00',
      customerVisible: true,
      from: 'staff',
    });
    expect(await objectExists(`thumbnails/${job.jobId}/${ticket.photoId}.jpg`)).toBe(true);
    // The upload leaves the inbox for originals/ once accepted (the consumer deletes it last).
    await eventually(async () => !(await objectExists(`photos/${job.jobId}/${ticket.photoId}.jpg`)), {
      what: 'the inbox copy to be deleted',
    });

    const gallery = await api('GET', `/jobs/${job.jobId}/photos`, { role: 'dispatcher' });
    expect(gallery.status).toBe(200);
    expect(gallery.body.photos).toEqual([
      expect.objectContaining({
        photoId: ticket.photoId,
        from: 'staff',
        uploadedBy: 'local-driver',
        width: 1600,
        height: 1200,
        bytes: jpeg.byteLength,
        takenAt: '2026-05-01T14:30:00-07:00',
        location: { lat: 32.830033, lng: -117.14 },
        customerVisible: true,
      }),
    ]);
    const [photo] = gallery.body.photos;
    const original = await fetch(photo.originalUrl);
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);
    const thumbnail = await fetch(photo.thumbnailUrl);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
    const thumbnailSize = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([thumbnailSize.format, thumbnailSize.width, thumbnailSize.height]).toEqual(['jpeg', 400, 300]);
  });

  it('given the signed fields changed (another key, another type), then the S3 front refuses the upload as S3 would', async () => {
    const requested = await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
      role: 'dispatcher',
      body: { contentType: 'image/jpeg', size: jpeg.byteLength },
    });
    const otherKey = await browserUpload(requested.body, jpeg, 'x.jpg', {
      key: `photos/${job.jobId}/../../originals/${job.jobId}/evil.jpg`,
    });
    const otherType = await browserUpload(requested.body, jpeg, 'x.html', { 'Content-Type': 'text/html' });
    expect([otherKey.status, otherType.status]).toEqual([403, 403]);
    expect(otherKey.body).toMatch(/Policy Condition failed/);
  });

  it('given the photo hidden and then deleted, then the gallery drops it and its objects are gone', async () => {
    const hidden = await api('PATCH', `/jobs/${job.jobId}/photos/${ticket.photoId}`, {
      role: 'dispatcher',
      body: { customerVisible: false },
    });
    expect(hidden.status).toBe(200);
    expect(hidden.body.customerVisible).toBe(false);
    expect(
      (await api('DELETE', `/jobs/${job.jobId}/photos/${ticket.photoId}`, { role: 'driver' })).status,
    ).toBe(403);

    const deleted = await api('DELETE', `/jobs/${job.jobId}/photos/${ticket.photoId}`, {
      role: 'dispatcher',
    });

    expect(deleted.status).toBe(204);
    expect((await api('GET', `/jobs/${job.jobId}/photos`, { role: 'dispatcher' })).body.photos).toEqual([]);
    expect(await objectExists(`originals/${job.jobId}/${ticket.photoId}.jpg`)).toBe(false);
    expect(await objectExists(`thumbnails/${job.jobId}/${ticket.photoId}.jpg`)).toBe(false);
    expect(await objectExists(`customer/${job.jobId}/${ticket.photoId}.jpg`)).toBe(false);
    expect(
      (await api('DELETE', `/jobs/${job.jobId}/photos/${ticket.photoId}`, { role: 'admin' })).status,
    ).toBe(404);
  });
});

describe("a driver and another crew's job", () => {
  it("given a job the driver is not on, when they list or upload its photos, then the unknown job's 404", async () => {
    const job = await givenJob('Ana Ruiz', ['crew_someone_else']);
    const unknown = await api('GET', '/jobs/qdn_01JZZZZZZZZZZZZZZZZZZZZZZZ/photos', { role: 'driver' });
    expect(unknown.status).toBe(404);
    expect(await api('GET', `/jobs/${job.jobId}/photos`, { role: 'driver' })).toEqual(unknown);
    expect(
      await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
        role: 'driver',
        body: { contentType: 'image/jpeg', size: 1000 },
      }),
    ).toEqual(unknown);
    expect((await api('GET', `/jobs/${job.jobId}/photos`, { role: 'dispatcher' })).body.photos).toEqual([]);
  });
});

describe('a file that is not what it claims', () => {
  it('given a PNG declared as JPEG, then it is rejected, deleted and recorded, and never shown', async () => {
    // Prepare
    const job = await givenJob();
    const file = await png();
    const requested = await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
      role: 'driver',
      body: { contentType: 'image/jpeg', size: file.byteLength },
    });

    // Act
    expect((await browserUpload(requested.body, file, 'IMG_0002.jpg')).status).toBe(204);

    // Assess
    const { photoId } = requested.body as Ticket;
    const record = await until(
      'the rejection',
      () => photoRecord(job.jobId, photoId),
      (item) => item?.state === 'rejected',
    );
    expect(record).toMatchObject({
      rejectionReason: 'declared image/jpeg but the file is a PNG image',
      rejectionCode: 'WrongFileType',
    });
    await until(
      'the upload to be deleted',
      () => objectExists(`photos/${job.jobId}/${photoId}.jpg`),
      (exists) => !exists,
    );
    expect(await objectExists(`originals/${job.jobId}/${photoId}.jpg`)).toBe(false);
    expect(await objectExists(`thumbnails/${job.jobId}/${photoId}.jpg`)).toBe(false);
    // Why, for the DLQ review: the consumer's failure record (written just after the rejection).
    const failures = await until(
      'the failure record',
      () =>
        documents.send(
          new ScanCommand({
            TableName: 'qdn-media-local-failures',
            FilterExpression: 'contains(errorMessage, :photoId)',
            ExpressionAttributeValues: { ':photoId': photoId },
          }),
        ),
      (scan) => (scan.Items ?? []).length > 0,
    );
    expect(failures.Items).toEqual([
      expect.objectContaining({ consumer: 'photos', errorCode: 'PhotoRejected', transient: false }),
    ]);
    expect((await api('GET', `/jobs/${job.jobId}/photos`, { role: 'dispatcher' })).body.photos).toEqual([]);
    const events = await media.eventsUntil(job.jobId, () => true);
    expect(events.filter((event) => event['detail-type'] === 'PhotoAdded')).toEqual([]);
  });
});

describe('the customer’s gallery and uploads', () => {
  it('given a customer photo and a hidden crew photo, then the customer sees only the visible photos of their own job', async () => {
    // Prepare
    const job = await givenJob('Mark Soderblom');
    const other = await givenJob('Someone Else');
    const jpeg = await jpegWithGps();
    const crew = await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
      role: 'driver',
      body: { contentType: 'image/jpeg', size: jpeg.byteLength },
    });
    await browserUpload(crew.body, jpeg, 'crew.jpg');
    const customer = await customerApi('POST', `/track/jobs/${job.jobId}/photos/uploads`, job.grant, {
      contentType: 'image/jpeg',
      size: jpeg.byteLength,
    });
    expect(customer.status).toBe(201);
    expect((await browserUpload(customer.body, jpeg, 'mine.jpg')).status).toBe(204);
    const otherJob = await api('POST', `/jobs/${other.jobId}/photos/uploads`, {
      role: 'driver',
      body: { contentType: 'image/jpeg', size: jpeg.byteLength },
    });
    await browserUpload(otherJob.body, jpeg, 'other.jpg');
    await photoAdded(job.jobId, customer.body.photoId);
    await photoAdded(job.jobId, crew.body.photoId);
    await photoAdded(other.jobId, otherJob.body.photoId);
    expect(
      (
        await api('PATCH', `/jobs/${job.jobId}/photos/${crew.body.photoId}`, {
          role: 'dispatcher',
          body: { customerVisible: false },
        })
      ).status,
    ).toBe(200);

    // Act
    const gallery = await customerApi('GET', `/track/jobs/${job.jobId}/photos`, job.grant);

    // Assess
    expect(gallery.status).toBe(200);
    expect(gallery.body.photos).toEqual([
      expect.objectContaining({ photoId: customer.body.photoId, from: 'customer' }),
    ]);
    expect(gallery.body.photos[0]).not.toHaveProperty('location');
    const thumbnail = await fetch(gallery.body.photos[0].thumbnailUrl);
    expect([thumbnail.status, thumbnail.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    // Dispatchers see the customer's photo at once, marked as the customer's.
    const dashboard = await api('GET', `/jobs/${job.jobId}/photos`, { role: 'dispatcher' });
    expect(
      dashboard.body.photos
        .map((photo: { photoId: string; from: string }) => [photo.photoId, photo.from])
        .sort(),
    ).toEqual(
      [
        [crew.body.photoId, 'staff'],
        [customer.body.photoId, 'customer'],
      ].sort(),
    );
    const events = await photoAdded(job.jobId, customer.body.photoId);
    expect(
      events.find((event) => event.detail.data.photoId === customer.body.photoId)?.detail.data,
    ).toMatchObject({ from: 'customer', customerVisible: true });
  });

  it('given a crew photo with GPS and camera EXIF, then the customer’s copy (original and thumbnail) carries no metadata while staff keep the original byte for byte', async () => {
    // Given a crew photo carrying GPS, make and model, shown to the customer (the default)
    const job = await givenJob('Dana Whitfield');
    const jpeg = await jpegWithGps();
    expect(await exifr.gps(jpeg)).toEqual({ latitude: expect.any(Number), longitude: expect.any(Number) });
    const crew = await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
      role: 'driver',
      body: { contentType: 'image/jpeg', size: jpeg.byteLength },
    });
    expect((await browserUpload(crew.body, jpeg, 'crew.jpg')).status).toBe(204);
    await photoAdded(job.jobId, crew.body.photoId);

    // When the customer opens the gallery and follows both links
    const gallery = await customerApi('GET', `/track/jobs/${job.jobId}/photos`, job.grant);
    expect(gallery.status).toBe(200);
    const [shown] = gallery.body.photos;
    const served = {
      original: Buffer.from(await (await fetch(shown.originalUrl)).arrayBuffer()),
      thumbnail: Buffer.from(await (await fetch(shown.thumbnailUrl)).arrayBuffer()),
    };

    // Then neither carries EXIF (no GPS, make, model) nor any other metadata block, and the picture is whole
    for (const file of Object.values(served)) {
      const metadata = await sharp(file).metadata();
      expect([metadata.format, metadata.exif, metadata.xmp, metadata.iptc]).toEqual([
        'jpeg',
        undefined,
        undefined,
        undefined,
      ]);
      expect(await exifr.parse(file, true)).toBeUndefined();
      expect(file.includes(Buffer.from('iPhone 15'))).toBe(false);
    }
    expect([
      (await sharp(served.original).metadata()).width,
      (await sharp(served.original).metadata()).height,
    ]).toEqual([1600, 1200]);
    // …while the dashboard still gets the untouched original, GPS and all.
    const staff = await api('GET', `/jobs/${job.jobId}/photos`, { role: 'dispatcher' });
    const original = Buffer.from(await (await fetch(staff.body.photos[0].originalUrl)).arrayBuffer());
    expect(original.equals(jpeg)).toBe(true);
    expect(staff.body.photos[0].location).toEqual({ lat: 32.830033, lng: -117.14 });
  });

  it('given another job’s grant, an expired grant, a forged grant or none, then the same bare 401', async () => {
    // Prepare
    const job = await givenJob();
    const other = await givenJob();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: cloud.endpoints.ssm,
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TRACKING_GRANT_PRIVATE_KEY_PARAMETER: '/qdn/local/tracking-grant-private-jwk',
    });
    const expired = await signTrackingGrant(job.jobId, new Date(Date.now() - 20 * 60_000));
    const forged = `${job.grant.slice(0, -6)}AAAAAA`;

    // Act
    const answers = [];
    for (const grant of [other.grant, expired.grant, forged, 'not-a-jwt', undefined]) {
      answers.push(await customerApi('GET', `/track/jobs/${job.jobId}/photos`, grant));
      answers.push(
        await customerApi('POST', `/track/jobs/${job.jobId}/photos/uploads`, grant, {
          contentType: 'image/jpeg',
          size: 100,
        }),
      );
    }

    // Assess
    expect(answers.every((answer) => answer.status === 401)).toBe(true);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body)))).toEqual(
      new Set([JSON.stringify({ error: 'Unauthorized' })]),
    );
    expect((await customerApi('GET', `/track/jobs/${job.jobId}/photos`, job.grant)).status).toBe(200);
  });

  it('given 20 customer uploads on one job, then the 21st is refused', async () => {
    const job = await givenJob();
    const statuses = [];
    for (let i = 0; i < 21; i++) {
      statuses.push(
        (
          await customerApi('POST', `/track/jobs/${job.jobId}/photos/uploads`, job.grant, {
            contentType: 'image/webp',
            size: 2048,
          })
        ).status,
      );
    }
    expect(statuses).toEqual([...Array(20).fill(201), 409]);
    // The crew can still add photos.
    expect(
      (
        await api('POST', `/jobs/${job.jobId}/photos/uploads`, {
          role: 'driver',
          body: { contentType: 'image/png', size: 2048 },
        })
      ).status,
    ).toBe(201);
  });
});

describe('unused customer upload tickets (issue 17, item 8)', () => {
  it('given 20 customer tickets never used and long expired, then the job takes customer photos again, and the unused tickets are recorded as such', async () => {
    // Given a job whose 20 customer slots went to tickets nobody used
    const job = await givenJob();
    const ask = () =>
      customerApi('POST', `/track/jobs/${job.jobId}/photos/uploads`, job.grant, {
        contentType: 'image/jpeg',
        size: 2048,
      });
    const tickets: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await ask();
      expect(answer.status).toBe(201);
      tickets.push(answer.body.photoId);
    }
    expect((await ask()).status).toBe(409);

    // When they were issued an hour ago (their POSTs expired 5 minutes after, nothing arrived)
    const anHourAgo = new Date(Date.now() - 60 * 60_000).toISOString();
    for (const photoId of tickets) {
      await documents.send(
        new UpdateCommand({
          TableName: 'qdn-local-media-photos',
          Key: { jobId: job.jobId, photoId },
          UpdateExpression: 'SET requestedAt = :at',
          ExpressionAttributeValues: { ':at': anHourAgo },
        }),
      );
    }
    const again = await ask();

    // Then the customer gets a ticket, and the stale ones are closed (a very late upload is deleted)
    expect(again.status).toBe(201);
    const states = await Promise.all(tickets.map((photoId) => photoRecord(job.jobId, photoId)));
    expect(new Set(states.map((item) => `${item?.state}: ${item?.rejectionReason}`))).toEqual(
      new Set(['rejected: upload ticket expired unused']),
    );
    // A fresh ticket still holds its slot: 19 more, then full again.
    const more = [];
    for (let i = 0; i < 20; i++) more.push((await ask()).status);
    expect(more).toEqual([...Array(19).fill(201), 409]);
  });
});

describe('photos with the quote (the booking form, before the booking exists)', () => {
  it('given an iPhone photo of the load, then the draft shows it checked, metadata-free, with its GPS as the suggested pickup place', async () => {
    // Prepare
    const jpeg = await jpegWithGps();
    const first = await customerApi('POST', '/bookings/photos/uploads', undefined, {
      brandId: 'qdn',
      contentType: 'image/jpeg',
      size: jpeg.byteLength,
    });
    expect(first.status).toBe(201);
    const { draftId } = first.body;
    expect(draftId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // The bucket's key names the draft by its hash, never by the id the page holds.
    expect(first.body.upload.fields.key).toMatch(/^photos\/draft_[A-Za-z0-9_-]{43}\/[0-9a-f-]{36}\.jpg$/);
    expect(first.body.upload.fields.key).not.toContain(draftId);

    // Act
    expect((await browserUpload(first.body, jpeg, 'IMG_0042.JPG')).status).toBe(204);
    const draft = await until(
      'the draft photo to be checked',
      async () => (await customerApi('GET', `/bookings/photos/${draftId}`, undefined)).body,
      (body) => body.photos.length === 1,
    );

    // Assess
    expect(draft).toMatchObject({
      checking: 0,
      refused: [],
      suggestedLocation: { lat: expect.closeTo(32.8300333, 4), lng: expect.closeTo(-117.14, 4) },
      photos: [{ photoId: first.body.photoId, takenAt: '2026-05-01T14:30:00-07:00' }],
    });
    // No address within 150 m of the place: offered as coordinates only.
    expect(draft.suggestedLocation.label).toBeUndefined();
    const copy = new Uint8Array(await (await fetch(draft.photos[0].originalUrl)).arrayBuffer());
    expect(await exifr.gps(copy).catch(() => undefined)).toBeUndefined();
    const other = await customerApi('GET', '/bookings/photos/AAAAAAAAAAAAAAAAAAAAAA', undefined);
    expect(other).toEqual({ status: 200, body: { photos: [], checking: 0, refused: [] } });
    const unknownBrand = await customerApi('POST', '/bookings/photos/uploads', undefined, {
      brandId: 'nobody',
      contentType: 'image/jpeg',
      size: 10,
    });
    expect(unknownBrand.status).toBe(404);
  });

  it('given a photo taken by Petco Park, then the suggested place is labelled with the address it was taken near, from the place index', async () => {
    // Prepare
    const jpeg = await jpegWithGps(BY_PETCO_PARK);
    const ticket = await customerApi('POST', '/bookings/photos/uploads', undefined, {
      brandId: 'qdn',
      contentType: 'image/jpeg',
      size: jpeg.byteLength,
    });
    expect(ticket.status).toBe(201);
    const asked = cloud.placeIndex.requests().length;

    // Act
    expect((await browserUpload(ticket.body, jpeg, 'IMG_0043.JPG')).status).toBe(204);
    const draft = await until(
      'the draft photo to be checked',
      async () => (await customerApi('GET', `/bookings/photos/${ticket.body.draftId}`, undefined)).body,
      (body) => body.photos.length === 1,
    );

    // Assess: the street address and town a customer would say, with the coordinates kept.
    expect(draft.suggestedLocation).toEqual({
      lat: expect.closeTo(32.7077, 4),
      lng: expect.closeTo(-117.157, 4),
      label: '100 Park Blvd, San Diego',
    });
    // Asked by position ([longitude, latitude]) on the jobs stack's index.
    const searches = cloud.placeIndex
      .requests()
      .slice(asked)
      .filter((request) => request.path.endsWith('/search/position'));
    expect(searches.at(-1)).toMatchObject({
      path: '/places/v0/indexes/qdn-local-places/search/position',
      body: { Position: [expect.closeTo(-117.157, 4), expect.closeTo(32.7077, 4)], MaxResults: 1 },
      status: 200,
    });
  });

  it('given the form polling a labelled photo, then the place index (billed per request) was asked once for it, and each poll is counted against the address', async () => {
    // Prepare
    const jpeg = await jpegWithGps(BY_PETCO_PARK);
    const ticket = await customerApi('POST', '/bookings/photos/uploads', undefined, {
      brandId: 'qdn',
      contentType: 'image/jpeg',
      size: jpeg.byteLength,
    });
    const asked = cloud.placeIndex.requests().length;
    expect((await browserUpload(ticket.body, jpeg, 'IMG_0044.JPG')).status).toBe(204);
    const poll = async () =>
      (await customerApi('GET', `/bookings/photos/${ticket.body.draftId}`, undefined)).body;
    await until('the draft photo to be checked', poll, (body) => body.photos.length === 1);

    // Act: the page keeps polling (every 1.5 s while anything is being checked).
    const later = [await poll(), await poll(), await poll()];

    // Assess
    expect(later.map((draft) => draft.suggestedLocation.label)).toEqual(
      Array(3).fill('100 Park Blvd, San Diego'),
    );
    const searches = cloud.placeIndex
      .requests()
      .slice(asked)
      .filter((request) => request.path.endsWith('/search/position'));
    expect(searches).toHaveLength(1);
    const { Items = [] } = await documents.send(new ScanCommand({ TableName: 'qdn-media-local-counters' }));
    expect(Items.some((item) => String(item.pk).startsWith('draft-lookup#'))).toBe(true);
  });
});

describe('photos with the quote, booked (the draft’s photos become the job’s)', () => {
  let draftId: string;
  let jobId: string;
  const ticket = { checked: '', late: '', refused: '' };
  let lateTicket: Ticket;
  let jpeg: Buffer;

  async function askDraftUpload(body: Record<string, unknown>) {
    const asked = await customerApi('POST', '/bookings/photos/uploads', undefined, {
      brandId: 'qdn',
      contentType: 'image/jpeg',
      ...body,
    });
    expect(asked.status).toBe(201);
    return asked.body as Ticket & { draftId: string };
  }
  const draftOf = async (id: string) => (await customerApi('GET', `/bookings/photos/${id}`, undefined)).body;
  const book = (phone: string, photoDraftId: string) =>
    api('POST', '/bookings', {
      body: {
        brandId: 'qdn',
        name: 'Dana Cole',
        phone,
        address: { text: '77 Rosecrans St, San Diego' },
        serviceType: 'trailer_pickup_and_dump',
        preferredDate: '2027-01-15',
        window: 'morning',
        smsConsent: true,
        photoDraftId,
      },
    });
  async function knownJob(id: string) {
    const directory = new DynamoJobDirectory(documents, 'qdn-local-media-jobs');
    await until('the media service to know the job', () => directory.get(id), Boolean);
  }
  const gallery = async (id: string) =>
    (await api('GET', `/jobs/${id}/photos`, { role: 'dispatcher' })).body.photos as {
      photoId: string;
      from: string;
    }[];

  beforeAll(async () => {
    // A draft with a checked iPhone photo, a refused one (a PNG declared as JPEG) and one still to come.
    jpeg = await jpegWithGps();
    const first = await askDraftUpload({ size: jpeg.byteLength });
    draftId = first.draftId;
    ticket.checked = first.photoId;
    expect((await browserUpload(first, jpeg, 'IMG_0101.JPG')).status).toBe(204);
    const notJpeg = await png();
    const refused = await askDraftUpload({ draftId, size: notJpeg.byteLength });
    ticket.refused = refused.photoId;
    expect((await browserUpload(refused, notJpeg, 'IMG_0102.JPG')).status).toBe(204);
    lateTicket = await askDraftUpload({ draftId, size: jpeg.byteLength });
    ticket.late = lateTicket.photoId;
    const checked = await until(
      'the draft’s photos to be checked or refused',
      () => draftOf(draftId),
      (draft) => draft.photos.length === 1 && draft.refused.length === 1,
    );
    // The code is what the booking page words for the customer; the reason stays for staff.
    expect(checked.refused).toEqual([
      {
        photoId: ticket.refused,
        code: 'WrongFileType',
        reason: 'declared image/jpeg but the file is a PNG image',
      },
    ]);
  });

  it('given a booking naming the draft, then its checked photo is on the job as the customer’s visible photo, with PhotoAdded; the refused one is not', async () => {
    // Act
    const booked = await book('+16195550181', draftId);

    // Assess
    expect(booked.status).toBe(201);
    jobId = booked.body.jobId;
    const events = await photoAdded(jobId, ticket.checked);
    expect(events.find((event) => event['detail-type'] === 'PhotoAdded')?.detail.data).toEqual({
      jobId,
      photoId: ticket.checked,
      contentType: 'image/jpeg',
      takenAt: '2026-05-01T14:30:00-07:00',
      customerVisible: true,
      from: 'customer',
    });
    await knownJob(jobId);
    const photos = await gallery(jobId);
    expect(photos).toEqual([
      expect.objectContaining({
        photoId: ticket.checked,
        jobId,
        from: 'customer',
        uploadedBy: 'customer',
        customerVisible: true,
        location: { lat: 32.830033, lng: -117.14 },
      }),
    ]);
    // The job's own objects: the dispatcher's original byte for byte.
    const original = await fetch((photos[0] as unknown as { originalUrl: string }).originalUrl);
    expect(Buffer.from(await original.arrayBuffer()).equals(jpeg)).toBe(true);
    expect(await objectExists(`customer/${jobId}/${ticket.checked}.jpg`)).toBe(true);
    expect(await photoRecord(jobId, ticket.refused)).toBeUndefined();
    // The draft's record expires 2 days after its check (abandoned drafts go); the job's copy stays.
    const inDraft = await photoRecord(`draft_${bookingPhotoDraftRef(draftId)}`, ticket.checked);
    expect(inDraft?.expiresAt).toBe(Math.floor(Date.parse(inDraft?.storedAt) / 1000) + 2 * 86_400);
    const onJob = await photoRecord(jobId, ticket.checked);
    expect(onJob).toMatchObject({ state: 'stored', draftRef: bookingPhotoDraftRef(draftId) });
    expect(onJob?.expiresAt).toBeUndefined();
  });

  it('given a photo of the draft checked after the booking, then it follows to the job when its check finishes', async () => {
    // Act
    expect((await browserUpload(lateTicket, jpeg, 'IMG_0103.JPG')).status).toBe(204);

    // Assess
    const events = await photoAdded(jobId, ticket.late);
    expect(events.filter((event) => event['detail-type'] === 'PhotoAdded')).toHaveLength(2);
    expect((await gallery(jobId)).map((photo) => photo.photoId).sort()).toEqual(
      [ticket.checked, ticket.late].sort(),
    );
  });

  it('given the booking’s JobCreated delivered again, then no photo is added twice', async () => {
    // Prepare
    const created = (
      await media.eventsUntil(jobId, (events) =>
        events.some((event) => event['detail-type'] === 'JobCreated'),
      )
    ).find((event) => event['detail-type'] === 'JobCreated');
    expect(created?.detail.data).toMatchObject({ job: { jobId, photoDraftRef: expect.any(String) } });

    // Act
    await cloud.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'qdn-local',
            Source: 'qdn.jobs',
            DetailType: 'JobCreated',
            Detail: JSON.stringify(created!.detail),
          },
        ],
      }),
    );
    await media.settled();

    // Assess
    const events = await media.eventsUntil(jobId, () => true);
    expect(events.filter((event) => event['detail-type'] === 'PhotoAdded')).toHaveLength(2);
    expect(await gallery(jobId)).toHaveLength(2);
  });

  it('given a second booking naming the same draft, then its job gets none of the photos and the refusal is recorded', async () => {
    // Act
    const second = await book('+16195550182', draftId);

    // Assess
    expect(second.status).toBe(201);
    const secondJob = second.body.jobId as string;
    await knownJob(secondJob);
    const failure = await until(
      'the second claim’s failure record',
      async () => {
        const { Items = [] } = await documents.send(
          new ScanCommand({
            TableName: 'qdn-media-local-failures',
            FilterExpression: 'jobId = :jobId',
            ExpressionAttributeValues: { ':jobId': secondJob },
          }),
        );
        return Items[0];
      },
      Boolean,
    );
    expect(failure).toMatchObject({
      consumer: 'booking-photos',
      errorCode: 'PhotoDraftClaimed',
      transient: false,
    });
    expect(await gallery(secondJob)).toEqual([]);
    expect(await gallery(jobId)).toHaveLength(2);
  });

  it('given a booking photo staff deleted, when the booking’s JobCreated comes again (a redelivery, an archive replay), then the photo stays deleted', async () => {
    // Prepare: the draft's record of the photo outlives its copy on the job (it expires 2 days after its check).
    const created = (
      await media.eventsUntil(jobId, (events) =>
        events.some((event) => event['detail-type'] === 'JobCreated'),
      )
    ).find((event) => event['detail-type'] === 'JobCreated');
    const deleted = await api('DELETE', `/jobs/${jobId}/photos/${ticket.checked}`, { role: 'dispatcher' });
    expect(deleted.status).toBe(204);
    expect((await gallery(jobId)).map((photo) => photo.photoId)).toEqual([ticket.late]);

    // Act
    await cloud.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'qdn-local',
            Source: 'qdn.jobs',
            DetailType: 'JobCreated',
            Detail: JSON.stringify(created!.detail),
          },
        ],
      }),
    );
    await media.settled();

    // Assess
    expect((await gallery(jobId)).map((photo) => photo.photoId)).toEqual([ticket.late]);
    expect(await photoRecord(jobId, ticket.checked)).toBeUndefined();
    expect(await objectExists(`originals/${jobId}/${ticket.checked}.jpg`)).toBe(false);
    const events = await media.eventsUntil(jobId, () => true);
    expect(
      events.filter(
        (event) => event['detail-type'] === 'PhotoAdded' && event.detail.data.photoId === ticket.checked,
      ),
    ).toHaveLength(1);
  });
});

describe('bad upload requests', () => {
  it('given a bad size, type, unknown job or path-like values, then 400/404 and nothing is signed', async () => {
    // Prepare
    const job = await givenJob();
    const upload = (jobId: string, body: unknown) =>
      api('POST', `/jobs/${jobId}/photos/uploads`, { role: 'dispatcher', body });

    // Act
    const answers = {
      empty: await upload(job.jobId, { contentType: 'image/jpeg', size: 0 }),
      tooBig: await upload(job.jobId, { contentType: 'image/jpeg', size: 10 * MiB + 1 }),
      html: await upload(job.jobId, { contentType: 'text/html', size: 100 }),
      heic: await upload(job.jobId, { contentType: 'image/heic', size: 100 }),
      fileName: await upload(job.jobId, { contentType: 'image/jpeg', size: 100, filename: '../../x.jpg' }),
      typeWithPath: await upload(job.jobId, { contentType: 'image/jpeg/../../x', size: 100 }),
      jobWithPath: await upload('..%2F..%2Foriginals', { contentType: 'image/jpeg', size: 100 }),
      jobDotDot: await upload('..', { contentType: 'image/jpeg', size: 100 }),
      unknownJob: await upload('qdn_01JUNKNOWNJOB000000000000', { contentType: 'image/jpeg', size: 100 }),
      customerUnknownJob: await customerApi(
        'POST',
        '/track/jobs/qdn_01JUNKNOWNJOB000000000000/photos/uploads',
        job.grant,
        { contentType: 'image/jpeg', size: 100 },
      ),
    };

    // Assess
    expect(
      Object.fromEntries(Object.entries(answers).map(([name, answer]) => [name, answer.status])),
    ).toEqual({
      empty: 400,
      tooBig: 400,
      html: 400,
      heic: 400,
      fileName: 400,
      typeWithPath: 400,
      jobWithPath: expect.any(Number),
      jobDotDot: expect.any(Number),
      unknownJob: 404,
      customerUnknownJob: 401,
    });
    expect([400, 404]).toContain(answers.jobWithPath.status);
    expect([400, 404]).toContain(answers.jobDotDot.status);
    expect(answers.heic.body.details).toEqual([
      { field: 'body.contentType', message: expect.stringMatching(/HEIC.*"Most Compatible"/) },
    ]);
    expect(answers.unknownJob.body.error).toMatch(/^Job not found/);
    for (const answer of Object.values(answers))
      expect(JSON.stringify(answer.body ?? '')).not.toMatch(/X-Amz/i);
    const recorded = await documents.send(
      new QueryCommand({
        TableName: 'qdn-local-media-photos',
        KeyConditionExpression: 'jobId = :jobId',
        ExpressionAttributeValues: { ':jobId': job.jobId },
      }),
    );
    expect(recorded.Items).toEqual([]);
  });
});

const WORK = { crewIds: ['crew_ana'], date: '2026-12-01' };

describe('known jobs (adapter)', () => {
  it('given job versions out of order, then the highest is kept and the customer counter survives', async () => {
    const directory = new DynamoJobDirectory(documents, 'qdn-local-media-jobs');
    const jobId = `qdn_ORDERTEST${Date.now()}`;
    expect(await directory.record({ jobId, brandId: 'qdn', version: 3, status: 'en_route', ...WORK })).toBe(
      true,
    );
    expect(await directory.takeCustomerSlot(jobId, 20)).toBe(true);
    expect(await directory.record({ jobId, brandId: 'qdn', version: 2, status: 'scheduled', ...WORK })).toBe(
      false,
    );
    expect(await directory.record({ jobId, brandId: 'qdn', version: 4, status: 'arrived', ...WORK })).toBe(
      true,
    );
    expect(await directory.get(jobId)).toEqual({
      jobId,
      brandId: 'qdn',
      version: 4,
      status: 'arrived',
      ...WORK,
      endDate: '2026-12-01',
      customerPhotos: 1,
    });
    expect(await directory.takeCustomerSlot('qdn_NEVERHEARDOF', 20)).toBe(false);
  });
});

describe('the media rules (contract with the event schemas)', () => {
  async function patternOf(name: string, bus: string) {
    const { EventPattern } = await cloud.clients.eventBridge.send(
      new DescribeRuleCommand({ Name: name, EventBusName: bus }),
    );
    return EventPattern!;
  }
  const envelope = (source: string, detailType: string, detail: unknown) => ({
    version: '0',
    id: 'e-1',
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: '2026-05-01T00:00:00Z',
    region: 'us-west-2',
    resources: [],
    detail,
  });

  it('the jobs rule takes the job events the consumer parses, and no others', async () => {
    const pattern = await patternOf('qdn-local-media-jobs', 'qdn-local');
    const detail = JobCreated.parse({
      meta: {
        eventId: 'qdn_1:1:JobCreated',
        occurredAt: '2026-05-01T00:00:00Z',
        brandId: 'qdn',
        correlationId: 'c',
      },
      data: {
        job: {
          jobId: 'qdn_1',
          brandId: 'qdn',
          version: 1,
          status: 'scheduled',
          serviceType: 'trailer_pickup_and_dump',
          customer: { name: 'Ana Ruiz', firstName: 'Ana', phone: '+16195550150' },
          address: { text: 'Soderblom Ave, San Diego, CA' },
          schedule: { date: '2026-12-01' },
        },
      },
    });
    for (const type of JOB_EVENTS) {
      const event = envelope('qdn.jobs', type, {
        ...detail,
        data: {
          ...detail.data,
          previousStatus: 'requested',
          status: 'scheduled',
          previousSchedule: { date: '2026-11-30' },
          previous: { crewIds: [] },
        },
      });
      expect(matchEventPattern(pattern, event)).toBe(true);
      expect(busEvents(...JOB_EVENTS)(event).detail.data.job.jobId).toBe('qdn_1');
    }
    expect(matchEventPattern(pattern, envelope('qdn.jobs', 'JobArriving', detail))).toBe(false);
    expect(matchEventPattern(pattern, envelope('qdn.media', 'JobCreated', detail))).toBe(false);
  });

  it('the photos rule takes Object Created in the upload inbox of the media bucket only', async () => {
    const pattern = await patternOf('qdn-local-photos', 'default');
    const created = (bucket: string, key: string) =>
      envelope('aws.s3', 'Object Created', {
        version: '0',
        bucket: { name: bucket },
        object: { key, size: 1 },
      });
    expect(matchEventPattern(pattern, created(BUCKET, 'photos/qdn_1/x.jpg'))).toBe(true);
    expect(matchEventPattern(pattern, created(BUCKET, 'thumbnails/qdn_1/x.jpg'))).toBe(false);
    expect(matchEventPattern(pattern, created(BUCKET, 'originals/qdn_1/x.jpg'))).toBe(false);
    expect(matchEventPattern(pattern, created('qdn-local-site', 'photos/qdn_1/x.jpg'))).toBe(false);
  });
});
