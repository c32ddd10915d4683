// A fake of Twilio's Programmable Messaging REST API (2010-04-01), close enough that the real `twilio`
// SDK sends, lists and fetches SMS against it unchanged (through the notifications service's
// base-URL request client). It also plays Twilio's side of the webhooks: signed status callbacks for every
// accepted message, and signed inbound SMS on demand. Shapes follow Twilio's docs and the SDK's models;
// where Twilio's behaviour is not documented the choice made is noted next to the code.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SegmentedMessage } from 'sms-segments-calculator';
import twilio from 'twilio';
import type { RecordedRequest } from './http-fake.ts';
import {
  asList,
  asObject,
  createFakeServer,
  createFaultQueue,
  createRequestLog,
  createTimers,
  guard,
  nonNegativeInteger,
  parseForm,
  positiveInteger,
  readBody,
  sendJson,
} from './http-fake.ts';
import { createRecordsFile } from './records-file.ts';

const API_VERSION = '2010-04-01';
// Anchored at the end only, so the fake also answers when mounted under a path prefix.
const MESSAGES_PATH = /\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE_PATH = /\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const MAX_BODY_CHARS = 1600;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
// Twilio's default opt-out handling: a message that is exactly one of these keywords (any case) opts the
// sender out of, or back into, messages from the account.
const OPT_OUT_KEYWORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'REVOKE',
]);
const OPT_IN_KEYWORDS = new Set(['START', 'YES', 'UNSTOP']);
const HELP_KEYWORDS = new Set(['HELP', 'INFO']);
/** What a Messaging Service's Advanced Opt-Out answers by default (each is configurable in Twilio). */
const ADVANCED_OPT_OUT_REPLIES = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START:
    'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
} as const;

/** Twilio's message statuses as this fake uses them. @see https://www.twilio.com/docs/messaging/api/message-resource#message-status-values */
export type TwilioMessageStatus =
  | 'accepted'
  | 'queued'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'received';

/** Where a message ends up: `delivered`, or a failure with the carrier error code Twilio would report. */
export type DeliveryOutcome =
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | { status: 'undelivered' | 'failed'; errorCode?: number };

/** Configuration of the Twilio fake; the credentials are the ones the application is given locally. */
export interface TwilioFakeOptions {
  /** `AC…`: the only account the fake serves; it must appear in the request path. */
  accountSid: string;
  /** `SK…`: the API key the SDK authenticates with (HTTP Basic user). */
  apiKeySid: string;
  /** The API key's secret (HTTP Basic password). */
  apiKeySecret: string;
  /** The account's Auth Token: used only to sign webhooks, exactly as Twilio does; never accepted as a login. */
  authToken: string;
  /** Where `sendInbound` posts inbound SMS (the notifications service's public webhook URL). */
  inboundWebhookUrl?: string;
  /** The account's phone number: `To` of inbound SMS, `From` of messaging-service sends. Default +15005550006. */
  phoneNumber?: string;
  /** Delay before each status change (queued, sent, delivered…). Default 20 ms. */
  statusDelayMs?: number;
  /** Delivery outcome per recipient; default `delivered`. Overridden by `setOutcome` and delivery faults. */
  outcomeFor?(to: string): DeliveryOutcome | undefined;
  /** Extra attempts for a status callback that failed with a network error, timeout, 429 or 5xx. Default 2. */
  callbackRetries?: number;
  /** Pause before a callback retry. Default 50 ms. */
  callbackRetryDelayMs?: number;
  /** Per-attempt timeout for webhooks. Default 5000 ms (Twilio allows 15 s). */
  callbackTimeoutMs?: number;
  /**
   * Keeps messages, webhook attempts, opt-outs and requests in this JSON file across restarts (the
   * local cloud's data dir). A message still on its way at a stop keeps the status it had reached.
   */
  recordsFile?: string;
}

/** What the records file holds. */
interface SavedRecords {
  messages: (Omit<StoredMessage, 'dateCreated' | 'dateUpdated' | 'dateSent'> & {
    dateCreated: string;
    dateUpdated: string;
    dateSent: string | null;
  })[];
  callbacks: WebhookAttempt[];
  optOuts: string[];
  requests: RecordedRequest[];
}

/**
 * Fail the next `count` sends with a Twilio API error. Give `code`, `status` or both: a known code implies
 * its status (21610, 21211, 21612, 21614, 21408 → 400; 20429 → 429; 20500 → 500; 20503 → 503) and
 * statuses 429/500/503 imply 20429/20500/20503. Nothing is stored or sent.
 * @see https://www.twilio.com/docs/errors
 */
export interface TwilioErrorFault {
  count: number;
  status?: number;
  code?: number;
  message?: string;
}

/**
 * `timeout-after-accept`: the next `count` sends are accepted (stored, delivered, called back) but the API
 * response is withheld — forever (until the client gives up or the fake closes) or sent late after
 * `delayMs`. `timeout`: nothing is accepted; the connection is held, then dropped after `delayMs` if given.
 */
export interface TwilioTimeoutFault {
  count: number;
  kind: 'timeout' | 'timeout-after-accept';
  delayMs?: number;
}

/** The next `count` sends see their connection reset (a network error); nothing is accepted. */
export interface TwilioResetFault {
  count: number;
  kind: 'reset';
}

/** The next `count` sends are accepted (201) but end `failed` or `undelivered` in their status callbacks. */
export interface TwilioDeliveryFault {
  count: number;
  kind: 'delivery';
  outcome: 'failed' | 'undelivered';
  /** Default 30008 (Unknown error) for failed, 30003 (Unreachable destination handset) for undelivered. */
  errorCode?: number;
}

/** Any fault the Twilio fake accepts; each applies to sends (`POST …/Messages.json`) only. */
export type TwilioFault = TwilioErrorFault | TwilioTimeoutFault | TwilioResetFault | TwilioDeliveryFault;

/** A message as the control API shows it (ISO dates, camelCase). */
export interface FakeMessage {
  sid: string;
  direction: 'outbound-api' | 'outbound-reply' | 'inbound';
  to: string;
  from: string | null;
  body: string;
  status: TwilioMessageStatus;
  statusCallback: string | null;
  messagingServiceSid: string | null;
  numSegments: number;
  /** The send's ValidityPeriod in seconds (null: Twilio's default of 10 hours). */
  validityPeriod: number | null;
  errorCode: number | null;
  dateCreated: string;
  dateSent: string | null;
}

/** One webhook attempt the fake made: a status callback or an inbound SMS. */
export interface WebhookAttempt {
  kind: 'status' | 'inbound';
  messageSid: string;
  /** `MessageStatus` for status callbacks, `received` for inbound. */
  messageStatus: string;
  url: string;
  params: Record<string, string>;
  /** The `X-Twilio-Signature` sent. */
  signature: string;
  /** The `I-Twilio-Idempotency-Token` sent; the same on every retry of one callback. */
  idempotencyToken: string;
  /** 1 for the first try. */
  attempt: number;
  /** The webhook's HTTP status; null when it could not be reached or timed out. */
  status: number | null;
  error: string | null;
  at: string;
}

/**
 * An SMS someone texts to the account's number.
 * @see https://www.twilio.com/docs/messaging/guides/webhook-request
 */
export interface InboundSms {
  from: string;
  /** Default: the fake's `phoneNumber`. */
  to?: string;
  body: string;
  /** Default: the configured inbound webhook URL. */
  url?: string;
  /**
   * The number belongs to a Messaging Service with Advanced Opt-Out on: Twilio answers STOP, START and
   * HELP itself (recorded as an outbound message) and tells the webhook with `OptOutType`.
   */
  advancedOptOut?: boolean;
}

/** What the application's inbound webhook answered. */
export interface InboundResult {
  messageSid: string;
  status: number;
  contentType: string | null;
  /** The webhook's answer, normally TwiML. */
  body: string;
}

/** The Twilio fake's API (served over HTTP) and control surface (methods, exposed under `/_local/twilio`). */
export interface TwilioFake {
  /** Listens on 127.0.0.1; point the SDK's base URL (TWILIO_API_BASE_URL) at the returned url. */
  listen(port?: number): Promise<{ url: string; port: number }>;
  /** Stops the server, pending status changes and in-flight webhooks. */
  close(): Promise<void>;
  /** Serves one request in-process (for mounting under the local cloud's own server). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Every message, outbound and inbound, oldest first. */
  messages(): FakeMessage[];
  /** Every API request received (auth masked), including rejected ones. */
  requests(): RecordedRequest[];
  /** Every webhook attempt (status callbacks and inbound SMS), in the order made. */
  callbacks(): WebhookAttempt[];
  /** Numbers that texted an opt-out keyword; sends to them fail with 21610 until they text START. */
  optOuts(): string[];
  /** Forgets messages, requests, webhook attempts and opt-outs (faults and outcomes stay). */
  clear(): void;
  /** Queues faults for the next sends (validated: a malformed spec throws TypeError); returns what is pending. */
  injectFaults(faults: TwilioFault | readonly TwilioFault[] | unknown): TwilioFault[];
  /** Drops pending faults and `setOutcome` overrides. */
  clearFaults(): void;
  pendingFaults(): TwilioFault[];
  /** Overrides the delivery outcome for one recipient (null removes the override). */
  setOutcome(to: string, outcome: DeliveryOutcome | null): void;
  setInboundWebhookUrl(url: string): void;
  /** Posts a signed inbound SMS webhook, as Twilio does when someone texts the account's number. */
  sendInbound(sms: InboundSms): Promise<InboundResult>;
  /** Resolves once every pending status change and callback has finished. */
  idle(): Promise<void>;
  /** Whether a status change or callback is still pending (`idle()` without waiting). */
  busy(): boolean;
}

interface StoredMessage {
  seq: number;
  sid: string;
  direction: 'outbound-api' | 'outbound-reply' | 'inbound';
  messagingServiceSid: string | null;
  to: string;
  from: string | null;
  body: string;
  status: TwilioMessageStatus;
  numSegments: number;
  /** Absent on messages stored before it was recorded. */
  validityPeriod?: number | null;
  statusCallback: string | null;
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  errorCode: number | null;
  errorMessage: string | null;
}

interface StatusStep {
  status: TwilioMessageStatus;
  errorCode?: number;
}

interface ApiError {
  status: number;
  code: number;
  message: string;
}

const KNOWN_ERRORS: Record<number, { status: number; message: string }> = {
  20003: { status: 401, message: 'Authenticate' },
  20429: { status: 429, message: 'Too Many Requests' },
  20500: { status: 500, message: 'An internal server error has occurred' },
  20503: { status: 503, message: 'Service Unavailable' },
  21211: { status: 400, message: "The 'To' number is not a valid phone number." },
  21408: {
    status: 400,
    message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
  },
  21610: { status: 400, message: 'Attempt to send to unsubscribed recipient' },
  21612: { status: 400, message: "The 'To' phone number is not currently reachable via SMS" },
  21614: { status: 400, message: "'To' number is not a valid mobile number" },
};
const CODE_FOR_STATUS: Record<number, number> = { 401: 20003, 429: 20429, 500: 20500, 503: 20503 };

// Carrier error codes reported in status callbacks. @see https://www.twilio.com/docs/sms/troubleshooting/debugging-tools#error-codes
const DELIVERY_ERRORS: Record<number, string> = {
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
};

/**
 * Creates the Twilio fake. Routes (HTTP Basic with the API key; the path's AccountSid must be the
 * configured one, else 401/20003):
 * - `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (To, From | MessagingServiceSid, Body,
 *   StatusCallback) → 201 with the Message resource
 * - `GET  /2010-04-01/Accounts/{AccountSid}/Messages.json` (To, From, DateSent, DateSent<, DateSent>,
 *   PageSize, Page, PageToken) → 200 with Twilio's paging envelope, newest first
 * - `GET  /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json` → 200, or 404/20404
 * @see https://www.twilio.com/docs/messaging/api/message-resource
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
export function createTwilioFake(options: TwilioFakeOptions): TwilioFake {
  const phoneNumber = options.phoneNumber ?? '+15005550006';
  const statusDelayMs = options.statusDelayMs ?? 20;
  const callbackRetries = options.callbackRetries ?? 2;
  const callbackRetryDelayMs = options.callbackRetryDelayMs ?? 50;
  const callbackTimeoutMs = options.callbackTimeoutMs ?? 5000;
  const accountPath = `/${API_VERSION}/Accounts/${options.accountSid}`;

  const recordsFile = createRecordsFile<SavedRecords>(options.recordsFile, () => ({
    messages: store.map((message) => ({
      ...message,
      dateCreated: message.dateCreated.toISOString(),
      dateUpdated: message.dateUpdated.toISOString(),
      dateSent: message.dateSent?.toISOString() ?? null,
    })),
    callbacks: webhookAttempts,
    optOuts: [...optedOut],
    requests: log.list(),
  }));
  const changed = () => recordsFile.changed();
  const log = createRequestLog(undefined, changed);
  const faults = createFaultQueue<TwilioFault>();
  const timers = createTimers();
  const stop = new AbortController();
  const inflight = new Set<Promise<void>>();
  const outcomes = new Map<string, DeliveryOutcome>();
  let store: StoredMessage[] = [];
  let webhookAttempts: WebhookAttempt[] = [];
  let optedOut = new Set<string>();
  let seq = 0;
  let inboundWebhookUrl = options.inboundWebhookUrl;
  let closed = false;
  const saved = recordsFile.load();
  if (saved) {
    store = (saved.messages ?? []).map((message) => ({
      ...message,
      dateCreated: new Date(message.dateCreated),
      dateUpdated: new Date(message.dateUpdated),
      dateSent: message.dateSent === null ? null : new Date(message.dateSent),
    }));
    webhookAttempts = saved.callbacks ?? [];
    optedOut = new Set(saved.optOuts ?? []);
    log.restore(saved.requests ?? []);
    seq = Math.max(0, ...store.map((message) => message.seq));
  }

  function isAuthorized(header: string | undefined, accountInPath: string | undefined): boolean {
    if (!header || !/^basic\s+/i.test(header)) return false;
    const decoded = Buffer.from(header.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const sid = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    const accountMatches = accountInPath === undefined || accountInPath === options.accountSid;
    return sid === options.apiKeySid && secret === options.apiKeySecret && accountMatches;
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const raw = await readBody(req);
    const text = raw?.toString('utf8') ?? '';
    const form = parseForm(text);
    const record = log.start(req, url, raw === null ? '<too large>' : text === '' ? null : form);
    const requestId = `RQ${randomBytes(16).toString('hex')}`;

    function reply(
      status: number,
      body: unknown,
      fault: string | null = null,
      headers: Record<string, string> = {},
    ) {
      if (res.destroyed || res.writableEnded) return;
      sendJson(res, status, body, { 'twilio-request-id': requestId, ...headers });
      log.answered(record, status, fault);
    }
    function fail(error: ApiError, fault: string | null = null) {
      reply(error.status, errorBody(error), fault);
    }

    if (closed) return fail({ status: 503, code: 20503, message: 'Service Unavailable' });
    if (raw === null) return fail({ status: 413, code: 21617, message: 'Request body too large' });
    const listMatch = MESSAGES_PATH.exec(url.pathname);
    const oneMatch = MESSAGE_PATH.exec(url.pathname);
    const accountInPath = listMatch?.[1] ?? oneMatch?.[1];
    if (!isAuthorized(req.headers.authorization, accountInPath)) {
      return reply(401, UNAUTHORIZED_BODY, null, { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    const method = req.method ?? 'GET';
    if (listMatch && method === 'POST') return createMessage(form, req, res, record, reply, fail);
    if (listMatch && method === 'GET') return reply(200, listPage(url));
    if (oneMatch && method === 'GET') {
      const message = store.find((candidate) => candidate.sid === oneMatch[2]);
      if (message) return reply(200, toResource(message));
      return fail({
        status: 404,
        code: 20404,
        message: `The requested resource ${url.pathname} was not found`,
      });
    }
    if (listMatch || oneMatch) return fail({ status: 405, code: 20004, message: 'Method not allowed' });
    return fail({
      status: 404,
      code: 20404,
      message: `The requested resource ${url.pathname} was not found`,
    });
  }

  function createMessage(
    form: Record<string, string | string[]>,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    reply: (status: number, body: unknown, fault?: string | null) => void,
    fail: (error: ApiError, fault?: string | null) => void,
  ): void {
    const to = first(form.To);
    const from = first(form.From);
    const messagingServiceSid = first(form.MessagingServiceSid);
    const body = first(form.Body);
    const statusCallback = first(form.StatusCallback);
    const validityPeriod = first(form.ValidityPeriod);
    const invalid = validateSend({ to, from, messagingServiceSid, body, statusCallback, validityPeriod });
    if (invalid) {
      fail(invalid);
      return;
    }
    if (optedOut.has(to!)) {
      fail(knownError(21610));
      return;
    }

    const fault = faults.take({ method: 'POST', path: record.path });
    if (fault && !('kind' in fault)) {
      const error = resolveErrorFault(fault);
      fail(error, `status:${error.status}/code:${error.code}`);
      return;
    }
    if (fault && (fault.kind === 'reset' || fault.kind === 'timeout')) {
      log.answered(record, null, fault.kind);
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault.delayMs === undefined) return;
      void timers.sleep(fault.delayMs).then(function dropLate(fired) {
        // Dropped rather than answered: a timeout at Twilio's edge reaches the client as a broken connection.
        if (fired) res.destroy();
      });
      return;
    }

    const now = new Date();
    seq += 1;
    const message: StoredMessage = {
      seq,
      sid: `SM${randomBytes(16).toString('hex')}`,
      direction: 'outbound-api',
      messagingServiceSid: messagingServiceSid ?? null,
      to: to!,
      from: from ?? null,
      body: body!,
      // A messaging-service send without From is `accepted` until the service picks a sender.
      status: from ? 'queued' : 'accepted',
      numSegments: countSegments(body!),
      validityPeriod: validityPeriod === undefined ? null : Number(validityPeriod),
      statusCallback: statusCallback ?? null,
      dateCreated: now,
      dateUpdated: now,
      dateSent: null,
      errorCode: null,
      errorMessage: null,
    };
    store.push(message);
    changed();
    const outcome =
      fault?.kind === 'delivery' ? { status: fault.outcome, errorCode: fault.errorCode } : outcomeOf(to!);
    const resource = toResource(message);
    if (fault?.kind === 'timeout-after-accept') {
      log.answered(record, null, 'timeout-after-accept');
      if (fault.delayMs !== undefined) {
        void timers.sleep(fault.delayMs).then(function answerLate(fired) {
          if (fired) reply(201, resource, 'timeout-after-accept');
        });
      }
    } else {
      reply(201, resource, fault?.kind === 'delivery' ? `delivery:${fault.outcome}` : null);
    }
    track(progress(message, outcome));
  }

  function outcomeOf(to: string): DeliveryOutcome {
    const override = outcomes.get(to);
    if (override) return override;
    try {
      return options.outcomeFor?.(to) ?? 'delivered';
    } catch {
      return 'delivered';
    }
  }

  function track(work: Promise<void>): void {
    const settled = work.catch(function ignore() {
      // progress() records its own failures; nothing may escape into an unhandled rejection.
    });
    inflight.add(settled);
    void settled.finally(function forget() {
      inflight.delete(settled);
    });
  }

  async function progress(message: StoredMessage, outcome: DeliveryOutcome): Promise<void> {
    for (const step of stepsFor(outcome)) {
      // Twilio calls back on status changes after creation only: a message sent from a number is created
      // `queued` (its API answer says so) and is next called back `sent`; one sent through a Messaging
      // Service is created `accepted` and called back `queued`, `sent`, then its outcome.
      if (step.status === message.status) continue;
      if (!(await timers.sleep(statusDelayMs)) || closed) return;
      const now = new Date();
      message.status = step.status;
      message.dateUpdated = now;
      if (step.status === 'queued' && message.from === null) message.from = phoneNumber;
      if (step.status === 'sent') message.dateSent = now;
      if (step.errorCode !== undefined) {
        message.errorCode = step.errorCode;
        message.errorMessage = DELIVERY_ERRORS[step.errorCode] ?? 'Unknown error';
      }
      changed();
      if (message.statusCallback) await postStatusCallback(message, step);
    }
  }

  async function postStatusCallback(message: StoredMessage, step: StatusStep): Promise<void> {
    const params: Record<string, string> = {
      SmsSid: message.sid,
      SmsStatus: step.status,
      MessageStatus: step.status,
      To: message.to,
      MessageSid: message.sid,
      AccountSid: options.accountSid,
      From: message.from ?? phoneNumber,
      ApiVersion: API_VERSION,
    };
    if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if (step.errorCode !== undefined) params.ErrorCode = String(step.errorCode);
    const idempotencyToken = randomUUID();
    for (let attempt = 1; attempt <= callbackRetries + 1; attempt += 1) {
      if (attempt > 1 && !(await timers.sleep(callbackRetryDelayMs))) return;
      const result = await postWebhook(message.statusCallback!, params, idempotencyToken);
      webhookAttempts.push({
        kind: 'status',
        messageSid: message.sid,
        messageStatus: step.status,
        url: message.statusCallback!,
        params,
        signature: result.signature,
        idempotencyToken,
        attempt,
        status: result.status,
        error: result.error,
        at: new Date().toISOString(),
      });
      changed();
      const retryable = result.status === null || result.status === 429 || result.status >= 500;
      if (!retryable || closed) return;
    }
  }

  async function postWebhook(
    url: string,
    params: Record<string, string>,
    idempotencyToken: string,
  ): Promise<{
    signature: string;
    status: number | null;
    error: string | null;
    contentType: string | null;
    body: string;
  }> {
    // Signed over the URL exactly as configured plus the POST params, as Twilio signs every webhook.
    const signature = twilio.getExpectedTwilioSignature(options.authToken, url, params);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': idempotencyToken,
          'user-agent': 'TwilioProxy/1.1',
        },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.any([stop.signal, AbortSignal.timeout(callbackTimeoutMs)]),
      });
      const body = await response.text();
      return {
        signature,
        status: response.status,
        error: null,
        contentType: response.headers.get('content-type'),
        body,
      };
    } catch (error) {
      return { signature, status: null, error: describeFetchError(error), contentType: null, body: '' };
    }
  }

  function listPage(url: URL): unknown {
    const query = url.searchParams;
    const filters = new URLSearchParams();
    for (const key of ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>']) {
      const value = query.get(key);
      if (value !== null) filters.set(key, value);
    }
    const pageSize = Math.min(
      Math.max(Number.parseInt(query.get('PageSize') ?? '', 10) || DEFAULT_PAGE_SIZE, 1),
      MAX_PAGE_SIZE,
    );
    const page = Math.max(Number.parseInt(query.get('Page') ?? '', 10) || 0, 0);
    const pageToken = query.get('PageToken');
    const matching = store
      .filter((message) => matchesFilters(message, filters))
      .sort((a, b) => b.dateCreated.getTime() - a.dateCreated.getTime() || b.seq - a.seq);
    // PageToken (`PA` + the last sid of the previous page) keeps paging stable while messages arrive.
    const afterIndex = pageToken?.startsWith('PA')
      ? matching.findIndex((m) => m.sid === pageToken.slice(2))
      : -1;
    const start = afterIndex >= 0 ? afterIndex + 1 : page * pageSize;
    const items = matching.slice(start, start + pageSize);
    const base = `${accountPath}/Messages.json`;
    function pageUri(pageNumber: number, token?: string): string {
      const params = new URLSearchParams(filters);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(pageNumber));
      if (token) params.set('PageToken', token);
      return `${base}?${params.toString()}`;
    }
    const last = items.at(-1);
    const hasMore = start + items.length < matching.length;
    return {
      end: Math.max(start + items.length - 1, start),
      first_page_uri: pageUri(0),
      messages: items.map(toResource),
      next_page_uri: hasMore && last ? pageUri(page + 1, `PA${last.sid}`) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: pageUri(page, pageToken ?? undefined),
    };
  }

  function toResource(message: StoredMessage): Record<string, unknown> {
    const uri = `${accountPath}/Messages/${message.sid}.json`;
    return {
      account_sid: options.accountSid,
      api_version: API_VERSION,
      body: message.body,
      date_created: rfc2822(message.dateCreated),
      date_sent: message.dateSent ? rfc2822(message.dateSent) : null,
      date_updated: rfc2822(message.dateUpdated),
      direction: message.direction,
      error_code: message.errorCode,
      error_message: message.errorMessage,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: '0',
      num_segments: String(message.numSegments),
      price: null,
      price_unit: 'USD',
      sid: message.sid,
      status: message.status,
      subresource_uris: {
        media: `${accountPath}/Messages/${message.sid}/Media.json`,
        feedback: `${accountPath}/Messages/${message.sid}/Feedback.json`,
      },
      to: message.to,
      uri,
    };
  }

  async function sendInbound(sms: InboundSms): Promise<InboundResult> {
    const url = sms.url ?? inboundWebhookUrl;
    if (!url) throw new Error('no inbound webhook URL configured');
    if (typeof sms.from !== 'string' || sms.from === '') throw new TypeError('from: expected a phone number');
    if (typeof sms.body !== 'string') throw new TypeError('body: expected a string');
    const to = sms.to ?? phoneNumber;
    const now = new Date();
    seq += 1;
    const message: StoredMessage = {
      seq,
      sid: `SM${randomBytes(16).toString('hex')}`,
      direction: 'inbound',
      messagingServiceSid: null,
      to,
      from: sms.from,
      body: sms.body,
      status: 'received',
      numSegments: countSegments(sms.body),
      statusCallback: null,
      dateCreated: now,
      dateUpdated: now,
      dateSent: now,
      errorCode: null,
      errorMessage: null,
    };
    store.push(message);
    const keyword = sms.body.trim().toUpperCase();
    if (OPT_OUT_KEYWORDS.has(keyword)) optedOut.add(sms.from);
    if (OPT_IN_KEYWORDS.has(keyword)) optedOut.delete(sms.from);
    const optOutType = !sms.advancedOptOut
      ? undefined
      : OPT_OUT_KEYWORDS.has(keyword)
        ? 'STOP'
        : OPT_IN_KEYWORDS.has(keyword)
          ? 'START'
          : HELP_KEYWORDS.has(keyword)
            ? 'HELP'
            : undefined;
    if (optOutType) {
      // Advanced Opt-Out's own reply, from the Messaging Service's configured texts.
      seq += 1;
      store.push({
        ...message,
        seq,
        sid: `SM${randomBytes(16).toString('hex')}`,
        direction: 'outbound-reply',
        to: sms.from,
        from: to,
        body: ADVANCED_OPT_OUT_REPLIES[optOutType],
        status: 'delivered',
        numSegments: countSegments(ADVANCED_OPT_OUT_REPLIES[optOutType]),
      });
    }
    changed();

    const params: Record<string, string> = {
      ToCountry: countryOf(to),
      ToState: '',
      SmsMessageSid: message.sid,
      NumMedia: '0',
      ToCity: '',
      FromZip: '',
      SmsSid: message.sid,
      FromState: '',
      SmsStatus: 'received',
      FromCity: '',
      Body: sms.body,
      FromCountry: countryOf(sms.from),
      To: to,
      ToZip: '',
      NumSegments: String(message.numSegments),
      MessageSid: message.sid,
      AccountSid: options.accountSid,
      From: sms.from,
      ApiVersion: API_VERSION,
      ...(optOutType ? { OptOutType: optOutType } : {}),
    };
    const idempotencyToken = randomUUID();
    const result = await postWebhook(url, params, idempotencyToken);
    webhookAttempts.push({
      kind: 'inbound',
      messageSid: message.sid,
      messageStatus: 'received',
      url,
      params,
      signature: result.signature,
      idempotencyToken,
      attempt: 1,
      status: result.status,
      error: result.error,
      at: new Date().toISOString(),
    });
    changed();
    if (result.status === null) throw new Error(`inbound webhook unreachable: ${result.error}`);
    return {
      messageSid: message.sid,
      status: result.status,
      contentType: result.contentType,
      body: result.body,
    };
  }

  const server = createFakeServer(guard(handleRequest));
  return {
    listen: function listen(port) {
      return server.listen(port);
    },
    close: async function close() {
      closed = true;
      stop.abort();
      timers.clearAll();
      await Promise.all(inflight);
      recordsFile.flush();
      await server.close();
    },
    handle: guard(handleRequest),
    messages: function messages() {
      return store.map(toFakeMessage);
    },
    requests: function requests() {
      return log.list();
    },
    callbacks: function callbacks() {
      return structuredClone(webhookAttempts);
    },
    optOuts: function optOuts() {
      return [...optedOut];
    },
    clear: function clear() {
      store = [];
      webhookAttempts = [];
      optedOut = new Set();
      log.clear();
      changed();
    },
    injectFaults: function injectFaults(input) {
      faults.add(parseTwilioFaults(input));
      return faults.pending();
    },
    clearFaults: function clearFaults() {
      faults.clear();
      outcomes.clear();
    },
    pendingFaults: function pendingFaults() {
      return faults.pending();
    },
    setOutcome: function setOutcome(to, outcome) {
      if (outcome === null) outcomes.delete(to);
      else outcomes.set(to, parseOutcome(outcome));
    },
    setInboundWebhookUrl: function setInboundWebhookUrl(url) {
      inboundWebhookUrl = url;
    },
    sendInbound,
    idle: async function idle() {
      while (inflight.size > 0) await Promise.all(inflight);
    },
    busy: function busy() {
      return inflight.size > 0;
    },
  };
}

/** Validates fault specs arriving as JSON (from the `/_local/twilio` control API or a test). */
export function parseTwilioFaults(input: unknown): TwilioFault[] {
  return asList(input).map(function parseOne(item, index): TwilioFault {
    const name = `fault[${index}]`;
    const spec = asObject(item, name);
    const count = positiveInteger(spec.count, `${name}.count`);
    if (spec.kind === 'timeout' || spec.kind === 'timeout-after-accept') {
      return spec.delayMs === undefined
        ? { count, kind: spec.kind }
        : { count, kind: spec.kind, delayMs: nonNegativeInteger(spec.delayMs, `${name}.delayMs`) };
    }
    if (spec.kind === 'reset') return { count, kind: 'reset' };
    if (spec.kind === 'delivery') {
      if (spec.outcome !== 'failed' && spec.outcome !== 'undelivered') {
        throw new TypeError(`${name}.outcome: expected 'failed' or 'undelivered'`);
      }
      return spec.errorCode === undefined
        ? { count, kind: 'delivery', outcome: spec.outcome }
        : {
            count,
            kind: 'delivery',
            outcome: spec.outcome,
            errorCode: positiveInteger(spec.errorCode, `${name}.errorCode`),
          };
    }
    if (spec.kind !== undefined) throw new TypeError(`${name}.kind: unknown kind ${String(spec.kind)}`);
    const fault: TwilioErrorFault = { count };
    if (spec.status !== undefined) fault.status = positiveInteger(spec.status, `${name}.status`);
    if (spec.code !== undefined) fault.code = positiveInteger(spec.code, `${name}.code`);
    if (spec.message !== undefined) {
      if (typeof spec.message !== 'string') throw new TypeError(`${name}.message: expected a string`);
      fault.message = spec.message;
    }
    const resolved = resolveErrorFault(fault, name);
    return { count, status: resolved.status, code: resolved.code, message: resolved.message };
  });
}

function resolveErrorFault(fault: TwilioErrorFault, name = 'fault'): ApiError {
  const code = fault.code ?? (fault.status === undefined ? undefined : CODE_FOR_STATUS[fault.status]);
  if (code === undefined)
    throw new TypeError(`${name}: give a Twilio error code (e.g. 21610) for this status`);
  const known = KNOWN_ERRORS[code];
  const status = fault.status ?? known?.status;
  if (status === undefined || status < 400 || status > 599) {
    throw new TypeError(`${name}: give an HTTP error status (400-599) for code ${code}`);
  }
  return { status, code, message: fault.message ?? known?.message ?? 'Injected fault' };
}

function parseOutcome(outcome: unknown): DeliveryOutcome {
  if (outcome === 'delivered' || outcome === 'undelivered' || outcome === 'failed') return outcome;
  const spec = asObject(outcome, 'outcome');
  if (spec.status !== 'undelivered' && spec.status !== 'failed') {
    throw new TypeError("outcome.status: expected 'failed' or 'undelivered'");
  }
  return spec.errorCode === undefined
    ? { status: spec.status }
    : { status: spec.status, errorCode: positiveInteger(spec.errorCode, 'outcome.errorCode') };
}

function stepsFor(outcome: DeliveryOutcome): StatusStep[] {
  const status = typeof outcome === 'string' ? outcome : outcome.status;
  const explicitCode = typeof outcome === 'string' ? undefined : outcome.errorCode;
  if (status === 'failed')
    return [{ status: 'queued' }, { status: 'failed', errorCode: explicitCode ?? 30008 }];
  if (status === 'undelivered') {
    return [
      { status: 'queued' },
      { status: 'sent' },
      { status: 'undelivered', errorCode: explicitCode ?? 30003 },
    ];
  }
  return [{ status: 'queued' }, { status: 'sent' }, { status: 'delivered' }];
}

function validateSend(fields: {
  to: string | undefined;
  from: string | undefined;
  messagingServiceSid: string | undefined;
  body: string | undefined;
  statusCallback: string | undefined;
  validityPeriod: string | undefined;
}): ApiError | undefined {
  if (!fields.to) return { status: 400, code: 21604, message: "A 'To' phone number is required." };
  if (!E164.test(fields.to)) {
    return { status: 400, code: 21211, message: `The 'To' number ${fields.to} is not a valid phone number.` };
  }
  if (!fields.from && !fields.messagingServiceSid) {
    return { status: 400, code: 21603, message: "A 'From' phone number is required." };
  }
  if (!fields.body) return { status: 400, code: 21602, message: 'Message body is required.' };
  if (fields.body.length > MAX_BODY_CHARS) {
    return {
      status: 400,
      code: 21617,
      message: 'The concatenated message body exceeds the 1600 character limit.',
    };
  }
  if (fields.statusCallback !== undefined && !isHttpUrl(fields.statusCallback)) {
    return { status: 400, code: 21609, message: 'Invalid StatusCallback url' };
  }
  // Whole seconds, 1 to 36,000 (10 hours), as Twilio documents (error 21624).
  if (
    fields.validityPeriod !== undefined &&
    !(
      /^\d+$/.test(fields.validityPeriod) &&
      Number(fields.validityPeriod) >= 1 &&
      Number(fields.validityPeriod) <= 36_000
    )
  ) {
    return {
      status: 400,
      code: 21624,
      message: 'Validity period can only be set to integers between 1 and 36,000 seconds (10 hours max).',
    };
  }
  return undefined;
}

function matchesFilters(message: StoredMessage, filters: URLSearchParams): boolean {
  const to = filters.get('To');
  const from = filters.get('From');
  if (to !== null && message.to !== to) return false;
  if (from !== null && message.from !== from) return false;
  const on = filters.get('DateSent');
  const before = filters.get('DateSent<');
  const after = filters.get('DateSent>');
  if (on === null && before === null && after === null) return true;
  // Twilio documents `DateSent<=` / `DateSent>=` (the `=` being the query separator) as inclusive bounds;
  // a date-only value covers that whole UTC day. Messages not sent yet have no date and never match.
  if (!message.dateSent) return false;
  const sent = message.dateSent.getTime();
  if (on !== null) {
    const range = dateRange(on);
    if (!range || sent < range.from || sent > range.to) return false;
  }
  if (before !== null) {
    const range = dateRange(before);
    if (!range || sent > range.to) return false;
  }
  if (after !== null) {
    const range = dateRange(after);
    if (!range || sent < range.from) return false;
  }
  return true;
}

function dateRange(value: string): { from: number; to: number } | undefined {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? undefined : { from, to: from + 86_400_000 - 1 };
  }
  const instant = Date.parse(value);
  // The SDK sends whole seconds (YYYY-MM-DDTHH:mm:ssZ): match the whole second.
  return Number.isNaN(instant) ? undefined : { from: instant, to: instant + 999 };
}

function toFakeMessage(message: StoredMessage): FakeMessage {
  return {
    sid: message.sid,
    direction: message.direction,
    to: message.to,
    from: message.from,
    body: message.body,
    status: message.status,
    statusCallback: message.statusCallback,
    messagingServiceSid: message.messagingServiceSid,
    numSegments: message.numSegments,
    validityPeriod: message.validityPeriod ?? null,
    errorCode: message.errorCode,
    dateCreated: message.dateCreated.toISOString(),
    dateSent: message.dateSent?.toISOString() ?? null,
  };
}

const UNAUTHORIZED_BODY = {
  code: 20003,
  detail: 'Your AccountSid or AuthToken was incorrect.',
  message: 'Authenticate',
  more_info: 'https://www.twilio.com/docs/errors/20003',
  status: 401,
};

function errorBody(error: ApiError): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    more_info: `https://www.twilio.com/docs/errors/${error.code}`,
    status: error.status,
  };
}

function knownError(code: number): ApiError {
  const known = KNOWN_ERRORS[code]!;
  return { status: known.status, code, message: known.message };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** Twilio's date format: RFC 2822 with a numeric zone, e.g. `Thu, 24 Aug 2023 05:01:45 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function countryOf(number: string): string {
  return number.startsWith('+1') ? 'US' : '';
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return error.name;
  const cause = (error as Error & { cause?: { code?: string } }).cause;
  return cause?.code ?? error.message;
}

/**
 * SMS segments the body costs, counted by Twilio's own calculator — the library the notifications
 * service checks its templates with — so the fake and the product can never disagree.
 */
export function countSegments(body: string): number {
  return new SegmentedMessage(body, 'auto').segmentsCount;
}
