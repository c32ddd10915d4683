import type { DomainEvent, JobOnBus, JobStatus, SmsAudience, SmsConsentSource } from '@qdn/shared/events';

/** What the notifications service remembers of a job, from its events (never from the jobs table). */
export interface JobSnapshot {
  jobId: string;
  brandId: string;
  version: number;
  status: JobStatus;
  serviceType: string;
  firstName: string;
  phone: string;
  addressText: string;
  date: string;
  /** Last day of a multi-day job, and who works it: which driver may read its timeline. */
  endDate?: string;
  crewIds?: string[];
  /** The version the job's status last changed at (absent on a snapshot older than the undo window). */
  statusVersion?: number;
  /** The version the job was last (re)scheduled at: its creation or a schedule change (absent on older snapshots). */
  scheduleVersion?: number;
}

/**
 * An event's job against the projection as it was. `stale`: older than the highest version seen (its
 * state is not recorded). Whether its text is wrong now is another question: only a newer status change
 * (a later "arrived" makes "on the way" wrong) or, for a text saying when, a newer schedule change (its
 * own text supersedes it) make it so; a newer note, coordinates or payment do not.
 */
export interface JobObserved {
  stale: boolean;
  /** A status change (or the job's creation) newer than the event was seen. */
  statusChangedSince: boolean;
  /** A schedule change (or the job's creation) newer than the event was seen. */
  scheduleChangedSince: boolean;
  /** A newer version has another customer number (a dispatcher corrected it): the event's is not theirs. */
  numberChangedSince: boolean;
  /** The version of the status change this event's status change replaces. */
  previousStatusVersion?: number;
}

/** How a brand sends: a Messaging Service or a From number (brand configuration). */
export type Sender = { messagingServiceSid: string } | { from: string };

/** One SMS to send exactly once, whatever happens to the message that asked for it. */
export interface OutboundSms {
  /** The domain idempotency key, e.g. `job:<jobId>:<version>:<template>` or `relay:<MessageSid>:<to>`. */
  key: string;
  brandId: string;
  jobId?: string | undefined;
  version?: number | undefined;
  to: string;
  body: string;
  template: string;
  audience: SmsAudience;
  sender: Sender;
  /** Known to have had a text from us before (saves marking it again). */
  numberTexted?: boolean | undefined;
  /** The help reply and the one opt-out confirmation: carriers require them even to an opted-out number. */
  answersOptOut?: boolean | undefined;
  /** Twilio drops the text if it can't hand it on within this many seconds (its ValidityPeriod). */
  validitySeconds?: number | undefined;
  /** The job event that asked for it carries the customer's consent for this number (no lookup needed). */
  consentOnEvent?: boolean | undefined;
}

/** Why a text was not sent although nothing went wrong (each is recorded and shown on the timeline). */
export type SuppressedReason =
  | 'stale'
  | 'too-late'
  | 'opted-out'
  | 'no-consent'
  | 'complained'
  | 'recently-asked'
  | 'no-longer-due'
  | 'undone';

/**
 * A consent to texts on record for a number and a brand (PHONE#<e164> / OPTIN#…): how, when, by whom,
 * what was agreed to, and the job it came with.
 */
export interface ConsentRecord {
  phone: string;
  brandId: string;
  source: SmsConsentSource;
  statement: string;
  at: string;
  by: string;
  jobId?: string | undefined;
}

/**
 * What stands between a number and a text from a brand: an opt-out, and whether consent is on record;
 * with whether the number has had a text from us (the first one says how to opt out), read in the same go.
 */
export interface TextingPermission {
  optedOut: boolean;
  consented: boolean;
  texted: boolean;
}

/** Why a number is not texted (PHONE#<e164> / OPTOUT): `keyword` (STOP), `reply`, `twilio-21610`. */
export interface Suppression {
  source: string;
  at: string;
  /** The inbound message that opted the number out (absent for Twilio's 21610, and on older records). */
  messageSid?: string | undefined;
}

/** The final outcome of one OutboundSms. */
export type SendOutcome =
  | { state: 'sent'; messageSid: string; status: string }
  | { state: 'failed'; errorCode: string | undefined; errorMessage: string }
  | { state: 'suppressed'; reason: SuppressedReason };

/** What a send record keeps of its SMS: enough for the outcome's event to be derived from the record alone. */
export type RecordedSms = Pick<
  OutboundSms,
  'key' | 'brandId' | 'jobId' | 'version' | 'to' | 'template' | 'audience'
>;

/**
 * One SMS's idempotency record. Its event (SmsSent, SmsFailed, SmsSuppressed) is not published by the
 * sender: the messages table's stream publishes it when the outcome is first stored (outcomeEventsOf).
 */
export interface SendRecord extends RecordedSms {
  body: string;
  /** When the first attempt went out: Twilio is searched from then on after an ambiguous failure. */
  firstAttemptAt: string;
  outcome?: SendOutcome | undefined;
  /** When the outcome was stored: for a text sent, when Twilio took it. */
  settledAt?: string | undefined;
  /** Every attempt Twilio refused or did not answer, oldest first. */
  failedAttempts?: FailedAttempt[] | undefined;
}

/**
 * Claiming a send: `new` → go ahead; `done` → already settled; `busy` → another attempt holds the lease;
 * `uncertain` → an earlier attempt may have reached Twilio (it timed out or crashed): look before sending.
 */
export type SendClaim =
  | { kind: 'new'; record: SendRecord; leaseToken: string }
  | { kind: 'done'; record: SendRecord }
  | { kind: 'busy' }
  | { kind: 'uncertain'; record: SendRecord; leaseToken: string };

/** A line of a job's timeline, as the timeline consumer stores it. */
export interface TimelineEntry {
  jobId: string;
  at: string;
  type: string;
  eventId: string;
  actor?: string | undefined;
  [field: string]: unknown;
}

/** A job's tracking link as an event showed it (by id only), at the job's version. */
export interface TrackingLinkSeen {
  jobId: string;
  linkId: string;
  version: number;
}

/** A delivery status as Twilio reported it for one message. */
export interface DeliveryStatus {
  messageSid: string;
  status: string;
  errorCode?: string | undefined;
}

export interface NotificationStore {
  /**
   * Records the job's state if `job.version` is at least the highest seen; `stale` when it is older. A
   * status change (`statusChanged`) and a schedule change (`scheduleChanged`) also record their version;
   * `previousStatusVersion` is the status change's this one replaces.
   */
  observeJob(
    job: JobOnBus,
    now: Date,
    options?: { statusChanged?: boolean; scheduleChanged?: boolean },
  ): Promise<JobObserved>;
  job(jobId: string): Promise<JobSnapshot | undefined>;
  /** The jobs whose customer has this number now (any status), most recent date first. */
  jobsForPhone(phone: string): Promise<JobSnapshot[]>;
  /** The most recent job whose id ends with `ref` (case-insensitive). */
  jobByRef(ref: string): Promise<JobSnapshot | undefined>;

  isSuppressed(phone: string): Promise<boolean>;
  /** One read: the number's opt-out, whether `brandId` has its consent on record, and whether it was texted. */
  textingPermission(phone: string, brandId: string): Promise<TextingPermission>;
  /** Everything on record about texting a number (the admins' export): consents, opt-out, undos. */
  consentHistory(phone: string): Promise<{
    consents: ConsentRecord[];
    optOut?: Suppression | undefined;
    restorations: { by: string; at: string; messageSid: string; jobId: string; brandId: string }[];
  }>;
  /** Why the number is suppressed (`keyword`, `reply`, `twilio-21610`), if it is, and by which message. */
  suppression(phone: string): Promise<Suppression | undefined>;
  /**
   * Suppresses the number as asked at `at` (an inbound message's receivedAt, not when it is handled);
   * `messageSid`: the inbound message that asked for it. Nothing changes if the number opted in again
   * after `at`. A `reply` (the only suppression restoreConsent lifts) never replaces a suppression
   * already on record.
   */
  suppress(phone: string, source: string, at: Date, messageSid?: string): Promise<void>;
  /**
   * The number opted in again at `at`: its suppression goes if it was asked for before `at`, and the
   * opt-in is kept so that an older opt-out handled later (a redrive) does not come back.
   */
  unsuppress(phone: string, at: Date): Promise<void>;
  /**
   * Lifts a suppression only if it came from a reply read as a revocation (`reply`), and keeps who did
   * it and why next to the number. False when the number is not suppressed that way (any more).
   */
  restoreConsent(
    phone: string,
    audit: { by: string; messageSid: string; at: Date; jobId: string; brandId: string },
  ): Promise<boolean>;
  /** When the number was last asked for a review by the brand (at most once per 90 days). */
  reviewRequestedAt(phone: string, brandId: string): Promise<string | undefined>;
  /**
   * Claims the number's review request for the brand for the request `key` at `now`: true unless another
   * request was claimed at or after `since` (one of two at once wins; the same key again passes).
   */
  claimReviewRequest(phone: string, brandId: string, key: string, now: Date, since: Date): Promise<boolean>;
  /** Gives back the claim of `key` (its text was not sent), if it is still the number's last one. */
  releaseReviewRequest(phone: string, brandId: string, key: string): Promise<void>;
  /**
   * Claims the job version `version` for a crew member's texts about the job: true if it is at least the
   * highest claimed (it is recorded), false if a message of a newer version was claimed (this one is out
   * of date).
   */
  claimCrewMessageVersion(jobId: string, crewId: string, version: number): Promise<boolean>;
  /** Marks the number as texted before (`textingPermission` reads it: the first text says how to opt out). */
  markTexted(phone: string, now: Date): Promise<void>;

  /** The send record of an SMS key, claimed or settled, if there is one. */
  sendRecord(key: string): Promise<SendRecord | undefined>;
  claimSend(sms: OutboundSms, now: Date, leaseMs: number): Promise<SendClaim>;
  /**
   * Settles a claim (or records an outcome no attempt was made for); a settled record never changes.
   * Storing the outcome is what publishes its event (the table's stream).
   */
  settleSend(
    sms: RecordedSms,
    body: string,
    outcome: SendOutcome,
    now: Date,
    attempt?: { leaseToken?: string | undefined; failedAttempts?: FailedAttempt[] },
  ): Promise<SendRecord>;
  /** The attempt failed before Twilio accepted anything: the next claim is `new`. */
  releaseSend(key: string, leaseToken: string, failedAttempts?: FailedAttempt[]): Promise<void>;
  /** The attempt may have reached Twilio: the next claim is `uncertain`. */
  markSendUncertain(key: string, leaseToken: string, failedAttempts?: FailedAttempt[]): Promise<void>;

  isInboundDone(messageSid: string): Promise<boolean>;
  markInboundDone(messageSid: string, now: Date): Promise<void>;

  /**
   * Keeps a status callback once per message, status and error code (a replay is `duplicate` and
   * changes nothing) and moves the message's status forward only (`moved`; else `kept`).
   */
  recordDelivery(
    jobId: string,
    delivery: DeliveryStatus,
    raw: Record<string, string>,
    now: Date,
  ): Promise<'moved' | 'kept' | 'duplicate'>;
  /** Stores an entry once (by event id). */
  addTimelineEntry(entry: TimelineEntry): Promise<void>;
  /** Keeps the job's tracking link id, the highest version's (what customers' grants are checked against). */
  recordTrackingLink(link: TrackingLinkSeen): Promise<void>;
  /** The job's current tracking link id, or undefined when no event has named one yet. */
  currentTrackingLink(jobId: string): Promise<string | undefined>;
  timeline(jobId: string): Promise<{ entries: TimelineEntry[]; deliveries: Map<string, DeliveryStatus> }>;
}

/** Twilio's answer to a send that did not succeed, classified for what to do next. */
/**
 * One attempt at Twilio that did not take the text: when, Twilio's code, and what happened next —
 * `retried` at once (the gateway's own backoff), `retry-later` (back to the queue), `look-up` (no answer:
 * Twilio is searched before anything is sent again). Kept on the send record and shown on the timeline,
 * so a text that went out late says why.
 */
export interface FailedAttempt {
  at: string;
  errorCode?: string | undefined;
  next: 'retried' | 'retry-later' | 'look-up';
}

export class SmsSendError extends Error {
  override name = 'SmsSendError';
  /** The attempts before this error that Twilio also refused (the gateway retried them itself). */
  failedAttempts: FailedAttempt[] = [];
  /**
   * `transient`: Twilio did not take the message (429, 5xx, connection refused): send again later.
   * `ambiguous`: it may have (timeout, connection dropped): look it up before sending again.
   * `unsubscribed`: 21610, the number replied STOP. `permanent`: any other 4xx.
   */
  readonly kind: 'transient' | 'ambiguous' | 'unsubscribed' | 'permanent';
  readonly code: string | undefined;
  constructor(kind: SmsSendError['kind'], message: string, code?: string | number) {
    super(message);
    this.kind = kind;
    this.code = code === undefined ? undefined : String(code);
  }
}

export interface SmsGateway {
  /** Sends one SMS (retrying 429/5xx a few times itself); throws SmsSendError. */
  send(sms: {
    /** Whose text it is (the metrics count per brand; Twilio is told the sender). */
    brandId: string;
    to: string;
    body: string;
    sender: Sender;
    statusCallback?: string | undefined;
    /** Twilio's ValidityPeriod: past it, the text is not sent (status failed, error 30036). */
    validitySeconds?: number | undefined;
  }): Promise<{ messageSid: string; status: string; failedAttempts?: FailedAttempt[] | undefined }>;
  /**
   * A message to `to` sent since `since` whose body is `body` once the page tokens of both are redacted
   * (redactLinkTokens: a recorded body, or one whose links were rendered again), if Twilio has one.
   */
  findSent(sms: {
    brandId: string;
    to: string;
    body: string;
    since: Date;
  }): Promise<{ messageSid: string; status: string } | undefined>;
}

/** Everything the notification commands need from outside. */
export interface NotificationsContext {
  store: NotificationStore;
  gateway: SmsGateway;
  publish: (events: DomainEvent[]) => Promise<void>;
  now: () => Date;
  /** Where Twilio posts delivery statuses, for a job (undefined: no callback). */
  statusCallbackUrl: (jobId: string | undefined) => string | undefined;
  /**
   * How long a send attempt holds its claim: until the invocation would time out. A redelivery while it
   * runs waits; one after a crash or timeout finds the lease over and looks in Twilio before sending.
   */
  sendLeaseMs: number;
  /** How long a redelivered copy waits for the attempt holding the claim before giving up (ms). */
  busyWaitMs: number;
}
