import { createHash } from 'node:crypto';
import type { Brand, Brands } from '@qdn/shared/brands';
import { type JobStatus, WorkDate } from '@qdn/shared/events';
import { PhoneNumber } from '@qdn/shared/phone';
import {
  looksLikeImportedTrackingToken,
  newTrackingLinkId,
  trackingToken,
  trackingTokenHash,
} from '@qdn/shared/tracking-link';
import { zonedDate } from '@qdn/shared/zoned-time';
import * as z from 'zod';
import type { JobRecord } from './job.ts';
import type { JobRepository, TrackingLinkRecord } from './ports.ts';

/*
 * Moving over from the first system (issue 19): its `jobs.json` manifest, one object per job with the
 * fields the seeds show (jobId, customerName, address, serviceType, price in dollars, status,
 * scheduledTime, trackingToken, created). Each record becomes a job of ours, without texting anyone
 * (an imported job publishes no JobCreated: see job-events.ts), and its old token keeps opening the
 * job's tracking page (stored by its SHA-256 like ours, beside a new link of ours that later texts use).
 */

/** The first system's statuses (and the spellings its hand-typed records used) → ours. */
const STATUSES: Record<string, JobStatus> = {
  requested: 'requested',
  pending: 'requested',
  scheduled: 'scheduled',
  en_route: 'en_route',
  'en route': 'en_route',
  in_transit: 'en_route',
  arrived: 'arrived',
  on_site: 'arrived',
  complete: 'complete',
  completed: 'complete',
  done: 'complete',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

const isoDateTime = z.iso.datetime({ offset: true });

/** One record of the first system's jobs.json. Unknown extra fields are ignored (the manifest was hand-edited). */
export const LegacyJob = z.object({
  jobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _'),
  customerName: z.string().trim().min(1).max(100),
  /** Not in the seed's example; a manifest that has the number keeps it (texts need it later). */
  customerPhone: PhoneNumber.optional(),
  address: z.string().trim().min(1).max(300),
  serviceType: z.string().min(1).max(41),
  /** Dollars, as the first system kept them. */
  price: z.number().min(0).max(100_000),
  status: z
    .string()
    .transform((status) => status.trim().toLowerCase())
    .refine(
      (status) => Object.hasOwn(STATUSES, status),
      `must be one of ${Object.keys(STATUSES).join(', ')}`,
    ),
  /** A window name ("afternoon"), a day (YYYY-MM-DD) or an instant (ISO 8601 with its offset). */
  scheduledTime: z.string().trim().min(1).max(40),
  trackingToken: z.string().refine(looksLikeImportedTrackingToken, 'must be 16-128 letters, digits, - or _'),
  created: isoDateTime,
});
export type LegacyJob = z.infer<typeof LegacyJob>;

export interface RecordProblem {
  /** The record's place in the manifest (0-based). */
  index: number;
  jobId?: string;
  errors: { field: string; message: string }[];
}

/**
 * The schedule a record means in the brand's zone, or a field error. Its day is checked as every event
 * checks it (WorkDate): a day the calendar lacks (2026-02-30, which Date.parse rolls over) would be
 * stored on no board, and each of the job's later events would be refused into the DLQ.
 */
function scheduleOf(
  brand: Brand,
  record: LegacyJob,
): JobRecord['schedule'] | { field: string; message: string } {
  const schedule = scheduleOfTime(brand, record);
  if ('field' in schedule) return schedule;
  const date = WorkDate.safeParse(schedule.date);
  return date.success ? schedule : { field: 'scheduledTime', message: date.error.issues[0]!.message };
}

function scheduleOfTime(
  brand: Brand,
  record: LegacyJob,
): JobRecord['schedule'] | { field: string; message: string } {
  const when = record.scheduledTime;
  // The first system's "afternoon" was a window of the day the job was written down.
  if (Object.hasOwn(brand.windows, when))
    return { date: zonedDate(new Date(record.created), brand.timeZone), window: when };
  if (/^\d{4}-\d{2}-\d{2}$/.test(when)) return { date: when };
  if (isoDateTime.safeParse(when).success) {
    const local = new Date(when);
    const iso = zonedDate(local, brand.timeZone);
    const time = new Intl.DateTimeFormat('en-GB', {
      timeZone: brand.timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(local);
    return { date: iso, time };
  }
  return {
    field: 'scheduledTime',
    message: `must be a window (${Object.keys(brand.windows).join(', ')}), a date YYYY-MM-DD or an ISO 8601 time with its offset`,
  };
}

/**
 * The job id an old record becomes: `qdn_` and 26 Crockford base32 characters like ours (the API's job
 * routes take nothing else), the first ten the record's creation time as in a ULID (so imported jobs
 * sort among ours) and the rest from a hash of brand and old id — the same record always gets the same
 * id, which is what makes a second run of the import change nothing.
 */
export function importedJobId(brandId: string, record: Pick<LegacyJob, 'jobId' | 'created'>): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = Date.parse(record.created);
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = alphabet[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  const hash = createHash('sha256').update(`legacy-job:v1:${brandId}:${record.jobId}`).digest();
  let randomPart = '';
  for (let i = 0; i < 16; i++) randomPart += alphabet[hash[i]! % 32];
  return `qdn_${timePart}${randomPart}`;
}

export interface CheckedManifest {
  jobs: { index: number; record: LegacyJob; job: Omit<JobRecord, 'trackingLinkId' | 'trackingTokenHash'> }[];
  problems: RecordProblem[];
}

/**
 * Checks every record of a manifest against the schema and the brand (service type, window): the good
 * ones as the jobs they become, the bad ones with their index and field errors. Pure.
 */
export function checkManifest(brand: Brand, manifest: unknown, importedBy: string): CheckedManifest {
  const list = z.array(z.unknown()).max(10_000).safeParse(manifest);
  if (!list.success) {
    return {
      jobs: [],
      problems: [{ index: -1, errors: [{ field: '(manifest)', message: 'must be a JSON array of jobs' }] }],
    };
  }
  const checked: CheckedManifest = { jobs: [], problems: [] };
  const seenIds = new Set<string>();
  const seenTokens = new Set<string>();
  list.data.forEach((raw, index) => {
    const parsed = LegacyJob.safeParse(raw);
    const rawId = (raw as { jobId?: unknown } | null)?.jobId;
    const jobId = typeof rawId === 'string' ? rawId : undefined;
    if (!parsed.success) {
      checked.problems.push({
        index,
        ...(jobId ? { jobId } : {}),
        errors: parsed.error.issues.map((issue) => ({
          field: issue.path.map(String).join('.') || '(record)',
          message: issue.message,
        })),
      });
      return;
    }
    const record = parsed.data;
    const errors: { field: string; message: string }[] = [];
    if (!brand.serviceTypes.some((offer) => offer.serviceType === record.serviceType)) {
      errors.push({
        field: 'serviceType',
        message: `${brand.displayName} offers ${brand.serviceTypes.map((offer) => offer.serviceType).join(', ')}`,
      });
    }
    const schedule = scheduleOf(brand, record);
    if ('field' in schedule) errors.push(schedule);
    if (seenIds.has(record.jobId))
      errors.push({ field: 'jobId', message: 'appears earlier in the manifest' });
    if (seenTokens.has(record.trackingToken))
      errors.push({ field: 'trackingToken', message: 'another record earlier in the manifest has it' });
    seenIds.add(record.jobId);
    seenTokens.add(record.trackingToken);
    if (errors.length > 0 || 'field' in schedule) {
      checked.problems.push({ index, jobId: record.jobId, errors });
      return;
    }
    const status = STATUSES[record.status]!;
    checked.jobs.push({
      index,
      record,
      job: {
        jobId: importedJobId(brand.brandId, record),
        legacyJobId: record.jobId,
        brandId: brand.brandId,
        version: 1,
        status,
        serviceType: record.serviceType,
        customer: {
          name: record.customerName,
          ...(record.customerPhone ? { phone: record.customerPhone } : {}),
        },
        address: { text: record.address },
        // The first system texted its customers; the record says so, and when they became ours.
        ...(record.customerPhone
          ? {
              smsConsent: {
                phone: record.customerPhone,
                source: 'first-system' as const,
                statement: 'Texted about their jobs by the first system before the move',
                at: record.created,
                by: importedBy,
              },
            }
          : {}),
        schedule,
        crewIds: [],
        priceCents: Math.round(record.price * 100),
        // The first system's history starts where ours takes over: the status it had, when it was written.
        statusHistory: [
          { status, at: record.created, by: importedBy, note: 'imported from the first system' },
        ],
        origin: 'import',
        createdAt: record.created,
        updatedAt: record.created,
        updatedBy: importedBy,
      },
    });
  });
  return checked;
}

export interface ImportContext {
  repository: Pick<JobRepository, 'get' | 'create'>;
  brands: Brands;
  trackingLinkSecret: () => Promise<string>;
  now: () => Date;
}

export interface ImportReport {
  imported: { index: number; legacyJobId: string; jobId: string }[];
  /** Already imported by an earlier run: left exactly as they are (a dispatcher may have moved them on). */
  alreadyImported: { index: number; legacyJobId: string; jobId: string }[];
  problems: RecordProblem[];
}

/**
 * Imports a manifest: every record is checked first; each good record is written in one transaction
 * (the job, a new tracking link of ours and the old token's link), so a record is imported whole or
 * not at all, and a job already there from an earlier run is left alone. A bad record stops nothing
 * else: it is reported with its index and field errors.
 */
export async function importLegacyJobs(
  context: ImportContext,
  input: { brandId?: string; manifest: unknown; importedBy: string },
): Promise<ImportReport> {
  const brand = context.brands.get(input.brandId);
  const { jobs, problems } = checkManifest(brand, input.manifest, input.importedBy);
  const report: ImportReport = { imported: [], alreadyImported: [], problems };
  const secret = await context.trackingLinkSecret();
  for (const { index, record, job } of jobs) {
    const entry = { index, legacyJobId: record.jobId, jobId: job.jobId };
    if (await context.repository.get(job.jobId)) {
      report.alreadyImported.push(entry);
      continue;
    }
    const createdAt = context.now().toISOString();
    const linkId = newTrackingLinkId();
    const link: TrackingLinkRecord = {
      tokenHash: trackingTokenHash(trackingToken(secret, linkId)),
      linkId,
      jobId: job.jobId,
      createdAt,
    };
    // The old token, by its hash only, tied to the job's current link: rotating the link ends it too.
    const oldLink: TrackingLinkRecord = {
      tokenHash: trackingTokenHash(record.trackingToken),
      linkId,
      jobId: job.jobId,
      createdAt,
      imported: true,
    };
    try {
      await context.repository.create(
        { ...job, trackingLinkId: link.linkId, trackingTokenHash: link.tokenHash },
        link,
        { claim: undefined, release: undefined },
        [oldLink],
      );
      report.imported.push(entry);
    } catch (error) {
      // Another run got there between the read and the write: the job is there, whole.
      if ((error as Error).name === 'StaleVersionError' && (await context.repository.get(job.jobId))) {
        report.alreadyImported.push(entry);
        continue;
      }
      throw error;
    }
  }
  return report;
}
