// The fuzz suite's engine: generated requests to every route of the local cloud, from the routes' own
// schemas, and the properties every answer must keep —
//   1. never a 5xx;
//   2. an invalid request (per the route's schemas, or without a valid staff token) gets a 4xx and
//      writes nothing: every table (but the rate-limit counters, which GET routes may write), the media
//      bucket and the Twilio, SCC and calendar fakes read back the same after a batch of them;
//   3. every unknown or malformed token of a public link route gets that route's one uniform answer.
// `test/integration/fuzz.test.ts` runs it bounded (fixed seed and run counts) in `npm test`;
// `npm run fuzz` (scripts/fuzz.ts) runs it long and saves the figures under bench/results/.
import { createHmac } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { ListTablesCommand, ScanCommand, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { eventually, TEST_DRIVER_CREW_ID, type TestCloud, todayIn } from '@qdn/local-cloud/test-harness';
import fc from 'fast-check';
import type * as z from 'zod';
import { type Fixtures, pathParameterNames, ROUTES, type RouteModel, SCHEMA_HINTS } from './routes.ts';
import { arbitraryFor, hostileValue, nearValid, oddStrings } from './zod-arbitrary.ts';

type StaffRole = 'dispatcher' | 'admin' | 'driver';
/** Who the request claims to be. */
type Caller = 'none' | StaffRole | 'driver-other-crew' | 'garbage' | 'forged' | 'expired' | 'basic';
const VALID_CALLERS: ReadonlySet<Caller> = new Set(['dispatcher', 'admin', 'driver', 'driver-other-crew']);

export interface FuzzRequest {
  route: RouteModel;
  method: string;
  /** The path as sent (percent-encoded). */
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  caller: Caller;
  /** The raw body as sent, if any. */
  body: string | undefined;
  contentType: string | undefined;
  /** Extra headers (Idempotency-Key, If-None-Match, a Twilio signature…). */
  headers: Record<string, string>;
}

export interface FuzzAnswer {
  status: number;
  body: string;
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';
export const statusClass = (status: number): StatusClass =>
  status >= 500 ? '5xx' : status >= 400 ? '4xx' : status >= 300 ? '3xx' : '2xx';

export interface FuzzStats {
  requests: number;
  byClass: Record<StatusClass, number>;
  byRoute: Record<string, { requests: number; invalid: number } & Record<StatusClass, number>>;
  invalidRequests: number;
  invalidBatchesReadBack: number;
  writesFromInvalid: number;
  tokenProbes: number;
  nonUniformTokenAnswers: number;
}

export interface FuzzFailure {
  property: string;
  request: string;
  detail: string;
}

export function emptyStats(): FuzzStats {
  return {
    requests: 0,
    byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    byRoute: Object.fromEntries(
      ROUTES.map((route) => [
        route.routeKey,
        { requests: 0, invalid: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
      ]),
    ),
    invalidRequests: 0,
    invalidBatchesReadBack: 0,
    writesFromInvalid: 0,
    tokenProbes: 0,
    nonUniformTokenAnswers: 0,
  };
}

// ---------------------------------------------------------------------------------------------------
// The target: a test cloud, staff tokens, fixtures

export interface FuzzTarget {
  harness: TestCloud;
  tokens: Record<Caller, string | undefined>;
  fixtures: Fixtures;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Records for the generated requests to reach: a roster member, a trailer job of today for the test
 * driver (with its tracking link and grant), a charter with that member (its crew link, texted), a web
 * booking, a photo ticket, a calendar feed key, the services' consumer names. Waits for the fan-out to
 * settle so that later read-backs see only what the fuzzed requests do.
 */
export async function prepareTarget(harness: TestCloud): Promise<FuzzTarget> {
  const { api, cloud } = harness;
  // biome-ignore lint/suspicious/noExplicitAny: fixture answers are read field by field; a bad one throws below
  const ok = async (what: string, answer: Promise<{ status: number; body: any }>) => {
    const { status, body } = await answer;
    if (status >= 300) throw new Error(`Fuzz fixture ${what}: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  const member = await ok(
    'crew member',
    api('POST', '/crew-members', {
      role: 'admin',
      body: { name: 'Alice Marin', phone: '(619) 555-0171', role: 'captain' },
    }),
  );
  const crewId: string = member.crewMember.crewId;
  const today = todayIn();
  // Independent records at once: each first request is a cold start.
  const [trailer, charter, booking, feed] = await Promise.all([
    ok(
      'trailer job',
      api('POST', '/jobs', {
        role: 'dispatcher',
        body: {
          customer: { name: 'Dana Dumpster', phone: '(619) 555-0188' },
          address: { text: '1200 Garnet Ave, San Diego' },
          serviceType: 'trailer_drop',
          schedule: { date: today, window: 'morning' },
          crewIds: [TEST_DRIVER_CREW_ID],
        },
      }),
    ),
    ok(
      'charter',
      api('POST', '/jobs', {
        role: 'admin',
        body: {
          brandId: 'jada',
          customer: { name: 'Mark Soderblom', phone: '(619) 555-0142' },
          address: { text: 'Harbor Island West Marina, San Diego' },
          serviceType: 'charter',
          schedule: { date: day(5), time: '17:30' },
          charter: { vessel: 'JADA', meetingPoint: 'Dock C, slip 12', guestCount: 6, durationMinutes: 180 },
          crewIds: [crewId],
        },
      }),
    ),
    ok(
      'booking',
      api('POST', '/bookings', {
        body: {
          brandId: 'qdn',
          serviceType: 'junk_removal',
          name: 'Ana',
          phone: '+16195550177',
          address: { text: 'Soderblom Ave, San Diego, CA' },
          preferredDate: day(7),
          window: 'afternoon',
          smsConsent: true,
        },
      }),
    ),
    ok('feed key', api('POST', '/calendars/dispatch/feed-key', { role: 'admin' })),
  ]);
  const trackingToken = String(trailer.trackingUrl).split('/track/')[1]!;
  const view = await ok('tracking view', api('GET', `/track/${trackingToken}`));
  // Media learns of a job from its JobCreated event: a ticket is refused until then.
  const photo = await eventually(
    async () => {
      const answer = await api('POST', `/jobs/${trailer.job.jobId}/photos/uploads`, {
        role: 'dispatcher',
        body: { contentType: 'image/jpeg', size: 1000 },
      });
      return answer.status === 201 && answer.body;
    },
    { what: 'a photo ticket for the fixture job', timeoutMs: 30_000 },
  );
  const crewToken = await waitFor('the crew link SMS', () => {
    const texted = cloud.twilio.messages().find((message) => /\/crew\/[A-Za-z0-9_-]{20,}/.test(message.body));
    return texted && /\/crew\/([A-Za-z0-9_-]+)/.exec(texted.body)![1];
  });
  const crewPage = await ok('crew page', api('GET', `/crew/${crewToken}`));
  const consumers = new Set<string>();
  for (const service of ['jobs', 'notifications', 'media', 'calendar', 'scc-bridge']) {
    const summaries = await ok(`${service} dlqs`, api('GET', `/ops/${service}/dlqs`, { role: 'admin' }));
    for (const name of JSON.stringify(summaries).matchAll(/"consumer":"([^"]+)"/g)) consumers.add(name[1]!);
  }
  const checklistItemIds = [
    ...JSON.stringify(crewPage.checklist ?? crewPage).matchAll(/"(?:itemId|id)":"([^"]+)"/g),
  ].map((match) => match[1]!);
  const tokens: Record<Caller, string | undefined> = {
    none: undefined,
    dispatcher: harness.tokens.dispatcher,
    admin: harness.tokens.admin,
    driver: harness.tokens.driver,
    'driver-other-crew': await harness.tokenFor('driver', { crewId: 'crew_someone_else' }),
    garbage: 'Bearer not-a-jwt',
    // A real token with its signature's last characters changed.
    forged: `Bearer ${harness.tokens.admin!.slice(0, -4)}AAAA`,
    // A token with no signature at all ("alg": "none").
    expired: `Bearer ${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: 'x', 'cognito:groups': ['admin'], exp: 1 }),
    ).toString('base64url')}.`,
    basic: 'Basic YWRtaW46YWRtaW4=',
  };
  for (const caller of ['dispatcher', 'admin', 'driver', 'driver-other-crew'] as const) {
    tokens[caller] = `Bearer ${tokens[caller]}`;
  }
  const target: FuzzTarget = {
    harness,
    tokens,
    fixtures: {
      jobIds: [trailer.job.jobId, charter.job.jobId, booking.jobId],
      photoIds: [photo.photoId],
      crewIds: [crewId, TEST_DRIVER_CREW_ID],
      trackingTokens: [trackingToken],
      crewTokens: [crewToken],
      checklistItemIds: checklistItemIds.length ? checklistItemIds : ['safety-briefing'],
      feedKeys: [feed.feedKey],
      calendarIds: ['dispatch', 'brand-qdn', `crew-${crewId}`],
      brandIds: ['qdn', 'jada', 'queen-of-san-diego'],
      consumers: [...consumers],
      replayNames: ['qdn-local-fuzz-none', 'someone-elses-replay'],
      grant: view.grant.grant,
    },
  };
  await settle(target);
  return target;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Fuzz fixtures: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---------------------------------------------------------------------------------------------------
// Read-back: what an invalid request must leave unchanged

/** Every table but the rate-limit counters, the media bucket's keys, and what the fakes recorded. */
export async function readBack(target: FuzzTarget): Promise<Map<string, string[]>> {
  const { cloud } = target.harness;
  const state = new Map<string, string[]>();
  const { TableNames = [] } = await cloud.clients.dynamodb.send(new ListTablesCommand({}));
  for (const table of TableNames.filter((name) => !name.endsWith('-counters'))) {
    const items: string[] = [];
    let start: ScanCommandInput['ExclusiveStartKey'];
    do {
      const page = await cloud.clients.dynamodb.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.push(JSON.stringify(item, Object.keys(item).sort()));
      start = page.LastEvaluatedKey;
    } while (start);
    state.set(`table ${table}`, items.sort());
  }
  for (const { name } of cloud.provisioned.buckets.values()) {
    if (!name.includes('media')) continue;
    const { Contents = [] } = await cloud.clients.s3.send(new ListObjectsV2Command({ Bucket: name }));
    state.set(`bucket ${name}`, Contents.map((object) => `${object.Key} ${object.Size}`).sort());
  }
  state.set(
    'twilio messages',
    cloud.twilio.messages().map((message) => `${message.to} ${message.body}`),
  );
  state.set(
    'scc events',
    cloud.scc.events().map((event) => JSON.stringify(event)),
  );
  state.set(
    'calendar entries',
    cloud.calendar.entries().map((entry) => JSON.stringify(entry)),
  );
  return state;
}

/** What differs between two read-backs, named (empty when nothing was written). */
export function writesBetween(before: Map<string, string[]>, after: Map<string, string[]>): string[] {
  const changes: string[] = [];
  for (const [name, items] of after) {
    const previous = new Set(before.get(name) ?? []);
    const current = new Set(items);
    const added = items.filter((item) => !previous.has(item));
    const removed = [...previous].filter((item) => !current.has(item));
    if (added.length || removed.length) {
      changes.push(
        `${name}: +${added.length} -${removed.length} ${(added[0] ?? removed[0] ?? '').slice(0, 400)}`,
      );
    }
  }
  return changes;
}

/** Waits until two read-backs a second apart agree: the fan-out of earlier requests is done. */
export async function settle(target: FuzzTarget, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous = await readBack(target);
  for (;;) {
    await target.harness.cloud.twilio.idle();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const current = await readBack(target);
    if (writesBetween(previous, current).length === 0) return;
    if (Date.now() > deadline) throw new Error('The local cloud did not settle after the fuzz fixtures');
    previous = current;
  }
}

// ---------------------------------------------------------------------------------------------------
// Generating requests

/** Path parameter values: the fixtures' real ones, schema-shaped ones, and odd ones. */
function paramValue(route: RouteModel, name: string, fixtures: Fixtures): fc.Arbitrary<string> {
  const known = route.known?.(fixtures)[name] ?? [];
  const shape = (route.params as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
  const schemaShaped = shape?.[name]
    ? arbitraryFor(shape[name], SCHEMA_HINTS).map((value) => String(value))
    : fc.string({ minLength: 1, maxLength: 30 });
  const odd = fc.oneof(
    oddStrings,
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
    fc.integer({ min: 65, max: 3_000 }).map((length) => 'A'.repeat(length)),
    fc.constantFrom(...known, 'x').map((value) => `${value}x`),
    fc.constantFrom(...known, 'x').map((value) => value.toUpperCase()),
  );
  return fc
    .oneof(
      ...(known.length ? [{ weight: 6, arbitrary: fc.constantFrom(...known) }] : []),
      { weight: 2, arbitrary: schemaShaped },
      { weight: 2, arbitrary: odd },
    )
    .map(pathSafe);
}

/**
 * A value that stays one path segment: no '/', '?', '#' (they would select another route or cut the
 * path, which is the gateway's business, not the route's), not empty, not '.' or '..'.
 */
function pathSafe(value: string): string {
  // A lone surrogate can't be percent-encoded (URIError): it becomes U+FFFD, as a browser would send it.
  const cleaned = value.toWellFormed().replace(/[/?#\\]/g, '_');
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? `_${cleaned}` : cleaned;
}

/** Query fields: valid ones (strings, as the gateway passes them), broken ones, unknown ones. */
function queryArbitrary(route: RouteModel, fixtures: Fixtures): fc.Arbitrary<Record<string, string>> {
  const known = route.known?.(fixtures) ?? {};
  const stringify = (value: unknown): Record<string, string> =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, field]) => field !== undefined)
            .map(([key, field]) => [key, typeof field === 'string' ? field : JSON.stringify(field)]),
        )
      : {};
  const fromKnown = fc.record(
    Object.fromEntries(Object.entries(known).map(([key, values]) => [key, fc.constantFrom(...values)])),
    { requiredKeys: [] },
  );
  const valid = route.query ? arbitraryFor(route.query, SCHEMA_HINTS) : fc.constant({});
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(valid, fromKnown)
        .map(([value, real]): Record<string, string> => ({ ...stringify(value), ...stringify(real) })),
    },
    { weight: 2, arbitrary: nearValid(valid).map(stringify) },
    { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(oddStrings, fc.string())) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** Raw bodies no JSON route should act on. */
const hostileRawBody = fc.oneof(
  fc.constantFrom('[]', 'null', '""', '0', 'true', '{', '{"a":}', '{"a":1,"a":2}', '\u0000', '{}{}', '[{}]'),
  fc.constant('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}'),
  fc.integer({ min: 100, max: 30_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 100, max: 10_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.integer({ min: 8_000, max: 70_000 }).map((length) => JSON.stringify({ body: 'x'.repeat(length) })),
  fc.string({ unit: 'binary', maxLength: 200 }),
  hostileValue.map((value) => JSON.stringify(value) ?? 'undefined'),
);

/** A JSON body for the route: valid, near-valid or hostile (as raw text), or none. */
function jsonBodyArbitrary(route: RouteModel, fixtures: Fixtures): fc.Arbitrary<string | undefined> {
  const valid = route.validBody
    ? fc.oneof(route.validBody(fixtures), arbitraryFor(route.body!, SCHEMA_HINTS))
    : route.body
      ? arbitraryFor(route.body, SCHEMA_HINTS)
      : fc.constant({});
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((value) => JSON.stringify(value)) },
    { weight: 4, arbitrary: nearValid(valid).map((value) => JSON.stringify(value)) },
    { weight: 3, arbitrary: hostileRawBody },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Twilio's form fields: an inbound SMS or a status callback, near-valid, or junk. */
function formBodyArbitrary(fixtures: Fixtures): fc.Arbitrary<Record<string, string>> {
  const sid = (prefix: string) => fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `${prefix}${hex}`);
  const inbound = fc.record({
    MessageSid: sid('SM'),
    AccountSid: fc.constant(`AC${'0'.repeat(31)}1`),
    From: fc.constantFrom('+16195550142', '+16195550188', '+16195550171', '+447700900123', 'not-a-number'),
    To: fc.constantFrom('+16195550110', '+16195550100'),
    Body: fc.oneof(fc.constantFrom('STOP', 'START', 'HELP', 'On my way?', ''), oddStrings, fc.string()),
    NumMedia: fc.constantFrom('0', '1', '-1', '99999'),
  });
  const status = fc.record({
    MessageSid: sid('SM'),
    MessageStatus: fc.constantFrom('queued', 'sent', 'delivered', 'undelivered', 'failed', 'bogus status'),
    ErrorCode: fc.constantFrom('30003', '21610', ''),
  });
  const junk = fc.dictionary(
    fc.string({ maxLength: 20 }),
    fc.oneof(oddStrings, fc.string({ maxLength: 200 })),
    {
      maxKeys: 8,
    },
  );
  void fixtures;
  return fc.oneof(
    inbound,
    status,
    junk,
    nearValid(inbound).map(formFields),
    nearValid(status).map(formFields),
  );
}

const formFields = (value: unknown): Record<string, string> =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, String(field)]))
    : {};

/** `X-Twilio-Signature`: HMAC-SHA1 of the URL and the sorted form fields under the auth token. */
export function twilioSignature(url: string, form: Record<string, string>): string {
  const data = Object.keys(form)
    .sort()
    .reduce((text, key) => text + key + form[key], url);
  return createHmac('sha1', 'local-twilio-auth-token').update(Buffer.from(data, 'utf8')).digest('base64');
}

const callerArbitrary = (route: RouteModel): fc.Arbitrary<Caller> =>
  route.staff
    ? fc.oneof(
        { weight: 6, arbitrary: fc.constant<Caller>('admin') },
        { weight: 3, arbitrary: fc.constant<Caller>('dispatcher') },
        { weight: 3, arbitrary: fc.constantFrom<Caller>('driver', 'driver-other-crew') },
        { weight: 2, arbitrary: fc.constantFrom<Caller>('none', 'garbage', 'forged', 'expired', 'basic') },
      )
    : fc.oneof(
        { weight: 6, arbitrary: fc.constant<Caller>('none') },
        { weight: 1, arbitrary: fc.constantFrom<Caller>('admin', 'garbage', 'forged') },
      );

const contentTypes = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/vnd.api+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'APPLICATION/JSON',
      '',
    ),
  },
);

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'idempotency-key',
    'if-none-match',
    'x-forwarded-for',
    'origin',
    'x-amzn-trace-id',
    'accept',
  ),
  fc.oneof(
    fc.constantFrom('*', '"abc"', '127.0.0.1, 10.0.0.1', 'W/"x"', 'null'),
    fc.string({ unit: fc.constantFrom(...'abcdefXYZ0189-_.:;,= "'.split('')), maxLength: 300 }),
  ),
  { maxKeys: 3 },
);

function pathOf(route: RouteModel, params: Record<string, string>): string {
  const template = route.routeKey.split(' ')[1]!;
  // A generated string can hold a lone surrogate, which no URL can carry (encodeURIComponent throws):
  // it goes as U+FFFD, as a browser would send it.
  return template.replace(/\{([^}]+)\}/g, (_whole, name: string) =>
    encodeURIComponent(params[name]!.toWellFormed()),
  );
}

/** One request to the route, of any kind. */
export function requestArbitrary(route: RouteModel, target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  const { fixtures } = target;
  const method = route.routeKey.split(' ')[0]!;
  const params = fc.record(
    Object.fromEntries(
      pathParameterNames(route.routeKey).map((name) => [name, paramValue(route, name, fixtures)]),
    ),
  );
  const takesBody = method !== 'GET' && method !== 'DELETE';
  const grantHeader = fc.oneof(
    { weight: 4, arbitrary: fc.constant(`Bearer ${fixtures.grant}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `Bearer ${fixtures.grant.slice(0, -3)}abc`,
        'Bearer ',
        `Bearer ${fixtures.grant}${fixtures.grant}`,
        'garbage',
      ),
    },
  );
  const body: fc.Arbitrary<{ body?: string; contentType?: string; headers: Record<string, string> }> =
    route.bodyFormat === 'form'
      ? fc
          .tuple(formBodyArbitrary(fixtures), fc.boolean(), fc.boolean())
          .map(([form, formEncoded, signed]) => ({
            body: formEncoded ? new URLSearchParams(form).toString() : JSON.stringify(form),
            contentType: formEncoded ? 'application/x-www-form-urlencoded' : 'application/json',
            headers: signed ? { 'x-twilio-signature': 'to be signed' } : {},
            form,
          }))
      : takesBody
        ? fc
            .tuple(jsonBodyArbitrary(route, fixtures), contentTypes)
            .map(([raw, contentType]) => ({ body: raw, contentType, headers: {} }))
        : fc.oneof(
            { weight: 6, arbitrary: fc.constant({ headers: {} }) },
            {
              weight: 1,
              arbitrary: hostileRawBody.map((raw) => ({
                body: raw,
                contentType: 'application/json',
                headers: {},
              })),
            },
          );
  return fc
    .record({
      params,
      query: queryArbitrary(route, fixtures),
      caller: callerArbitrary(route),
      body,
      headers: extraHeaders,
      grant: grantHeader,
    })
    .map(({ params, query, caller, body, headers, grant }) => {
      const path = pathOf(route, params);
      // Past ~16 KB of request line and headers the HTTP server itself answers 431 (API Gateway has its
      // own limit): queries stay under it so the request reaches the route.
      const full = new URLSearchParams(query).toString();
      const search = full.length + path.length > 6_000 ? '' : full;
      if (!search) for (const key of Object.keys(query)) delete query[key];
      const request: FuzzRequest = {
        route,
        method,
        path: search ? `${path}?${search}` : path,
        params,
        query,
        caller,
        body: body.body,
        contentType: body.contentType,
        headers: { ...headers, ...body.headers },
      };
      if (route.grant) request.headers.authorization = grant;
      if (request.headers['x-twilio-signature']) {
        const form = Object.fromEntries(new URLSearchParams(body.body ?? ''));
        request.headers['x-twilio-signature'] = twilioSignature(
          `${target.harness.cloud.apiUrl}${request.path}`,
          form,
        );
      }
      return request;
    });
}

// ---------------------------------------------------------------------------------------------------
// The oracle: is the request invalid by the route's own rules?

/** Why the route must refuse the request (from its schemas and the caller), or undefined. */
export function invalidReason(request: FuzzRequest): string | undefined {
  const { route } = request;
  if (route.staff && !VALID_CALLERS.has(request.caller)) return `caller ${request.caller}`;
  const params = route.params?.safeParse(request.params);
  if (params && !params.success) return 'path parameters';
  const query = route.query?.safeParse(request.query);
  if (query && !query.success) return 'query';
  const raw = request.body;
  const bytes = raw === undefined ? 0 : Buffer.byteLength(raw);
  if (bytes > (route.maxBodyBytes ?? 64 * 1024)) return 'body too large';
  if (!route.body) {
    return raw === undefined || raw === '' || /^\s*(\{\s*\})?\s*$/.test(raw)
      ? undefined
      : 'a body where none is taken';
  }
  let parsed: unknown;
  if (raw !== undefined && raw !== '') {
    if (route.bodyFormat === 'form') {
      if (!/^application\/x-www-form-urlencoded\b/i.test(request.contentType ?? '')) return 'content type';
      parsed = Object.fromEntries(new URLSearchParams(raw));
    } else {
      if (!/^application\/(.+\+)?json\b/i.test(request.contentType ?? 'application/json'))
        return 'content type';
      try {
        parsed = JSON.parse(raw);
      } catch {
        return 'malformed JSON';
      }
    }
  }
  return route.body.safeParse(parsed).success ? undefined : 'body';
}

// ---------------------------------------------------------------------------------------------------
// Sending

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export function send(target: FuzzTarget, request: FuzzRequest): Promise<FuzzAnswer> {
  const url = new URL(target.harness.cloud.apiUrl);
  const authorization = target.tokens[request.caller];
  const headers: Record<string, string> = {
    ...request.headers,
    ...(authorization && !request.route.grant ? { authorization } : {}),
    ...(request.contentType !== undefined && request.body !== undefined
      ? { 'content-type': request.contentType }
      : {}),
    // Node's client frames a GET's or DELETE's body with neither Content-Length nor chunked encoding, so
    // the server would read it as the next request (an empty 400, or a reset past ~64 KB). curl and
    // browsers send the length; so do we, and the route itself judges the body.
    ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
  };
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, path: request.path, method: request.method, headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Sends a batch a few at a time (the local cloud runs several function instances). */
async function sendAll(target: FuzzTarget, requests: FuzzRequest[], concurrency = 4): Promise<FuzzAnswer[]> {
  const answers: FuzzAnswer[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      answers[index] = await send(target, requests[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return answers;
}

export function describeRequest(request: FuzzRequest): string {
  const body =
    request.body === undefined ? '' : ` body(${request.contentType}) ${request.body.slice(0, 300)}`;
  return `${request.caller} ${request.method} ${request.path.slice(0, 300)}${body}`;
}

function count(stats: FuzzStats, request: FuzzRequest, answer: FuzzAnswer, invalid: boolean) {
  const kind = statusClass(answer.status);
  const route = stats.byRoute[request.route.routeKey]!;
  stats.requests++;
  stats.byClass[kind]++;
  route.requests++;
  route[kind]++;
  if (invalid) {
    stats.invalidRequests++;
    route.invalid++;
  }
}

// ---------------------------------------------------------------------------------------------------
// The properties

export interface FuzzOptions {
  seed: number;
  /** Batches of invalid requests, each read back before and after. */
  invalidBatches: number;
  batchSize: number;
  /** Requests of any kind, spread evenly over the routes (no read-back: valid ones write). */
  mixedRuns: number;
  /** Tokens tried on each public link route. */
  tokenRuns: number;
  /** Called after each batch, e.g. to print progress. */
  progress?: (stats: FuzzStats) => void;
}

const anyRoute = (target: FuzzTarget) =>
  fc.constantFrom(...ROUTES).chain((route) => requestArbitrary(route, target));

/**
 * Runs the three properties; resolves with the figures and the failures (none when every property
 * held). Each property stops at its first failure (no shrinking: each run costs real requests) and
 * names the request.
 */
export async function fuzz(target: FuzzTarget, options: FuzzOptions) {
  const stats = emptyStats();
  const failures: FuzzFailure[] = [];
  const fail = (property: string, request: FuzzRequest, detail: string) => {
    failures.push({ property, request: describeRequest(request), detail });
    return false;
  };
  const runOptions = (numRuns: number) => ({ seed: options.seed, numRuns, endOnFailure: true });
  /** A run that threw (a refused connection, a timeout) is a failure too, named with its input. */
  const check = async <T>(property: fc.IAsyncProperty<T>, numRuns: number, name: string) => {
    const failedBefore = failures.length;
    const result = await fc.check(property, runOptions(numRuns));
    if (result.failed && failures.length === failedBefore) {
      failures.push({
        property: name,
        request: fc.stringify(result.counterexample).slice(0, 1_000),
        detail: String(result.errorInstance ?? 'failed'),
      });
    }
  };

  // 1 + 2: invalid requests — a 4xx, and nothing written (read back around each batch).
  const invalidRequest = anyRoute(target).filter((request) => invalidReason(request) !== undefined);
  await check(
    fc.asyncProperty(
      fc.array(invalidRequest, { minLength: options.batchSize, maxLength: options.batchSize }),
      async (batch) => {
        const before = await readBack(target);
        const answers = await sendAll(target, batch);
        const after = await readBack(target);
        stats.invalidBatchesReadBack++;
        let held = true;
        batch.forEach((request, index) => {
          const answer = answers[index]!;
          count(stats, request, answer, true);
          if (answer.status < 400 || answer.status >= 500) {
            held = fail(
              'an invalid request gets a 4xx',
              request,
              `${invalidReason(request)} → ${answer.status} ${answer.body.slice(0, 300)}`,
            );
          }
        });
        const writes = writesBetween(before, after);
        if (writes.length) {
          stats.writesFromInvalid++;
          held = fail(
            'an invalid request writes nothing',
            batch[0]!,
            `a batch of ${batch.length} invalid requests wrote: ${writes.join('; ')}; the batch: ${batch.map(describeRequest).join(' | ')}`,
          );
        }
        options.progress?.(stats);
        return held;
      },
    ),
    options.invalidBatches,
    'an invalid request gets a 4xx and writes nothing',
  );

  // 3: the uniform answer for unknown and malformed tokens of the public link routes.
  for (const route of ROUTES.filter((candidate) => candidate.token)) {
    // Only requests the route would otherwise take: a 400 for a bad body says nothing about the token.
    const takeable = requestArbitrary(route, target).filter(
      (request) => invalidReason(request) === undefined,
    );
    const [base] = fc.sample(takeable, { seed: options.seed, numRuns: 1 });
    const reference = await send(target, withToken(base!, target, 'Q'.repeat(43)));
    const real = [...new Set(Object.values(route.known?.(target.fixtures) ?? {}).flat())];
    const token = fc
      .oneof(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 70 }),
        oddStrings,
        fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        fc.integer({ min: 60, max: 2_000 }).map((length) => 'D'.repeat(length)),
        fc.constantFrom(...real).map((value) => `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`),
        fc.constantFrom(...real).map((value) => `${value}A`),
        fc.constantFrom(...real).map((value) => value.toLowerCase()),
      )
      .map(pathSafe)
      .filter((value) => !real.includes(value));
    await check(
      fc.asyncProperty(takeable, token, async (generated, value) => {
        const request = withToken(generated, target, value);
        const answer = await send(target, request);
        stats.tokenProbes++;
        count(stats, request, answer, false);
        if (answer.status !== reference.status || answer.body !== reference.body) {
          stats.nonUniformTokenAnswers++;
          return fail(
            'every unknown or malformed token gets the same answer',
            request,
            `expected ${reference.status} ${reference.body}, got ${answer.status} ${answer.body.slice(0, 300)}`,
          );
        }
        return true;
      }),
      options.tokenRuns,
      'every unknown or malformed token gets the same answer',
    );
  }

  // 1: requests of every kind, route by route — never a 5xx; an invalid one still a 4xx.
  let sinceProgress = 0;
  for (const route of ROUTES) {
    await check(
      fc.asyncProperty(requestArbitrary(route, target), async (request) => {
        const answer = await send(target, request);
        const reason = invalidReason(request);
        count(stats, request, answer, reason !== undefined);
        if (++sinceProgress >= options.batchSize) {
          sinceProgress = 0;
          options.progress?.(stats);
        }
        if (answer.status >= 500)
          return fail('never a 5xx', request, `${answer.status} ${answer.body.slice(0, 300)}`);
        if (reason && answer.status < 400)
          return fail('an invalid request gets a 4xx', request, `${reason} → ${answer.status}`);
        return true;
      }),
      Math.ceil(options.mixedRuns / ROUTES.length),
      'never a 5xx',
    );
  }
  return { stats, failures };
}

/** The request with its link token (path parameter or `?key=` of a real calendar) replaced by `value`. */
function withToken(request: FuzzRequest, target: FuzzTarget, value: string): FuzzRequest {
  const { route } = request;
  const params = { ...request.params };
  let query = { ...request.query };
  if (route.token!.param === 'key') {
    params.calendarId = target.fixtures.calendarIds[0]!;
    query = { key: value };
  } else {
    params[route.token!.param] = value;
  }
  const path = pathOf(route, params);
  const search = new URLSearchParams(query).toString();
  return { ...request, params, query, path: search ? `${path}?${search}` : path, caller: 'none' };
}
