// The typed API client. Request bodies and records are the services' own types (type-only imports:
// nothing of the services is bundled), so a field renamed in a zod schema fails `npm run typecheck`
// here; test/unit/api-contract.test.ts also parses the bodies this client builds with those schemas.
import type { DeadLetterReview } from '@qdn/shared/ops-dead-letters';
import type { ReplayView } from '@qdn/shared/ops-replay';
import type * as z from 'zod';
import type { boardEntries } from '../../calendar/src/domain/calendar-commands.ts';
import type { JobRecord, PrivateJobFields } from '../../jobs/src/domain/job.ts';
import type {
  MarkPaidInput as MarkPaidSchema,
  RefundPaidBackInput as RefundPaidBackSchema,
  StatusInput as StatusSchema,
  UpdateJobInput as UpdateSchema,
} from '../../jobs/src/domain/job-input.ts';
import type {
  PhotoUpdate as PhotoUpdateSchema,
  UploadRequest as UploadSchema,
} from '../../media/src/domain/photo-input.ts';
import { idToken, sessionExpired } from './auth.ts';
import { config } from './config.ts';

/** One job on a calendar, as GET /calendar lists it (the calendar service's board view). */
export type CalendarEntry = Awaited<ReturnType<typeof boardEntries>>['entries'][number];

/** What one of the ops review's routes answers. */
type Answer<Method extends 'summaries' | 'messages' | 'redrive' | 'discard'> = Awaited<
  ReturnType<DeadLetterReview[Method]>
>;

/** A job as staff read it: everything but the hash, `private` for admins only. */
export type Job = Omit<JobRecord, 'trackingTokenHash' | 'trackingLinkId' | 'correlationId' | 'private'> & {
  private?: PrivateJobFields;
  /** The customer's tracking link, derived by the jobs service for staff views (never stored). */
  trackingUrl?: string;
  /** While set, the job's complete or cancelled can be undone without a reason (and nobody was texted). */
  undoUntil?: string;
};
export type JobStatus = Job['status'];
/** What the routes accept (their zod schemas' input types). */
export type StatusInput = z.input<typeof StatusSchema>;
export type UpdateJobInput = z.input<typeof UpdateSchema>;
export type MarkPaidInput = z.input<typeof MarkPaidSchema>;
export type RefundPaidBackInput = z.input<typeof RefundPaidBackSchema>;
export type UploadRequest = z.input<typeof UploadSchema>;
export type PhotoUpdate = z.input<typeof PhotoUpdateSchema>;

/** One line of the job's timeline (notifications service): events, texts in and out, delivery status. */
/** A trailer of the brand's fleet and its days (GET /brands/{brandId}/trailers). */
export interface TrailerSchedule {
  trailerId: string;
  name: string;
  size: string;
  days: (
    | { date: string; state: 'free' | 'out-of-service' }
    | { date: string; state: 'booked'; jobId: string }
  )[];
}

/** How often the customer opened the job's current tracking link (page opens, not its refreshes). */
export interface LinkViewCount {
  count: number;
  firstOpenedAt: string;
  lastOpenedAt: string;
}

export interface TimelineEntry {
  jobId: string;
  at: string;
  type: string;
  eventId: string;
  actor?: string;
  status?: string;
  errorCode?: string;
  body?: string;
  direction?: 'inbound' | 'outbound';
  audience?: string;
  messageSid?: string;
  reason?: string;
  [field: string]: unknown;
}

export interface Photo {
  photoId: string;
  jobId: string;
  from: string;
  uploadedBy: string;
  takenAt?: string;
  customerVisible: boolean;
  storedAt?: string;
  thumbnailUrl: string;
  originalUrl: string;
}

export interface UploadTicket {
  photoId: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

export interface LocationPoint {
  lat: number;
  lng: number;
  recordedAt: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly details: { field: string; message: string }[];
  readonly body: Record<string, unknown>;
  constructor(
    status: number,
    message: string,
    details: { field: string; message: string }[] = [],
    body: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = status;
    this.details = details;
    this.body = body;
  }
}

/**
 * What went wrong, in the API's words with the fields it named ("Invalid replay window: from is older
 * than the archive's 7-day retention"); an error of the browser's own (a dropped connection) as it is.
 */
export function errorText(error: unknown): string {
  if (!(error instanceof ApiError)) return (error as Error).message;
  const fields = error.details
    .filter((detail) => typeof detail.message === 'string')
    .map((detail) => `${detail.field.replace(/^(body|query|path)\./, '')} ${detail.message}`);
  return fields.length > 0 ? `${error.message}: ${fields.join('; ')}` : error.message;
}

/**
 * The API answered no to the request as sent (4xx): sending it again unchanged gets the same answer.
 * Not a refusal: a dropped connection, a 5xx, 408 or 429 (not taken this time, may be taken later).
 */
export function isRefusal(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

/**
 * The API's 409 for a write against a version that is no longer the job's (someone saved meanwhile):
 * its details name `expectedVersion`. Other 409s (a complete job can't change, a trailer is taken)
 * don't, and reloading won't help them.
 */
export function isVersionConflict(error: unknown): error is ApiError {
  return (
    error instanceof ApiError &&
    error.status === 409 &&
    error.details.some((detail) => detail.field === 'expectedVersion')
  );
}

interface RequestOptions {
  body?: unknown;
  etag?: string | undefined;
  headers?: Record<string, string>;
}

async function call(method: string, path: string, options: RequestOptions = {}, retried = false) {
  const token = await idToken();
  if (!token) throw sessionExpired();
  const response = await fetch(`${config().apiBaseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.etag ? { 'if-none-match': options.etag } : {}),
      ...options.headers,
    },
    body: options.body === undefined ? null : JSON.stringify(options.body),
    cache: 'no-store',
  });
  // A token the API refuses although it looked fresh: refresh once, then back to sign-in.
  if (response.status === 401 && !retried) {
    if (await idToken({ forceRefresh: true })) return call(method, path, options, true);
    throw sessionExpired();
  }
  return response;
}

async function json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await call(method, path, options);
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    throw new ApiError(
      response.status,
      String(body.error ?? response.statusText),
      (body.details as ApiError['details']) ?? [],
      body,
    );
  }
  return body as T;
}

const jobPath = (jobId: string) => `/jobs/${encodeURIComponent(jobId)}`;

/** The day's jobs; with the last ETag, `undefined` when nothing changed (304, no body sent). */
export async function listJobs(
  query: { date: string; brandId?: string | undefined },
  etag?: string,
): Promise<{ jobs: Job[]; etag: string | undefined } | undefined> {
  const search = new URLSearchParams({
    date: query.date,
    ...(query.brandId ? { brandId: query.brandId } : {}),
  });
  const response = await call('GET', `/jobs?${search}`, { etag });
  if (response.status === 304) return undefined;
  const body = (await response.json()) as { jobs: Job[]; error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? response.statusText);
  return { jobs: body.jobs, etag: response.headers.get('etag') ?? undefined };
}

export const api = {
  job: (jobId: string) => json<{ job: Job; trackingLinkViews?: LinkViewCount }>('GET', jobPath(jobId)),
  update: (jobId: string, input: UpdateJobInput) =>
    json<{ job: Job }>('PATCH', jobPath(jobId), { body: input }),
  changeStatus: (jobId: string, input: StatusInput) =>
    json<{ job: Job }>('POST', `${jobPath(jobId)}/status`, { body: input }),
  /** The customer paid by Zelle or cash (or a card outside Stripe): recorded, and a receipt texted. */
  markPaid: (jobId: string, input: MarkPaidInput) =>
    json<{ job: Job }>('POST', `${jobPath(jobId)}/payment`, { body: input }),
  /** A card refund the card refused, paid back another way (Zelle, cash, a check): recorded on it. */
  refundPaidBack: (jobId: string, input: RefundPaidBackInput) =>
    json<{ job: Job }>('POST', `${jobPath(jobId)}/payment/refund`, { body: input }),
  rotateTrackingLink: (jobId: string) =>
    json<{ trackingUrl: string }>('POST', `${jobPath(jobId)}/tracking-link`),
  lastLocation: async (jobId: string) =>
    (await json<{ points: LocationPoint[] }>('GET', `${jobPath(jobId)}/locations?limit=1`)).points[0],
  shareLocation: (jobId: string, points: (LocationPoint & { accuracy?: number })[]) =>
    json<unknown>('POST', `${jobPath(jobId)}/locations`, { body: { points } }),
  timeline: (jobId: string) => json<{ entries: TimelineEntry[] }>('GET', `${jobPath(jobId)}/timeline`),
  /** `nonUrgent`: held in the brand's quiet hours (the answer is then `{ heldUntil }`). */
  textCustomer: (jobId: string, text: string, idempotencyKey: string, nonUrgent = false) =>
    json<{ messageSid: string; status: string } | { heldUntil: string }>(
      'POST',
      `${jobPath(jobId)}/messages`,
      {
        body: { body: text, nonUrgent },
        headers: { 'idempotency-key': idempotencyKey },
      },
    ),
  /** The brand's trailers, day by day from `from` to `to`, with the job holding each day. */
  trailers: (brandId: string, from: string, to: string) =>
    json<{ brandId: string; trailers: TrailerSchedule[] }>(
      'GET',
      `/brands/${encodeURIComponent(brandId)}/trailers?from=${from}&to=${to}`,
    ),
  /** Undoes an opt-out read into a customer's reply (a misreading): the number is texted again. */
  restoreConsent: (jobId: string, messageSid: string) =>
    json<{ restored: boolean; phone: string }>(
      'POST',
      `${jobPath(jobId)}/messages/${encodeURIComponent(messageSid)}/restore-consent`,
    ),
  /** The dispatch calendar's entries of one day (the calendar service, synced from job events). */
  calendarDay: (date: string) =>
    json<{ entries: CalendarEntry[] }>('GET', `/calendar?from=${date}&to=${date}`),
  photos: (jobId: string) => json<{ photos: Photo[] }>('GET', `${jobPath(jobId)}/photos`),
  setPhoto: (jobId: string, photoId: string, input: PhotoUpdate) =>
    json<Photo>('PATCH', `${jobPath(jobId)}/photos/${encodeURIComponent(photoId)}`, { body: input }),
  requestUpload: (jobId: string, input: UploadRequest) =>
    json<UploadTicket>('POST', `${jobPath(jobId)}/photos/uploads`, { body: input }),
  requests: () => json<{ jobs: Job[] }>('GET', '/requests'),
  // The ops routes answer what DeadLetterReview's methods return (shared/src/ops-routes.ts), so
  // their types come from there: a reshaped answer fails the typecheck here, not a dispatcher's screen.
  dlqs: (service: string) => json<Answer<'summaries'>>('GET', `/ops/${service}/dlqs`),
  deadLetters: (service: string, consumer: string) =>
    json<Answer<'messages'>>('GET', `/ops/${service}/dlqs/${consumer}/messages`),
  redrive: (service: string, consumer: string, messageIds?: string[]) =>
    json<Answer<'redrive'>>('POST', `/ops/${service}/dlqs/${consumer}/redrive`, {
      body: messageIds ? { messageIds } : {},
    }),
  replay: (input: { from: string; to: string; consumer?: string }) =>
    json<{ replay: ReplayView }>('POST', '/ops/jobs/replays', { body: input }),
  discard: (service: string, consumer: string, messageId: string, reason: string) =>
    json<Answer<'discard'>>('POST', `/ops/${service}/dlqs/${consumer}/discard`, {
      body: { messageId, reason },
    }),
};

/**
 * A presigned POST to the media bucket with upload progress (fetch reports none), resolved when S3
 * answers 2xx.
 */
export function uploadPhoto(ticket: UploadTicket, file: Blob, onProgress: (fraction: number) => void) {
  return new Promise<void>((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.upload.fields)) form.append(name, value);
    form.append('file', file);
    const request = new XMLHttpRequest();
    request.open('POST', ticket.upload.url);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () =>
      request.status >= 200 && request.status < 300
        ? resolve()
        : reject(new Error(`the upload was refused (${request.status})`));
    request.onerror = () => reject(new Error('the connection dropped during the upload'));
    request.send(form);
  });
}
