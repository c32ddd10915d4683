import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import * as z from 'zod';
import { loadBrands } from '../../src/brand-loader.ts';
import { brandsFrom, requireMessagingServices } from '../../src/brands.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { isTransient, PermanentError, TransientError } from '../../src/errors.ts';
import { JobCreated, JobOnBus, jobEventId, parseBusEvent } from '../../src/events.ts';
import { maskPhoneNumbers, maskSensitive } from '../../src/logging.ts';
import { batchEntries } from '../../src/publish.ts';
import { backoffDelayMs } from '../../src/retry.ts';
import { DEFAULT_SLA } from '../../src/sla.ts';

const localBrandsFile = fileURLToPath(new URL('../../config/brands.local.json', import.meta.url));

const job = {
  jobId: 'qdn_01JABCDEF',
  brandId: 'qdn',
  version: 3,
  status: 'scheduled',
  serviceType: 'trailer_pickup_and_dump',
  customer: { name: 'Mark Soderblom', firstName: 'Mark', phone: '+16195550123' },
  address: { text: '123 Soderblom Ave, San Diego' },
  schedule: { date: '2026-12-01', window: 'afternoon' },
  crewIds: [],
  priceCents: 60000,
};
const meta = {
  eventId: jobEventId('qdn_01JABCDEF', 3, 'JobCreated'),
  occurredAt: '2026-11-22T12:00:00.000Z',
  brandId: 'qdn',
  jobId: 'qdn_01JABCDEF',
  version: 3,
  actor: 'user-1',
  correlationId: 'corr-1',
};

describe('loadConfig', () => {
  it('given every variable, then it returns them typed', () => {
    expect(loadConfig({ TABLE: z.string(), PORT: z.coerce.number() }, { TABLE: 't', PORT: '3' })).toEqual({
      TABLE: 't',
      PORT: 3,
    });
  });

  it('given missing variables, then it fails naming each of them', () => {
    expect(() => loadConfig({ JOBS_TABLE: z.string(), EVENT_BUS_NAME: z.string() }, {})).toThrow(
      new ConfigError('Configuration error: JOBS_TABLE is not set; EVENT_BUS_NAME is not set'),
    );
  });
});

describe('log masking', () => {
  it('given phone numbers in text, then only the last four digits remain', () => {
    expect(maskPhoneNumbers('texted +16195550123 and (619) 555-0199')).toBe('texted ***0123 and ***0199');
  });

  it('given secret-looking keys, then their values are hidden wherever they are', () => {
    expect(
      JSON.stringify({ authToken: 'abc', nested: { apiKeySecret: 'def', note: 'ok' } }, maskSensitive),
    ).toBe('{"authToken":"***","nested":{"apiKeySecret":"***","note":"ok"}}');
  });

  it('given dates, ids and account numbers, then they are left alone', () => {
    expect(maskPhoneNumbers('job qdn_01JABCDEF on 2026-12-01')).toBe('job qdn_01JABCDEF on 2026-12-01');
    const arn = 'arn:aws:lambda:us-west-2:000000000000:function:qdn-notifications-local-sms';
    expect(maskPhoneNumbers(arn)).toBe(arn);
    expect(maskPhoneNumbers('took 1732281234567 ms')).toBe('took 1732281234567 ms');
  });
});

describe('isTransient', () => {
  it.each([
    ['a TransientError', new TransientError('x'), true],
    ['a PermanentError', new PermanentError('x', { code: 21610 }), false],
    ['a connection reset', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), true],
    ['an HTTP 429', Object.assign(new Error('slow down'), { status: 429 }), true],
    ['an HTTP 503', Object.assign(new Error('down'), { status: 503 }), true],
    ['an HTTP 400', Object.assign(new Error('bad'), { status: 400 }), false],
    ['an AWS throttle', Object.assign(new Error('throttled'), { $retryable: { throttling: true } }), true],
    ['a validation error', new z.ZodError([]), false],
    [
      'AWS refusing a call our role is not granted (a deploy missing a grant)',
      Object.assign(new Error('not authorized to perform: dynamodb:Query'), {
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
      }),
      true,
    ],
    [
      'an AWS validation error',
      Object.assign(new Error('bad key'), {
        name: 'ValidationException',
        $metadata: { httpStatusCode: 400 },
      }),
      false,
    ],
    ['an unknown error', new Error('???'), true],
    [
      'date arithmetic past year 9999',
      (() => {
        try {
          new Date(Date.UTC(10000, 0, 1) * 100).toISOString();
        } catch (error) {
          return error;
        }
      })(),
      false,
    ],
  ])('given %s, then transient is %p', (_, error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffDelayMs(1, 100, 5000, () => 1)).toBe(100);
    expect(backoffDelayMs(4, 100, 5000, () => 1)).toBe(800);
    expect(backoffDelayMs(20, 100, 5000, () => 1)).toBe(5000);
    expect(backoffDelayMs(4, 100, 5000, () => 0)).toBe(0);
  });
});

describe('event schemas', () => {
  it('given a job with a private field, then the bus projection rejects it', () => {
    expect(JobOnBus.safeParse({ ...job, revenueSplit: { captain: 0.3 } }).success).toBe(false);
    expect(JobOnBus.safeParse({ ...job, customer: { ...job.customer, internalNotes: 'vip' } }).success).toBe(
      false,
    );
    expect(JobOnBus.safeParse(job).success).toBe(true);
  });

  it('given a phone that is not E.164, then the event is invalid', () => {
    const result = JobCreated.safeParse({
      meta,
      data: { job: { ...job, customer: { ...job.customer, phone: '619-555' } } },
    });
    expect(result.success).toBe(false);
  });

  it('given an EventBridge envelope from SQS, then it parses the detail with its schema', () => {
    const event = parseBusEvent({
      version: '0',
      id: 'e-1',
      'detail-type': 'JobCreated',
      source: 'qdn.jobs',
      account: '000000000000',
      time: '2026-11-22T12:00:00Z',
      region: 'us-west-2',
      resources: [],
      detail: { meta, data: { job } },
    });
    expect(event.detailType).toBe('JobCreated');
    expect(event.detail.meta.schemaVersion).toBe(1);
    expect(event.replayName).toBeUndefined();
  });

  it('gives the same event id for the same job version and type', () => {
    expect(jobEventId('qdn_1', 4, 'JobStatusChanged')).toBe(jobEventId('qdn_1', 4, 'JobStatusChanged'));
    expect(jobEventId('qdn_1', 4, 'JobStatusChanged')).not.toBe(jobEventId('qdn_1', 5, 'JobStatusChanged'));
  });
});

describe('batchEntries', () => {
  const entry = (bytes: number) => ({
    Source: 'qdn.jobs',
    DetailType: 'JobCreated',
    Detail: 'x'.repeat(bytes),
  });

  it('given 23 small entries, then calls of 10, 10 and 3', () => {
    expect(batchEntries(Array.from({ length: 23 }, () => entry(10))).map((batch) => batch.length)).toEqual([
      10, 10, 3,
    ]);
  });

  it('given entries that would exceed 256 KB together, then they are split by size', () => {
    expect(
      batchEntries([entry(100_000), entry(100_000), entry(100_000)]).map((batch) => batch.length),
    ).toEqual([2, 1]);
  });

  it('given one entry over 256 KB, then it refuses', () => {
    expect(() => batchEntries([entry(300_000)])).toThrow(/larger than/);
  });
});

describe('brands', () => {
  it('given the local configuration, then the three brands load and the default is QuickDumpNow', async () => {
    const brands = await loadBrands({ BRANDS_FILE: localBrandsFile });
    expect(brands.all().map((brand) => brand.displayName)).toEqual([
      'QuickDumpNow',
      'JADA Sail Charters',
      'Queen of San Diego',
    ]);
    expect(brands.get().brandId).toBe('qdn');
    expect(brands.get('jada').twilio).toEqual({ fromNumber: '+16195550110' });
  });

  it('given an unknown brand id, then 404', async () => {
    const brands = await loadBrands({ BRANDS_FILE: localBrandsFile });
    expect(() => brands.get('nope')).toThrow(expect.objectContaining({ statusCode: 404 }));
  });

  it("given a brand without SLA thresholds, then the defaults; a brand's own are kept, nonsense refused", async () => {
    const brands = await loadBrands({ BRANDS_FILE: localBrandsFile });
    expect(brands.get('qdn').sla).toEqual(DEFAULT_SLA);
    expect(brands.get('jada').sla.unassignedBeforeStartMinutes).toBe(180);
    const [qdn] = brands.all();
    const broken = { ...qdn, sla: { ...DEFAULT_SLA, staleLocationMinutes: 0 } };
    expect(() => brandsFrom({ defaultBrandId: 'qdn', brands: [broken] })).toThrow(/staleLocationMinutes/);
  });

  it('given an AWS stage, then every brand must send through its Messaging Service; the local stage may use numbers', async () => {
    const brands = await loadBrands({ BRANDS_FILE: localBrandsFile });
    expect(requireMessagingServices(brands, 'local')).toBe(brands);
    // QuickDumpNow has a Messaging Service; JADA and Queen of San Diego send from plain numbers locally.
    expect(() => requireMessagingServices(brands, 'prod')).toThrow(
      /Brands jada, queen-of-san-diego send from a plain number: in stage prod every brand sends through its Twilio Messaging Service/,
    );
    const registered = brandsFrom({
      defaultBrandId: 'qdn',
      brands: brands.all().map((brand, index) => ({
        ...brand,
        twilio: { messagingServiceSid: `MG${String(index + 1).padStart(32, '0')}` },
      })),
    });
    expect(requireMessagingServices(registered, 'prod')).toBe(registered);
  });

  it('given a default brand that is not configured, then the catalog is rejected', async () => {
    const brands = (await loadBrands({ BRANDS_FILE: localBrandsFile })).all();
    expect(() => brandsFrom({ defaultBrandId: 'ghost', brands })).toThrow(/defaultBrandId/);
  });
});
