// Fixtures and in-memory stand-ins shared by every service's unit tests (`@qdn/local-cloud/test-factories`):
// one job as the bus carries it, the brands of the local configuration and a rate limiter, instead of a
// copy of each in every test file. Dev and tests only, like the rest of local/.
import { readFileSync } from 'node:fs';
import { type Brands, brandsFrom } from '@qdn/shared/brands';
import type { JobOnBus } from '@qdn/shared/events';
import type { RateLimit, RateLimitDecision, RateLimits } from '@qdn/shared/rate-limit';
import type { SQSRecord } from 'aws-lambda';

/** The brands of shared/config/brands.local.json (qdn, jada, queen-of-san-diego), as the local cloud runs them. */
export const testBrands: Brands = brandsFrom(
  JSON.parse(readFileSync(new URL('../../shared/config/brands.local.json', import.meta.url), 'utf8')),
);

/**
 * A scheduled QuickDumpNow job as the jobs service publishes it: Mark Soderblom's trailer pickup on
 * 2026-12-01 in the afternoon window, version 2, with a tracking link id, no crew, and the consent to
 * texts a dispatcher records ("asked by phone") for whichever number the job ends up with. Override what
 * a test is about (`smsConsent: undefined` for a job without consent).
 */
export function jobOnBus(overrides: Partial<JobOnBus> = {}): JobOnBus {
  const job: JobOnBus = {
    jobId: 'qdn_01JDEMO0000000000000000000',
    brandId: 'qdn',
    version: 2,
    status: 'scheduled',
    serviceType: 'trailer_pickup_and_dump',
    customer: { name: 'Mark Soderblom', firstName: 'Mark', phone: '+16195550142' },
    address: { text: '4521 Soderblom Ave, San Diego, CA' },
    schedule: { date: '2026-12-01', window: 'afternoon' },
    crewIds: [],
    priceCents: 60000,
    trackingLinkId: 'link-1',
    ...overrides,
  };
  if ('smsConsent' in overrides) return job;
  return {
    ...job,
    smsConsent: {
      phone: job.customer.phone,
      source: 'dispatcher',
      statement: 'Customer asked by phone for texts about this job',
      at: '2026-11-28T10:00:00.000Z',
      by: 'dispatcher-1',
    },
  };
}

/**
 * Fixed-window counters in memory, with the rules of shared/src/rate-limiter.ts: at most `limit` takes
 * per rule, client and window (a refused take uses nothing; a named taker is charged once per window); a
 * refusal says how long until the window ends. `taken` records every take, allowed or not.
 */
export class MemoryRateLimits implements RateLimits {
  readonly taken: { name: string; client: string }[] = [];
  readonly #counts = new Map<string, number>();
  readonly #takers = new Map<string, Set<string>>();

  async take(rule: RateLimit, client: string, now: Date, taker?: string): Promise<RateLimitDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = Math.floor(nowSeconds / rule.windowSeconds) * rule.windowSeconds;
    const key = `${rule.name}#${client}#${windowStart}`;
    this.taken.push({ name: rule.name, client });
    const takers = this.#takers.get(key) ?? new Set<string>();
    if (taker !== undefined && takers.has(taker)) return { allowed: true };
    const used = this.#counts.get(key) ?? 0;
    if (used >= rule.limit) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, windowStart + rule.windowSeconds - nowSeconds),
      };
    }
    this.#counts.set(key, used + 1);
    if (taker !== undefined) this.#takers.set(key, takers.add(taker));
    return { allowed: true };
  }
}

/**
 * An SQS record as Lambda hands it to a queue consumer: `body` as it was sent, this being its
 * `receiveCount`th delivery (SQS's ApproximateReceiveCount), from the test queue qdn-test-sms.
 */
export function sqsRecord(messageId: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-west-2:000000000000:qdn-test-sms',
    awsRegion: 'us-west-2',
  };
}
