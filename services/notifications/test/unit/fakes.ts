import { MemoryRateLimits, testBrands } from '@qdn/local-cloud/test-factories';
import type { DomainEvent, JobOnBus } from '@qdn/shared/events';
import { redactLinkTokens } from '@qdn/shared/tracking-link';
import type { ConsentRestorationRecord } from '../../src/domain/consent-restoration.ts';
import type { TrackingLinks } from '../../src/domain/customer-page.ts';
import { outcomeEventsOf, recordedSms } from '../../src/domain/delivery.ts';
import { type FollowUp, type FollowUpScheduler, scheduleKeyOf } from '../../src/domain/follow-ups.ts';
import type { InboundContext } from '../../src/domain/inbound.ts';
import { jobRef } from '../../src/domain/inbound.ts';
import {
  type ConsentRecord,
  type FailedAttempt,
  type JobSnapshot,
  type NotificationStore,
  type NotificationsContext,
  type OutboundSms,
  type RecordedSms,
  type Sender,
  type SendOutcome,
  type SendRecord,
  SmsSendError,
  type Suppression,
  type TimelineEntry,
} from '../../src/domain/ports.ts';

// In-memory ports for the notifications domain (the DynamoDB store and the Twilio gateway are tested
// against the local cloud in test/integration).

type StoredSend = SendRecord & { leaseToken?: string | undefined; leaseUntil: number; uncertain?: boolean };

/**
 * The store's rules in memory: the job projection keeps the highest version seen (an older one is
 * `stale`), send records are claimed, leased, released or settled once, and opt-outs, texted numbers and
 * handled inbound messages are remembered. The timeline side is not modelled (see timeline.ts's tests).
 * `stream` sees each send-record write as the table's stream would (before, after): the harness
 * publishes what the stream publisher would (outcomeEventsOf).
 */
export function memoryStore(
  stream: (before: SendRecord | undefined, after: SendRecord) => void = () => {},
  /** Sees each restoration's audit record as the stream would (its insert). */
  restorationStream: (record: ConsentRestorationRecord) => void = () => {},
): NotificationStore & {
  records: Map<string, StoredSend>;
  jobs: Map<string, JobSnapshot>;
  inboundDone: Set<string>;
  restorations: { phone: string; by: string; messageSid: string; at: Date }[];
  consents: ConsentRecord[];
} {
  const consents: ConsentRecord[] = [];
  const reviews = new Map<string, { at: string; key: string }>();
  const timelines = new Map<string, TimelineEntry[]>();
  const records = new Map<string, StoredSend>();
  let leases = 0;
  const jobs = new Map<string, JobSnapshot>();
  /** The status change each job's last one replaced (the store's priorStatusVersion). */
  const priorStatusVersions = new Map<string, number>();
  const suppressed = new Map<string, Suppression>();
  /** When each number last opted in again (START). */
  const resubscribed = new Map<string, string>();
  const restorations: { phone: string; by: string; messageSid: string; at: Date }[] = [];
  const texted = new Set<string>();
  /** The highest job version texted to each crew member about each job. */
  const crewVersions = new Map<string, number>();
  const inboundDone = new Set<string>();
  const unused = () => {
    throw new Error('not used here');
  };
  return {
    records,
    jobs,
    restorations,
    inboundDone,
    consents,
    async observeJob(
      job: JobOnBus,
      _now: Date,
      options: { statusChanged?: boolean; scheduleChanged?: boolean } = {},
    ) {
      const known = jobs.get(job.jobId);
      // As the store: a newer status or schedule change than the event's version (absent: assume one).
      const newer = (attribute: number | undefined) =>
        known !== undefined && (attribute ?? known.version) > job.version;
      const since = {
        statusChangedSince: newer(known?.statusVersion),
        scheduleChangedSince: newer(known?.scheduleVersion),
        numberChangedSince: newer(known?.version) && known?.phone !== job.customer.phone,
      };
      // Equal versions pass: one job change can produce several events.
      if (known && known.version > job.version) {
        // As the store: a late status or schedule change still moves its version (nothing else).
        const late = { ...known };
        let previousStatusVersion: number | undefined;
        if (options.statusChanged && known.statusVersion !== undefined && job.version > known.statusVersion) {
          priorStatusVersions.set(job.jobId, known.statusVersion);
          previousStatusVersion = known.statusVersion || undefined;
          late.statusVersion = job.version;
        }
        if (
          options.scheduleChanged &&
          known.scheduleVersion !== undefined &&
          job.version > known.scheduleVersion
        )
          late.scheduleVersion = job.version;
        jobs.set(job.jobId, late);
        return previousStatusVersion === undefined
          ? { stale: true, ...since }
          : { stale: true, ...since, previousStatusVersion };
      }
      const consent = job.smsConsent;
      if (
        consent?.phone === job.customer.phone &&
        !consents.some((c) => c.phone === consent.phone && c.brandId === job.brandId && c.at === consent.at)
      ) {
        consents.push({ ...consent, brandId: job.brandId, jobId: job.jobId });
      }
      const statusVersion = options.statusChanged ? job.version : known ? known.statusVersion : 0;
      const scheduleVersion = options.scheduleChanged ? job.version : known ? known.scheduleVersion : 0;
      jobs.set(job.jobId, {
        jobId: job.jobId,
        brandId: job.brandId,
        version: job.version,
        status: job.status,
        serviceType: job.serviceType,
        firstName: job.customer.firstName,
        phone: job.customer.phone,
        addressText: job.address.text,
        date: job.schedule.date,
        endDate: job.schedule.endDate ?? job.schedule.date,
        crewIds: job.crewIds,
        ...(statusVersion !== undefined ? { statusVersion } : {}),
        ...(scheduleVersion !== undefined ? { scheduleVersion } : {}),
      });
      // As the store: the same status change seen again replaced the one before it, not itself.
      if (options.statusChanged && known?.statusVersion !== undefined && known.statusVersion !== job.version)
        priorStatusVersions.set(job.jobId, known.statusVersion);
      // 0: a projection begun by another event, no status change seen.
      const previousStatusVersion =
        (known?.statusVersion === job.version ? priorStatusVersions.get(job.jobId) : known?.statusVersion) ||
        undefined;
      return previousStatusVersion === undefined
        ? { stale: false, ...since }
        : { stale: false, ...since, previousStatusVersion };
    },
    sendRecord: async (key: string) => records.get(key),
    job: async (jobId: string) => jobs.get(jobId),
    jobsForPhone: async (phone: string) =>
      [...jobs.values()].filter((job) => job.phone === phone).sort((a, b) => b.date.localeCompare(a.date)),
    jobByRef: async (ref: string) =>
      [...jobs.values()].find((job) => jobRef(job.jobId) === ref.toUpperCase()),
    async claimSend(sms: OutboundSms, now: Date, leaseMs: number) {
      const existing = records.get(sms.key);
      if (existing?.outcome) return { kind: 'done', record: existing };
      if (existing?.leaseToken && existing.leaseUntil > now.getTime()) return { kind: 'busy' };
      // As the ledger: the first attempt's body stays; a lease never ended (a crash) or ended uncertain
      // makes the next claim uncertain.
      const uncertain = Boolean(existing?.uncertain || existing?.leaseToken);
      const leaseToken = `lease-${++leases}`;
      const record = {
        ...existing,
        ...recordedSms(sms),
        body: existing?.body ?? sms.body,
        firstAttemptAt: existing?.firstAttemptAt ?? now.toISOString(),
        leaseToken,
        leaseUntil: now.getTime() + leaseMs,
      };
      records.set(sms.key, record);
      stream(existing, record);
      return { kind: uncertain ? 'uncertain' : 'new', record, leaseToken };
    },
    async settleSend(
      sms: RecordedSms,
      body: string,
      outcome: SendOutcome,
      now: Date,
      attempt: { failedAttempts?: FailedAttempt[] } = {},
    ) {
      const existing = records.get(sms.key);
      if (existing?.outcome) return existing;
      const failedAttempts = [...(existing?.failedAttempts ?? []), ...(attempt.failedAttempts ?? [])];
      const record = {
        ...recordedSms(sms),
        ...existing,
        body: existing?.body ?? body,
        firstAttemptAt: existing?.firstAttemptAt ?? now.toISOString(),
        outcome,
        settledAt: now.toISOString(),
        ...(failedAttempts.length > 0 ? { failedAttempts } : {}),
        leaseToken: undefined,
        leaseUntil: 0,
      };
      records.set(sms.key, record);
      stream(existing, record);
      return record;
    },
    async releaseSend(key: string, leaseToken: string, failedAttempts: FailedAttempt[] = []) {
      const record = records.get(key)!;
      if (record.leaseToken === leaseToken)
        Object.assign(record, {
          leaseToken: undefined,
          leaseUntil: 0,
          failedAttempts: [...(record.failedAttempts ?? []), ...failedAttempts],
        });
    },
    async markSendUncertain(key: string, leaseToken: string, failedAttempts: FailedAttempt[] = []) {
      const record = records.get(key)!;
      if (record.leaseToken === leaseToken)
        Object.assign(record, {
          leaseToken: undefined,
          leaseUntil: 0,
          uncertain: true,
          failedAttempts: [...(record.failedAttempts ?? []), ...failedAttempts],
        });
    },
    isSuppressed: async (phone: string) => suppressed.has(phone),
    textingPermission: async (phone: string, brandId: string) => ({
      optedOut: suppressed.has(phone),
      consented: consents.some((consent) => consent.phone === phone && consent.brandId === brandId),
      texted: texted.has(phone),
    }),
    consentHistory: async (phone: string) => ({
      consents: consents.filter((consent) => consent.phone === phone),
      ...(suppressed.has(phone) ? { optOut: suppressed.get(phone) } : {}),
      restorations: [],
    }),
    suppression: async (phone: string) => suppressed.get(phone),
    async suppress(phone: string, source: string, at: Date, messageSid?: string) {
      // As the store: never after a later opt-in; a reply's suppression never replaces one on record.
      const optedIn = resubscribed.get(phone);
      if (optedIn !== undefined && optedIn >= at.toISOString()) return;
      if (source === 'reply' && suppressed.has(phone)) return;
      suppressed.set(phone, { source, at: at.toISOString(), ...(messageSid ? { messageSid } : {}) });
    },
    async unsuppress(phone: string, at: Date) {
      const optedIn = resubscribed.get(phone);
      if (optedIn === undefined || optedIn < at.toISOString()) resubscribed.set(phone, at.toISOString());
      const optOut = suppressed.get(phone);
      if (optOut && optOut.at < at.toISOString()) suppressed.delete(phone);
    },
    async restoreConsent(
      phone: string,
      audit: { by: string; messageSid: string; at: Date; jobId: string; brandId: string },
    ) {
      if (suppressed.get(phone)?.source !== 'reply') return false;
      suppressed.delete(phone);
      const { by, messageSid, at, jobId, brandId } = audit;
      restorations.push({ phone, by, messageSid, at });
      restorationStream({ phone, by, messageSid, at: at.toISOString(), jobId, brandId });
      return true;
    },
    reviewRequestedAt: async (phone: string, brandId: string) => reviews.get(`${phone}#${brandId}`)?.at,
    async claimReviewRequest(phone: string, brandId: string, key: string, now: Date, since: Date) {
      // As the store: a conditional put, one of two at once wins; the same key again passes.
      const claimed = reviews.get(`${phone}#${brandId}`);
      if (claimed && claimed.at >= since.toISOString() && claimed.key !== key) return false;
      reviews.set(`${phone}#${brandId}`, { at: now.toISOString(), key });
      return true;
    },
    async releaseReviewRequest(phone: string, brandId: string, key: string) {
      if (reviews.get(`${phone}#${brandId}`)?.key === key) reviews.delete(`${phone}#${brandId}`);
    },
    async claimCrewMessageVersion(jobId: string, crewId: string, version: number) {
      const highest = crewVersions.get(`${jobId}#${crewId}`);
      if (highest !== undefined && highest > version) return false;
      crewVersions.set(`${jobId}#${crewId}`, version);
      return true;
    },
    markTexted: async (phone: string) => void texted.add(phone),
    isInboundDone: async (messageSid: string) => inboundDone.has(messageSid),
    markInboundDone: async (messageSid: string) => void inboundDone.add(messageSid),
    recordDelivery: unused,
    addTimelineEntry: async (entry: TimelineEntry) =>
      void timelines.set(entry.jobId, [...(timelines.get(entry.jobId) ?? []), entry]),
    recordTrackingLink: unused,
    currentTrackingLink: unused,
    timeline: async (jobId: string) => ({ entries: timelines.get(jobId) ?? [], deliveries: new Map() }),
  };
}

/**
 * Notification deps over the memory store and a scripted Twilio: each send takes the next answer (a
 * result, or an SmsSendError to throw); once none is left, Twilio accepts (`SM1`, `SM2`…) if
 * `acceptUnscripted`, else it is a permanent failure. `sent` holds the bodies sent,
 * `texts` each text with its number and sender, `published` every event.
 */
export function harness(
  answers: Array<{ messageSid: string; status: string } | SmsSendError> = [],
  options: { acceptUnscripted?: boolean } = {},
) {
  const published: DomainEvent[] = [];
  // What the messages table's stream publisher would publish: each outcome once, when it is stored.
  const store = memoryStore((before, after) => void published.push(...outcomeEventsOf(before, after)));
  const sent: string[] = [];
  const texts: { to: string; body: string; sender: Sender }[] = [];
  /** Each send's ValidityPeriod, by recipient (undefined: Twilio's default). */
  const validities: { to: string; validitySeconds: number | undefined }[] = [];
  const twilioHas: Array<{ to: string; body: string; messageSid: string }> = [];
  let sids = 0;
  const deps: NotificationsContext = {
    store,
    gateway: {
      async send(sms) {
        const answer =
          answers.shift() ??
          (options.acceptUnscripted
            ? { messageSid: `SM${++sids}`, status: 'queued' }
            : new SmsSendError('permanent', 'no answer scripted'));
        sent.push(sms.body);
        texts.push({ to: sms.to, body: sms.body, sender: sms.sender });
        validities.push({ to: sms.to, validitySeconds: sms.validitySeconds });
        if (answer instanceof SmsSendError) {
          // An ambiguous failure in these tests is a message Twilio did take.
          if (answer.kind === 'ambiguous')
            twilioHas.push({ to: sms.to, body: sms.body, messageSid: 'SMlate' });
          throw answer;
        }
        return answer;
      },
      async findSent(sms) {
        // As the gateway: page tokens aside.
        const found = twilioHas.find(
          (message) => message.to === sms.to && redactLinkTokens(message.body) === redactLinkTokens(sms.body),
        );
        return found ? { messageSid: found.messageSid, status: 'sent' } : undefined;
      },
    },
    publish: async (events) => void published.push(...events),
    now: () => new Date('2026-11-22T10:00:00Z'),
    statusCallbackUrl: (jobId) => `https://api.example/twilio/status?jobId=${jobId}`,
    sendLeaseMs: 10_000,
    busyWaitMs: 500,
  };
  const sms: OutboundSms = {
    key: 'job:qdn_1:2:on_the_way',
    brandId: 'qdn',
    jobId: 'qdn_1',
    version: 2,
    to: '+16195550142',
    body: "Hi Mark, we're on the way.",
    template: 'on_the_way',
    audience: 'customer',
    sender: { from: '+16195550110' },
    // The job event asking for it carried the customer's consent (as every job text's does).
    consentOnEvent: true,
  };
  return { deps, store, published, sent, texts, validities, sms };
}

/**
 * Everything the sms, crew, dispatcher and inbound commands need: the harness with Twilio giving the
 * scripted `answers`, then accepting every text (`SM1`, `SM2`…), the local brands, a tracking-link builder and a relay limit of `relaysPerHour`.
 */
export function notificationsDeps(
  options: { answers?: Parameters<typeof harness>[0]; relaysPerHour?: number; now?: Date } = {},
) {
  const base = harness(options.answers ?? [], { acceptUnscripted: true });
  const limits = new MemoryRateLimits();
  const trackingLinks: TrackingLinks = {
    urlFor: async (brandId, linkId, page = 'track') =>
      `https://${brandId}.example.test/${page === 'guest' ? 'g' : 'track'}/${linkId.padEnd(32, 'x')}`,
  };
  /** What the scheduled queue holds: each follow-up planted, by its schedule key (as the adapter keys it). */
  const planted = new Map<string, { followUp: FollowUp; at: Date }>();
  const followUps: FollowUpScheduler = {
    async schedule(followUp, at) {
      const key = scheduleKeyOf(followUp, at);
      if (planted.has(key)) return 'already-scheduled';
      planted.set(key, { followUp: { ...followUp, dueAt: at.toISOString() }, at });
      return 'scheduled';
    },
  };
  const deps: InboundContext & {
    trackingLinks: TrackingLinks;
    followUps: FollowUpScheduler;
    timeSensitiveValiditySeconds: number;
  } = {
    ...base.deps,
    ...(options.now ? { now: () => options.now! } : {}),
    brands: testBrands,
    trackingLinks,
    followUps,
    relayLimit: { limits, perSenderPerHour: options.relaysPerHour ?? 10 },
    timeSensitiveValiditySeconds: 900,
  };
  return { ...base, deps, limits, planted };
}
