import type { DomainEvent } from '@qdn/shared/events';
import type { PhotoRecord, PhotoRefusal, StoredPhotoFacts } from '../../src/domain/photo.ts';
import { photoEventsOf } from '../../src/domain/photo-checks.ts';
import type {
  DraftClaim,
  DraftClaims,
  ImageTools,
  JobDirectory,
  KnownJob,
  PhotoCheckContext,
  PhotoRepository,
  PhotoStorage,
} from '../../src/domain/ports.ts';

// In-memory stand-ins for the ports, with the same conditional semantics as the DynamoDB and S3
// adapters (which the integration tests run against the local cloud).

export class MemoryJobs implements JobDirectory {
  readonly jobs = new Map<string, KnownJob>();
  readonly links = new Map<string, { linkId: string; version: number }>();
  async get(jobId: string) {
    const known = this.jobs.get(jobId);
    const link = this.links.get(jobId);
    return known && (link ? { ...known, trackingLinkId: link.linkId } : known);
  }
  async record(job: Omit<KnownJob, 'customerPhotos' | 'trackingLinkId'>) {
    const known = this.jobs.get(job.jobId);
    if (known && known.version >= job.version) return false;
    this.jobs.set(job.jobId, { customerPhotos: 0, ...known, ...job });
    return true;
  }
  async recordTrackingLink(link: { jobId: string; linkId: string; version: number }) {
    const recorded = this.links.get(link.jobId);
    if (recorded && recorded.version >= link.version) return false;
    this.links.set(link.jobId, { linkId: link.linkId, version: link.version });
    return true;
  }
  async takeCustomerSlot(jobId: string, limit: number) {
    const known = this.jobs.get(jobId);
    if (!known || known.customerPhotos >= limit) return false;
    known.customerPhotos += 1;
    return true;
  }
  async releaseCustomerSlot(jobId: string) {
    const known = this.jobs.get(jobId);
    if (known && known.customerPhotos > 0) known.customerPhotos -= 1;
  }
}

export class MemoryDrafts implements DraftClaims {
  readonly claims = new Map<string, DraftClaim>();
  async claim(claim: DraftClaim) {
    const held = this.claims.get(claim.draftRef);
    if (held) return { ...held };
    this.claims.set(claim.draftRef, { ...claim });
    return { ...claim };
  }
  async get(draftRef: string) {
    const held = this.claims.get(draftRef);
    return held && { ...held };
  }
}

export class MemoryPhotos implements PhotoRepository {
  readonly photos = new Map<string, PhotoRecord>();
  readonly #stream: (before: PhotoRecord | undefined, after: PhotoRecord) => void;

  /** `stream` sees the write that stores a photo as the photos table's stream would (before, after). */
  constructor(stream: (before: PhotoRecord | undefined, after: PhotoRecord) => void = () => {}) {
    this.#stream = stream;
  }
  async createPending(photo: PhotoRecord) {
    this.photos.set(`${photo.jobId}/${photo.photoId}`, { ...photo });
  }
  async addStored(photo: PhotoRecord, fromDraft: { jobId: string; photoId: string }) {
    const draft = this.photos.get(`${fromDraft.jobId}/${fromDraft.photoId}`);
    if (this.photos.has(`${photo.jobId}/${photo.photoId}`) || draft?.state !== 'stored' || draft.movedTo)
      return false;
    draft.movedTo = photo.jobId;
    this.photos.set(`${photo.jobId}/${photo.photoId}`, { ...photo });
    this.#stream(undefined, { ...photo });
    return true;
  }
  async get(jobId: string, photoId: string) {
    const photo = this.photos.get(`${jobId}/${photoId}`);
    return photo ? { ...photo } : undefined;
  }
  async listByJob(jobId: string) {
    return [...this.photos.values()].filter((photo) => photo.jobId === jobId).map((photo) => ({ ...photo }));
  }
  async markStored(jobId: string, photoId: string, facts: StoredPhotoFacts) {
    const photo = this.photos.get(`${jobId}/${photoId}`);
    if (photo?.state !== 'pending') return undefined;
    const stored: PhotoRecord = { ...photo, state: 'stored' };
    for (const [name, value] of Object.entries(facts)) {
      if (value !== undefined) (stored as unknown as Record<string, unknown>)[name] = value;
    }
    this.photos.set(`${jobId}/${photoId}`, stored);
    this.#stream(photo, { ...stored });
    return { ...stored };
  }
  async markRejected(jobId: string, photoId: string, refusal: PhotoRefusal, at: string) {
    const photo = this.photos.get(`${jobId}/${photoId}`);
    if (photo?.state !== 'pending') return false;
    Object.assign(photo, {
      state: 'rejected',
      rejectionReason: refusal.reason,
      rejectionCode: refusal.code,
      rejectedAt: at,
    });
    return true;
  }
  async setCustomerVisible(jobId: string, photoId: string, visible: boolean) {
    const photo = this.photos.get(`${jobId}/${photoId}`);
    if (photo?.state !== 'stored') return undefined;
    photo.customerVisible = visible;
    return { ...photo };
  }
  async delete(jobId: string, photoId: string) {
    const photo = this.photos.get(`${jobId}/${photoId}`);
    this.photos.delete(`${jobId}/${photoId}`);
    return photo;
  }
}

export class MemoryStorage implements PhotoStorage {
  readonly objects = new Map<string, { body: Uint8Array; contentType: string }>();
  readonly signed: { key: string; contentType: string; maxBytes: number; expiresSeconds: number }[] = [];
  async signUpload(input: { key: string; contentType: string; maxBytes: number; expiresSeconds: number }) {
    this.signed.push(input);
    return { url: 'https://bucket.example/', fields: { key: input.key } };
  }
  async signView(key: string) {
    return `https://bucket.example/${key}?signed`;
  }
  async read(key: string) {
    return this.objects.get(key)?.body;
  }
  async write(key: string, body: Uint8Array, contentType: string) {
    this.objects.set(key, { body, contentType });
  }
  async copy(fromKey: string, toKey: string, contentType: string) {
    const object = this.objects.get(fromKey);
    if (!object) throw Object.assign(new Error('NoSuchKey'), { $metadata: { httpStatusCode: 404 } });
    this.objects.set(toKey, { body: object.body, contentType });
  }
  async delete(...keys: string[]) {
    for (const key of keys) this.objects.delete(key);
  }
}

/** Images whose first byte says what they are; `exif` is whatever the test sets. */
export function fakeImages(exif: Record<string, unknown> = {}): ImageTools {
  return {
    async inspect(image) {
      return image.byteLength > 3 ? { decodable: true, width: 800, height: 600 } : { decodable: false };
    },
    async exif() {
      return exif;
    },
    async thumbnail() {
      return new Uint8Array([0xff, 0xd8, 0xff, 0xdb]);
    },
    async withoutMetadata(image) {
      return image.slice(0, 3);
    },
  };
}

export const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
export const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);

export function photoCheckContext(options: { images?: ImageTools } = {}) {
  const published: DomainEvent[] = [];
  let ids = 0;
  const context: PhotoCheckContext & {
    photos: MemoryPhotos;
    jobs: MemoryJobs;
    drafts: MemoryDrafts;
    storage: MemoryStorage;
  } = {
    // What the photos table's stream publisher would publish for each write (photoEventsOf).
    photos: new MemoryPhotos((before, after) => void published.push(...photoEventsOf(before, after))),
    jobs: new MemoryJobs(),
    drafts: new MemoryDrafts(),
    storage: new MemoryStorage(),
    now: () => new Date('2026-05-01T21:31:00.000Z'),
    newPhotoId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
    images: options.images ?? fakeImages(),
    timeZoneOf: async () => 'America/Los_Angeles',
    limits: { take: async () => ({ allowed: true }) as const },
    customerUploadsPerIpPerHour: 60,
    draftLookupsPerIpPerMinute: 120,
  };
  return { context, published };
}
