import type { Arrival } from '../../src/domain/arrival.ts';
import { coversDay, type TrailerBookings } from '../../src/domain/fleet.ts';
import type { JobRecord } from '../../src/domain/job.ts';
import {
  type JobRepository,
  type LinkViewCount,
  type LinkViews,
  StaleVersionError,
  type TrackingLinkRecord,
  TrailerBookedError,
  type TrailerClaims,
} from '../../src/domain/ports.ts';

// In-memory ports for the jobs domain: the commands run end to end with no AWS (the DynamoDB adapter
// keeps the same rules and is tested against the local cloud in test/integration).

/** A scheduled QuickDumpNow job as the jobs table stores it; override what a test is about. */
export const jobRecord = (overrides: Partial<JobRecord> = {}): JobRecord => ({
  jobId: 'qdn_01JDEMO0000000000000000000',
  brandId: 'qdn',
  version: 1,
  status: 'scheduled',
  serviceType: 'trailer_pickup_and_dump',
  customer: { name: 'Mark Soderblom', phone: '+16195550142' },
  address: { text: '4521 Soderblom Ave, San Diego, CA', lat: 32.83, lng: -117.14 },
  schedule: { date: '2026-12-01', window: 'afternoon' },
  crewIds: ['crew_ana'],
  statusHistory: [{ status: 'scheduled', at: '2026-11-28T12:00:00.000Z', by: 'dispatcher-1' }],
  createdAt: '2026-11-28T12:00:00.000Z',
  updatedAt: '2026-11-28T12:00:00.000Z',
  ...overrides,
});

/**
 * The jobs table in memory, with the adapter's rules: every save is conditional on the version read
 * (else StaleVersionError with the current one), a trailer day is held by one job at a time (else
 * TrailerBookedError naming the holder), and a write with its claims, releases and links is all or nothing.
 */
export class MemoryJobRepository implements JobRepository {
  readonly jobs = new Map<string, JobRecord>();
  readonly links = new Map<string, TrackingLinkRecord>();
  /** `trailerId/day` → the job holding it. */
  readonly trailerDays = new Map<string, string>();

  constructor(jobs: JobRecord[] = []) {
    for (const job of jobs) this.jobs.set(job.jobId, structuredClone(job));
  }

  async create(
    job: JobRecord,
    link: TrackingLinkRecord,
    trailer: TrailerClaims,
    importedLinks: readonly TrackingLinkRecord[] = [],
  ) {
    if (this.jobs.has(job.jobId)) throw new StaleVersionError(this.jobs.get(job.jobId)?.version);
    for (const old of importedLinks) {
      const holder = this.links.get(old.tokenHash);
      if (holder && holder.jobId !== job.jobId) throw new Error('An imported token belongs to another job');
    }
    this.#write(job, trailer);
    this.links.set(link.tokenHash, { ...link });
    for (const old of importedLinks) this.links.set(old.tokenHash, { ...old });
  }

  async save(
    job: JobRecord,
    expectedVersion: number,
    trailer: TrailerClaims,
    link?: { issue: TrackingLinkRecord; revokeTokenHash: string | undefined },
  ) {
    const current = this.jobs.get(job.jobId);
    if (current?.version !== expectedVersion) throw new StaleVersionError(current?.version);
    this.#write(job, trailer);
    if (link) {
      this.links.set(link.issue.tokenHash, { ...link.issue });
      if (link.revokeTokenHash) this.links.delete(link.revokeTokenHash);
    }
  }

  #write(job: JobRecord, trailer: TrailerClaims) {
    for (const day of trailer.claim?.days ?? []) {
      const holder = this.trailerDays.get(`${trailer.claim!.trailerId}/${day}`);
      if (holder && holder !== job.jobId) throw new TrailerBookedError(trailer.claim!.trailerId, day, holder);
    }
    for (const day of trailer.release?.days ?? []) {
      const key = `${trailer.release!.trailerId}/${day}`;
      if (this.trailerDays.get(key) === job.jobId) this.trailerDays.delete(key);
    }
    for (const day of trailer.claim?.days ?? [])
      this.trailerDays.set(`${trailer.claim!.trailerId}/${day}`, job.jobId);
    this.jobs.set(job.jobId, structuredClone(job));
  }

  async get(jobId: string) {
    const job = this.jobs.get(jobId);
    return job ? structuredClone(job) : undefined;
  }

  async listByDate(date: string) {
    return [...this.jobs.values()]
      .filter((job) => coversDay(job.schedule, date))
      .map((job) => structuredClone(job));
  }

  async listRequested(limit: number) {
    return [...this.jobs.values()]
      .filter((job) => job.status === 'requested')
      .sort((a, b) =>
        `${a.createdAt ?? a.updatedAt}#${a.jobId}`.localeCompare(`${b.createdAt ?? b.updatedAt}#${b.jobId}`),
      )
      .slice(0, limit)
      .map((job) => structuredClone(job));
  }

  async recordArrival(jobId: string, arrival: Arrival, change: { at: string; by: string }) {
    const job = this.jobs.get(jobId);
    if (job?.status !== 'en_route' || job.arrivingAt) return false;
    this.jobs.set(jobId, {
      ...job,
      arrivingAt: arrival.arrivingAt,
      arrivingDistanceMeters: arrival.distanceMeters,
      updatedAt: change.at,
      updatedBy: change.by,
      version: job.version + 1,
    });
    return true;
  }

  async findLink(tokenHash: string) {
    const link = this.links.get(tokenHash);
    return link ? { ...link } : undefined;
  }
  async trailerBookings(trailerIds: readonly string[], days: readonly string[]): Promise<TrailerBookings> {
    return new Map(
      trailerIds.map((trailerId) => [
        trailerId,
        new Map(
          days.flatMap((day) => {
            const jobId = this.trailerDays.get(`${trailerId}/${day}`);
            return jobId ? [[day, jobId] as const] : [];
          }),
        ),
      ]),
    );
  }
}

/** Tracking-link opens in memory, as DynamoLinkViews keeps them (its integration tests cover the table). */
export class MemoryLinkViews implements LinkViews {
  readonly counts = new Map<string, LinkViewCount>();

  async recordOpen(linkId: string, now: Date): Promise<void> {
    const at = now.toISOString();
    const known = this.counts.get(linkId);
    this.counts.set(linkId, {
      count: (known?.count ?? 0) + 1,
      firstOpenedAt: known?.firstOpenedAt ?? at,
      lastOpenedAt: at,
    });
  }

  async of(linkId: string): Promise<LinkViewCount | undefined> {
    return this.counts.get(linkId);
  }
}
