// Every HTTP route of every service, with the schemas its handler validates with (imported from where the
// handler imports them, never copied) and the record ids from the fuzz fixtures that let a generated
// request reach real data. `routes.test`-style completeness is checked against the topology the local
// cloud reads from the services' serverless.yml: a new route without an entry here fails the suite.

import { ConsumerParams, DiscardBody, RedriveBody, ReplayBody, ReplayParams } from '@qdn/shared/ops-routes';
import { PhoneNumber } from '@qdn/shared/phone';
import fc from 'fast-check';
import type * as z from 'zod';
import {
  BoardQuery,
  FeedKeyParams,
  FeedParams,
  FeedQuery,
} from '../../services/calendar/src/domain/calendar-input.ts';
import {
  BookingInput,
  BrandParams,
  CreateJobInput,
  DayRangeQuery,
  JobIdParams,
  ListJobsQuery,
  ListLocationsQuery,
  LocationsInput,
  MarkPaidInput,
  RefundPaidBackInput,
  StatusInput,
  TrackingTokenParams,
  TrackingViewQuery,
  UpdateJobInput,
} from '../../services/jobs/src/domain/job-input.ts';
import { StripeWebhookBody } from '../../services/jobs/src/domain/payment-input.ts';
import {
  BookingUploadRequest,
  DraftPath,
  JobPath,
  PhotoContentTypeInput,
  PhotoPath,
  PhotoUpdate,
  UploadRequest,
} from '../../services/media/src/domain/photo-input.ts';
import {
  ConsentParams,
  DispatcherMessageInput,
  JobIdParams as NotificationJobIdParams,
  ReplyParams,
  StatusCallbackQuery,
  TwilioForm,
} from '../../services/notifications/src/domain/route-input.ts';
import {
  ChecklistItemParams,
  ChecklistTickInput,
  CrewLinkParams,
  ListCrewMembersQuery,
} from '../../services/scc-bridge/src/domain/crew-link-input.ts';
import {
  CreateCrewMemberInput,
  CrewIdParams,
  UpdateCrewMemberInput,
} from '../../services/scc-bridge/src/domain/crew-member.ts';
import type { SchemaHints } from './zod-arbitrary.ts';

/** Records the fixtures create, so generated requests reach real jobs, links and keys. */
export interface Fixtures {
  jobIds: string[];
  photoIds: string[];
  crewIds: string[];
  trackingTokens: string[];
  crewTokens: string[];
  checklistItemIds: string[];
  feedKeys: string[];
  calendarIds: string[];
  brandIds: string[];
  consumers: string[];
  replayNames: string[];
  /** A tracking grant for `jobIds[0]` (the customer pages' bearer token). */
  grant: string;
}

/** Which uniform answer a public token route gives for anything but a live token. */
export type TokenKind = 'tracking' | 'crew' | 'feed';

export interface RouteModel {
  routeKey: string;
  /** Behind the staff JWT authorizer. */
  staff: boolean;
  body?: z.ZodType;
  bodyFormat?: 'json' | 'form';
  maxBodyBytes?: number;
  query?: z.ZodType;
  params?: z.ZodType;
  /** Real values for path parameters (and query fields) that reach stored records. */
  known?: (fixtures: Fixtures) => Record<string, string[]>;
  /** Public routes where every unknown or malformed token must get the same answer. */
  token?: { kind: TokenKind; param: 'token' | 'key' };
  /** Customer routes behind a tracking grant (`Authorization: Bearer <grant>`). */
  grant?: boolean;
  /** Twilio webhooks: signed with the account's auth token over this public path. */
  twilioPath?: string;
  /** Valid-body tweaks the schema can't express (a brand's service types, today's date for drivers). */
  validBody?: (fixtures: Fixtures) => fc.Arbitrary<unknown>;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
/** Fictional San Diego numbers (555-01xx) libphonenumber accepts. */
const phone = fc
  .integer({ min: 100, max: 199 })
  .map((n) =>
    fc.constantFrom(`+1619555${String(n).padStart(4, '0')}`, `(619) 555-${String(n).padStart(4, '0')}`),
  )
  .chain((inner) => inner);

/** Arbitraries for shared schemas whose rules a generic generator would rarely satisfy. */
export const SCHEMA_HINTS: SchemaHints = new Map<z.ZodType, fc.Arbitrary<unknown>>([
  [PhoneNumber, phone],
  [PhotoContentTypeInput, fc.constantFrom('image/jpeg', 'image/png', 'image/webp', 'IMAGE/JPEG ')],
]);

const serviceTypes = fc.constantFrom('trailer_pickup_and_dump', 'trailer_drop', 'junk_removal', 'charter');
const brands = fc.constantFrom('qdn', 'jada', 'queen-of-san-diego');
const windows = fc.constantFrom('morning', 'afternoon', 'sunset');
const address = fc.record({ text: fc.constantFrom('1200 Garnet Ave, San Diego', 'Dock C, Harbor Island') });

const staffRoute = (routeKey: string, options: Omit<RouteModel, 'routeKey' | 'staff'> = {}): RouteModel => ({
  routeKey,
  staff: true,
  ...options,
});
const publicRoute = (routeKey: string, options: Omit<RouteModel, 'routeKey' | 'staff'> = {}): RouteModel => ({
  routeKey,
  staff: false,
  ...options,
});
const jobs = (fixtures: Fixtures) => ({ jobId: fixtures.jobIds });
const consumers = (fixtures: Fixtures) => ({ consumer: fixtures.consumers });

function opsRoutes(service: string): RouteModel[] {
  return [
    staffRoute(`GET /ops/${service}/dlqs`),
    staffRoute(`GET /ops/${service}/dlqs/{consumer}/messages`, { params: ConsumerParams, known: consumers }),
    staffRoute(`POST /ops/${service}/dlqs/{consumer}/redrive`, {
      params: ConsumerParams,
      body: RedriveBody,
      known: consumers,
    }),
    staffRoute(`POST /ops/${service}/dlqs/{consumer}/discard`, {
      params: ConsumerParams,
      body: DiscardBody,
      known: consumers,
    }),
  ];
}

/** Every route the services declare. */
export const ROUTES: RouteModel[] = [
  // jobs
  staffRoute('POST /jobs', {
    body: CreateJobInput,
    validBody: (fixtures) =>
      fc.record({
        brandId: brands,
        customer: fc.record({ name: fc.constantFrom('Mark Soderblom', 'Ana'), phone }),
        address,
        serviceType: serviceTypes,
        schedule: fc.record({ date: fc.integer({ min: 0, max: 30 }).map(day), window: windows }),
        crewIds: fc.subarray(fixtures.crewIds, { maxLength: 2 }),
      }),
  }),
  staffRoute('GET /jobs', {
    query: ListJobsQuery,
    known: (fixtures) => ({ date: [day(0), day(1)], brandId: fixtures.brandIds }),
  }),
  staffRoute('GET /requests'),
  staffRoute('GET /jobs/{jobId}', { params: JobIdParams, known: jobs }),
  staffRoute('PATCH /jobs/{jobId}', { params: JobIdParams, body: UpdateJobInput, known: jobs }),
  staffRoute('POST /jobs/{jobId}/status', { params: JobIdParams, body: StatusInput, known: jobs }),
  staffRoute('POST /jobs/{jobId}/tracking-link', { params: JobIdParams, known: jobs }),
  staffRoute('POST /jobs/{jobId}/payment', { params: JobIdParams, body: MarkPaidInput, known: jobs }),
  staffRoute('POST /jobs/{jobId}/payment/refund', {
    params: JobIdParams,
    body: RefundPaidBackInput,
    known: jobs,
  }),
  staffRoute('POST /jobs/{jobId}/locations', { params: JobIdParams, body: LocationsInput, known: jobs }),
  staffRoute('GET /jobs/{jobId}/locations', { params: JobIdParams, query: ListLocationsQuery, known: jobs }),
  publicRoute('GET /track/{token}', {
    params: TrackingTokenParams,
    query: TrackingViewQuery,
    known: (fixtures) => ({ token: fixtures.trackingTokens }),
    token: { kind: 'tracking', param: 'token' },
  }),
  publicRoute('POST /bookings', {
    body: BookingInput,
    maxBodyBytes: 8 * 1024,
    validBody: () =>
      fc.record({
        brandId: brands,
        name: fc.constantFrom('Mark Soderblom', 'Ana'),
        phone,
        address,
        serviceType: serviceTypes,
        preferredDate: fc.integer({ min: 1, max: 30 }).map(day),
        window: windows,
        smsConsent: fc.constant(true),
      }),
  }),
  // Fixture jobs are a dispatcher's, so a checkout finds no booking (404); a paid one is a 409.
  publicRoute('POST /bookings/{jobId}/checkout', { params: JobIdParams, known: jobs }),
  // Unsigned, as everything a fuzzer sends: every answer must be a 400 (the signature), never a change.
  publicRoute('POST /stripe/webhook', { body: StripeWebhookBody, maxBodyBytes: 256 * 1024 }),
  publicRoute('GET /brands/{brandId}', {
    params: BrandParams,
    known: (fixtures) => ({ brandId: fixtures.brandIds }),
  }),
  publicRoute('GET /brands/{brandId}/availability', {
    params: BrandParams,
    query: DayRangeQuery,
    known: (fixtures) => ({ brandId: fixtures.brandIds }),
  }),
  staffRoute('GET /brands/{brandId}/trailers', {
    params: BrandParams,
    query: DayRangeQuery,
    known: (fixtures) => ({ brandId: fixtures.brandIds }),
  }),
  ...opsRoutes('jobs'),
  staffRoute('POST /ops/jobs/replays', { body: ReplayBody }),
  staffRoute('GET /ops/jobs/replays/{name}', {
    params: ReplayParams,
    known: (fixtures) => ({ name: fixtures.replayNames }),
  }),
  // notifications
  publicRoute('POST /twilio/inbound', {
    body: TwilioForm,
    bodyFormat: 'form',
    twilioPath: '/twilio/inbound',
  }),
  publicRoute('POST /twilio/status', {
    body: TwilioForm,
    bodyFormat: 'form',
    query: StatusCallbackQuery,
    twilioPath: '/twilio/status',
    known: jobs,
  }),
  staffRoute('GET /jobs/{jobId}/timeline', { params: NotificationJobIdParams, known: jobs }),
  staffRoute('POST /jobs/{jobId}/messages', {
    params: NotificationJobIdParams,
    body: DispatcherMessageInput,
    known: jobs,
  }),
  staffRoute('POST /jobs/{jobId}/messages/{messageSid}/restore-consent', {
    params: ReplyParams,
    known: jobs,
  }),
  staffRoute('GET /consent/{phone}', {
    params: ConsentParams,
    known: () => ({ phone: ['+16195550142', '%2B16195550142'] }),
  }),
  publicRoute('GET /track/jobs/{jobId}/messages', {
    params: NotificationJobIdParams,
    known: jobs,
    grant: true,
  }),
  ...opsRoutes('notifications'),
  // media
  staffRoute('POST /jobs/{jobId}/photos/uploads', { params: JobPath, body: UploadRequest, known: jobs }),
  staffRoute('GET /jobs/{jobId}/photos', { params: JobPath, known: jobs }),
  staffRoute('PATCH /jobs/{jobId}/photos/{photoId}', {
    params: PhotoPath,
    body: PhotoUpdate,
    known: (fixtures) => ({ jobId: fixtures.jobIds, photoId: fixtures.photoIds }),
  }),
  staffRoute('DELETE /jobs/{jobId}/photos/{photoId}', {
    params: PhotoPath,
    known: (fixtures) => ({ jobId: fixtures.jobIds, photoId: fixtures.photoIds }),
  }),
  publicRoute('POST /track/jobs/{jobId}/photos/uploads', {
    params: JobPath,
    body: UploadRequest,
    known: jobs,
    grant: true,
  }),
  publicRoute('GET /track/jobs/{jobId}/photos', { params: JobPath, known: jobs, grant: true }),
  publicRoute('POST /bookings/photos/uploads', {
    body: BookingUploadRequest,
    validBody: () =>
      fc.record({
        brandId: brands,
        contentType: fc.constantFrom('image/jpeg', 'image/png'),
        size: fc.integer({ min: 1, max: 10 * 1024 * 1024 }),
      }),
  }),
  publicRoute('GET /bookings/photos/{draftId}', { params: DraftPath }),
  ...opsRoutes('media'),
  // calendar
  publicRoute('GET /calendars/{calendarId}/feed.ics', {
    params: FeedParams,
    query: FeedQuery,
    known: (fixtures) => ({ calendarId: fixtures.calendarIds, key: fixtures.feedKeys }),
    token: { kind: 'feed', param: 'key' },
  }),
  staffRoute('POST /calendars/{calendarId}/feed-key', {
    params: FeedKeyParams,
    known: (fixtures) => ({ calendarId: fixtures.calendarIds }),
  }),
  staffRoute('GET /calendar', {
    query: BoardQuery,
    known: (fixtures) => ({
      from: [day(0), day(-3)],
      to: [day(5), day(60)],
      calendarId: fixtures.calendarIds,
    }),
  }),
  ...opsRoutes('calendar'),
  // scc-bridge
  staffRoute('POST /crew-members', { body: CreateCrewMemberInput }),
  staffRoute('GET /crew-members', { query: ListCrewMembersQuery }),
  staffRoute('PATCH /crew-members/{crewId}', {
    params: CrewIdParams,
    body: UpdateCrewMemberInput,
    known: (fixtures) => ({ crewId: fixtures.crewIds }),
  }),
  publicRoute('GET /crew/{token}', {
    params: CrewLinkParams,
    known: (fixtures) => ({ token: fixtures.crewTokens }),
    token: { kind: 'crew', param: 'token' },
  }),
  publicRoute('POST /crew/{token}/checklist/{itemId}', {
    params: ChecklistItemParams,
    body: ChecklistTickInput,
    maxBodyBytes: 1024,
    known: (fixtures) => ({ token: fixtures.crewTokens, itemId: fixtures.checklistItemIds }),
    token: { kind: 'crew', param: 'token' },
  }),
  ...opsRoutes('scc-bridge'),
];

/** `{jobId}`, `{photoId}`… in a route key, in order. */
export function pathParameterNames(routeKey: string): string[] {
  return [...routeKey.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!);
}
