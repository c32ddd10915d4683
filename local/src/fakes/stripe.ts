// A fake of the parts of Stripe's REST API the jobs service calls through the official `stripe` SDK
// (pointed here with its host/port/protocol options): Checkout Sessions and Refunds, form-encoded as
// Stripe takes them, with Stripe's error envelope and idempotency keys. It also plays Stripe's side of
// the webhook: when a session is paid (a test, or the fake's own hosted checkout page), it posts a
// `checkout.session.completed` event signed like Stripe's (Stripe-Signature: t=…,v1=HMAC-SHA256 of
// "t.payload" under the endpoint's signing secret), when a refund settles or fails, `refund.updated`
// (and `refund.failed`), and when a customer's bank disputes a payment, `charge.dispute.created` (then
// `.updated` and `.closed`). What it holds is kept in the data dir.
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpFault, RecordedRequest } from './http-fake.ts';
import {
  createFakeServer,
  createFaultQueue,
  createRequestLog,
  guard,
  parseHttpFaults,
  readBody,
  sendJson,
} from './http-fake.ts';
import { createRecordsFile } from './records-file.ts';

export interface StripeFakeOptions {
  /** The secret key the SDK must present (`Authorization: Bearer sk_…`). */
  secretKey: string;
  /** The webhook endpoint's signing secret (`whsec_…`): events are signed with it. */
  webhookSecret: string;
  /** Where events are posted (the jobs service's public /stripe/webhook). */
  webhookUrl?: string;
  /** Keeps sessions, refunds, events, webhook attempts and requests across restarts. */
  recordsFile?: string;
}

/** A Checkout Session as Stripe returns it (the fields the SDK's callers read). */
export interface FakeCheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Record<string, string>;
  /** As created (`allowed_payment_method_types[]`), null when not given. */
  allowed_payment_method_types: string[] | null;
  /** What the session offers: the allowed types, else the account's methods (here, card). */
  payment_method_types: string[];
  payment_intent: string | null;
  success_url: string;
  cancel_url: string;
  url: string | null;
  line_items: unknown;
  created: number;
  livemode: false;
}

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  payment_intent: string;
  reason: string | null;
  /** `pending` while refunds are held (holdRefunds), as when the Stripe balance can't cover them. */
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  failure_reason: string | null;
  metadata: Record<string, string>;
  created: number;
}

/** A paid session's payment intent (what `GET /v1/payment_intents/{id}` answers). */
export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: 'succeeded';
  /** The session's `payment_intent_data[metadata]`. */
  metadata: Record<string, string>;
  latest_charge: string;
  created: number;
}

/** Stripe's dispute statuses the fake moves through: an inquiry's (`warning_*`), then a chargeback's. */
export type FakeDisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'appeal_needs_response'
  | 'appeal_under_review'
  | 'won'
  | 'lost';

/** A dispute (chargeback, or the inquiry before one) of a payment, as Stripe's `charge.dispute.*` events carry it. */
export interface FakeDispute {
  id: string;
  object: 'dispute';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  reason: string;
  status: FakeDisputeStatus;
  evidence_details: {
    due_by: number | null;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
  };
  is_charge_refundable: boolean;
  metadata: Record<string, string>;
  created: number;
  livemode: false;
}

export interface FakeStripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: false;
  api_version: string;
  data: { object: unknown };
}

/** One delivery of an event to the webhook. */
export interface StripeWebhookAttempt {
  eventId: string;
  type: string;
  url: string;
  signature: string;
  status: number | null;
  /** What the webhook answered (JSON when it was). */
  response: unknown;
  error: string | null;
  at: string;
}

export interface StripeFake {
  listen(port?: number): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  setWebhookUrl(url: string): void;
  sessions(): FakeCheckoutSession[];
  refunds(): FakeRefund[];
  events(): FakeStripeEvent[];
  webhooks(): StripeWebhookAttempt[];
  requests(): RecordedRequest[];
  /**
   * The customer pays the session (as Stripe Checkout would): it completes, a payment intent is made,
   * and `checkout.session.completed` is posted to the webhook, signed. Resolves with the delivery.
   */
  pay(sessionId: string): Promise<StripeWebhookAttempt>;
  /**
   * Refunds a paid session's payment in full as a person in Stripe's Dashboard would (no API call of
   * ours, no idempotency key): resolves with the refund.
   */
  refundInDashboard(paymentIntentId: string): FakeRefund;
  /** While on, refunds are made `pending` (as when the Stripe balance can't cover them) until settled. */
  holdRefunds(on: boolean): void;
  /**
   * A refund goes through, or fails (by default as a closed card's does: `expired_or_canceled_card`),
   * even one that succeeded days ago: `refund.updated` (and for a failure `refund.failed`) is posted
   * to the webhook, signed. Resolves with the deliveries.
   */
  settleRefund(
    refundId: string,
    outcome: 'succeeded' | 'failed',
    failureReason?: string,
  ): Promise<StripeWebhookAttempt[]>;
  paymentIntents(): FakePaymentIntent[];
  disputes(): FakeDispute[];
  /**
   * The customer's bank disputes a paid session's payment (by default as `fraudulent`, evidence due in
   * 7 days), or with `inquiry` asks about it first (`warning_needs_response`): `charge.dispute.created`
   * is posted to the webhook, signed. Resolves with the dispute and the delivery.
   */
  openDispute(
    paymentIntentId: string,
    options?: { reason?: string; inquiry?: boolean },
  ): Promise<{ dispute: FakeDispute; delivery: StripeWebhookAttempt }>;
  /**
   * A dispute moves on: answered (`under_review`, `warning_under_review`, `appeal_under_review`), an
   * inquiry escalated to a chargeback (`needs_response`), a lost one open to appeal
   * (`appeal_needs_response`): `charge.dispute.updated`; decided (`won`, `lost`, `warning_closed`):
   * `charge.dispute.closed`. Resolves with the delivery.
   */
  moveDispute(disputeId: string, status: FakeDisputeStatus): Promise<StripeWebhookAttempt>;
  /** Posts an event already sent once again (Stripe retries, or delivers an event twice), newly signed. */
  resend(eventId: string): Promise<StripeWebhookAttempt>;
  /** The Stripe-Signature header Stripe would send for `payload` now (for tests of the check). */
  sign(payload: string, timestamp?: number): string;
  injectFaults(faults: HttpFault | readonly HttpFault[] | unknown): HttpFault[];
  clearFaults(): void;
  clear(): void;
  /** Whether a webhook delivery is in flight. */
  busy(): boolean;
}

const API_VERSION = '2026-11-18.endive';
const SESSIONS = /\/v1\/checkout\/sessions$/;
const SESSION = /\/v1\/checkout\/sessions\/([^/]+)$/;
const REFUNDS = /\/v1\/refunds$/;
const REFUND = /\/v1\/refunds\/([^/]+)$/;
const CLOSED_DISPUTE: ReadonlySet<FakeDisputeStatus> = new Set(['won', 'lost', 'warning_closed']);
const PAYMENT_INTENT = /\/v1\/payment_intents\/([^/]+)$/;
const HOSTED = /\/checkout\/(cs_[A-Za-z0-9_]+)$/;
const HOSTED_PAY = /\/checkout\/(cs_[A-Za-z0-9_]+)\/pay$/;

/**
 * Stripe's form encoding, back to objects: `a[b][0][c]=v` → `{ a: { b: [{ c: 'v' }] } }`.
 * @see https://docs.stripe.com/api/request_ids (bodies are application/x-www-form-urlencoded)
 */
export function parseStripeForm(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    path.forEach((part, index) => {
      if (index === path.length - 1) {
        node[part] = value;
        return;
      }
      const nextIsIndex = /^\d+$/.test(path[index + 1] ?? '');
      node[part] ??= nextIsIndex ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function stripeError(status: number, message: string, param?: string) {
  return {
    status,
    body: { error: { type: 'invalid_request_error', message, ...(param ? { param } : {}) } },
  };
}

export function createStripeFake(options: StripeFakeOptions): StripeFake {
  let webhookUrl = options.webhookUrl;
  let baseUrl = 'http://127.0.0.1';
  let sessions = new Map<string, FakeCheckoutSession>();
  let refunds = new Map<string, FakeRefund>();
  let intents = new Map<string, FakePaymentIntent>();
  let disputes = new Map<string, FakeDispute>();
  // A session's payment_intent_data[metadata], given to its payment intent when it is paid.
  let intentMetadata = new Map<string, Record<string, string>>();
  let events: FakeStripeEvent[] = [];
  let attempts: StripeWebhookAttempt[] = [];
  // Idempotency-Key → the answer given: a retried POST gets the same object, as at Stripe.
  let idempotent = new Map<string, { status: number; body: unknown }>();
  let inFlight = 0;
  let refundsHeld = false;
  const faults = createFaultQueue<HttpFault>();
  const recordsFile = createRecordsFile(options.recordsFile, () => ({
    sessions: [...sessions.values()],
    refunds: [...refunds.values()],
    intents: [...intents.values()],
    disputes: [...disputes.values()],
    intentMetadata: [...intentMetadata],
    events,
    attempts,
    idempotent: [...idempotent],
    requests: log.list(),
  }));
  const log = createRequestLog(undefined, () => recordsFile.changed());
  const saved = recordsFile.load() as
    | {
        sessions?: FakeCheckoutSession[];
        refunds?: FakeRefund[];
        intents?: FakePaymentIntent[];
        disputes?: FakeDispute[];
        intentMetadata?: [string, Record<string, string>][];
        events?: FakeStripeEvent[];
        attempts?: StripeWebhookAttempt[];
        idempotent?: [string, { status: number; body: unknown }][];
        requests?: RecordedRequest[];
      }
    | undefined;
  if (saved) {
    sessions = new Map((saved.sessions ?? []).map((session) => [session.id, session]));
    refunds = new Map((saved.refunds ?? []).map((refund) => [refund.id, refund]));
    intents = new Map((saved.intents ?? []).map((intent) => [intent.id, intent]));
    disputes = new Map((saved.disputes ?? []).map((dispute) => [dispute.id, dispute]));
    intentMetadata = new Map(saved.intentMetadata ?? []);
    events = saved.events ?? [];
    attempts = saved.attempts ?? [];
    idempotent = new Map(saved.idempotent ?? []);
    log.restore(saved.requests ?? []);
  }

  function sign(payload: string, timestamp = nowSeconds()): string {
    const signature = createHmac('sha256', options.webhookSecret)
      .update(`${timestamp}.${payload}`)
      .digest('hex');
    return `t=${timestamp},v1=${signature}`;
  }

  async function deliver(event: FakeStripeEvent): Promise<StripeWebhookAttempt> {
    if (!webhookUrl) throw new Error('Stripe fake: no webhook URL set');
    const payload = JSON.stringify(event, null, 2);
    const signature = sign(payload);
    const attempt: StripeWebhookAttempt = {
      eventId: event.id,
      type: event.type,
      url: webhookUrl,
      signature,
      status: null,
      response: null,
      error: null,
      at: new Date().toISOString(),
    };
    inFlight += 1;
    try {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature },
        body: payload,
        signal: AbortSignal.timeout(20_000),
      });
      attempt.status = response.status;
      const text = await response.text();
      try {
        attempt.response = JSON.parse(text);
      } catch {
        attempt.response = text;
      }
    } catch (error) {
      attempt.error = (error as Error).message;
    } finally {
      inFlight -= 1;
    }
    attempts.push(attempt);
    recordsFile.changed();
    return attempt;
  }

  function createSession(body: Record<string, unknown>): { status: number; body: unknown } {
    const lineItems = (body.line_items ?? []) as {
      quantity?: string;
      price_data?: { currency?: string; unit_amount?: string };
    }[];
    if (!Array.isArray(lineItems) || lineItems.length === 0)
      return stripeError(400, 'Missing required param: line_items.', 'line_items');
    if (typeof body.success_url !== 'string')
      return stripeError(400, 'Missing required param: success_url.', 'success_url');
    let amount = 0;
    for (const item of lineItems) {
      const unit = Number(item.price_data?.unit_amount);
      const quantity = Number(item.quantity ?? 1);
      if (!Number.isInteger(unit) || unit < 50)
        return stripeError(400, 'Amount must be at least 50 cents', 'line_items[0][price_data][unit_amount]');
      amount += unit * quantity;
    }
    const sessionId = id('cs_test');
    const allowed = Array.isArray(body.allowed_payment_method_types)
      ? body.allowed_payment_method_types.map(String)
      : null;
    const session: FakeCheckoutSession = {
      id: sessionId,
      object: 'checkout.session',
      mode: String(body.mode ?? 'payment'),
      status: 'open',
      payment_status: 'unpaid',
      amount_total: amount,
      currency: lineItems[0]?.price_data?.currency ?? 'usd',
      client_reference_id: typeof body.client_reference_id === 'string' ? body.client_reference_id : null,
      customer_email: typeof body.customer_email === 'string' ? body.customer_email : null,
      metadata: (body.metadata ?? {}) as Record<string, string>,
      allowed_payment_method_types: allowed,
      payment_method_types: allowed ?? ['card'],
      payment_intent: null,
      success_url: body.success_url,
      cancel_url: String(body.cancel_url ?? ''),
      url: `${baseUrl}/checkout/${sessionId}`,
      line_items: lineItems,
      created: nowSeconds(),
      livemode: false,
    };
    sessions.set(sessionId, session);
    const intentData = body.payment_intent_data as { metadata?: Record<string, string> } | undefined;
    if (intentData?.metadata) intentMetadata.set(sessionId, intentData.metadata);
    return { status: 200, body: session };
  }

  /** `GET /v1/refunds?payment_intent=…`: newest first, as Stripe lists. */
  function listRefunds(query: URLSearchParams): { status: number; body: unknown } {
    const intent = query.get('payment_intent');
    const limit = Math.min(Number(query.get('limit') ?? 10) || 10, 100);
    const matching = [...refunds.values()]
      .filter((refund) => intent === null || refund.payment_intent === intent)
      .reverse();
    return {
      status: 200,
      body: {
        object: 'list',
        url: '/v1/refunds',
        has_more: matching.length > limit,
        data: matching.slice(0, limit),
      },
    };
  }

  function createRefund(body: Record<string, unknown>): { status: number; body: unknown } {
    const intent = body.payment_intent;
    const paid = [...sessions.values()].find((session) => session.payment_intent === intent);
    if (typeof intent !== 'string' || !paid)
      return stripeError(400, `No such payment_intent: '${String(intent)}'`, 'payment_intent');
    // A failed or canceled refund gave nothing back: the payment can be refunded again.
    const refunded = [...refunds.values()].filter(
      (refund) =>
        refund.payment_intent === intent && refund.status !== 'failed' && refund.status !== 'canceled',
    );
    const already = refunded.reduce((sum, refund) => sum + refund.amount, 0);
    const amount = body.amount === undefined ? paid.amount_total - already : Number(body.amount);
    if (amount <= 0 || already + amount > paid.amount_total)
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'charge_already_refunded',
            message: `Charge for ${intent} has already been refunded.`,
          },
        },
      };
    const refund: FakeRefund = {
      id: id('re_test'),
      object: 'refund',
      amount,
      currency: paid.currency,
      payment_intent: intent,
      reason: typeof body.reason === 'string' ? body.reason : null,
      status: refundsHeld ? 'pending' : 'succeeded',
      failure_reason: null,
      metadata:
        body.metadata && typeof body.metadata === 'object' ? (body.metadata as Record<string, string>) : {},
      created: nowSeconds(),
    };
    refunds.set(refund.id, refund);
    return { status: 200, body: refund };
  }

  function event(type: string, object: unknown): FakeStripeEvent {
    const made: FakeStripeEvent = {
      id: id('evt_test'),
      object: 'event',
      type,
      created: nowSeconds(),
      livemode: false,
      api_version: API_VERSION,
      data: { object: structuredClone(object) },
    };
    events.push(made);
    recordsFile.changed();
    return made;
  }

  async function settleRefund(
    refundId: string,
    outcome: 'succeeded' | 'failed',
    failureReason = 'expired_or_canceled_card',
  ): Promise<StripeWebhookAttempt[]> {
    const refund = refunds.get(refundId);
    if (!refund) throw new Error(`Stripe fake: no refund ${refundId}`);
    if (refund.status === 'failed' || refund.status === 'canceled')
      throw new Error(`Stripe fake: refund ${refundId} is ${refund.status} already`);
    refund.status = outcome;
    if (outcome === 'failed') refund.failure_reason = failureReason;
    const types = outcome === 'failed' ? ['refund.updated', 'refund.failed'] : ['refund.updated'];
    const deliveries: StripeWebhookAttempt[] = [];
    for (const type of types) deliveries.push(await deliver(event(type, refund)));
    return deliveries;
  }

  /** `POST /v1/refunds/{id}`: its metadata, merged as Stripe merges it (the one field a refund takes). */
  function updateRefund(refundId: string, body: Record<string, unknown>): { status: number; body: unknown } {
    const refund = refunds.get(refundId);
    if (!refund) return stripeError(404, `No such refund: '${refundId}'`);
    if (body.metadata && typeof body.metadata === 'object')
      refund.metadata = { ...refund.metadata, ...(body.metadata as Record<string, string>) };
    return { status: 200, body: refund };
  }

  async function openDispute(
    paymentIntentId: string,
    { reason = 'fraudulent', inquiry = false }: { reason?: string; inquiry?: boolean } = {},
  ) {
    const intent = intents.get(paymentIntentId);
    // The status is the control route's answer (local/src/control.ts).
    if (!intent)
      throw Object.assign(new Error(`Stripe fake: no payment intent ${paymentIntentId}`), { status: 404 });
    const created = nowSeconds();
    const dispute: FakeDispute = {
      id: id('du_test'),
      object: 'dispute',
      amount: intent.amount,
      currency: intent.currency,
      charge: intent.latest_charge,
      payment_intent: intent.id,
      reason,
      status: inquiry ? 'warning_needs_response' : 'needs_response',
      evidence_details: {
        due_by: created + 7 * 24 * 3600,
        has_evidence: false,
        past_due: false,
        submission_count: 0,
      },
      is_charge_refundable: false,
      metadata: {},
      created,
      livemode: false,
    };
    disputes.set(dispute.id, dispute);
    return {
      dispute: structuredClone(dispute),
      delivery: await deliver(event('charge.dispute.created', dispute)),
    };
  }

  async function moveDispute(disputeId: string, status: FakeDisputeStatus) {
    const dispute = disputes.get(disputeId);
    if (!dispute) throw Object.assign(new Error(`Stripe fake: no dispute ${disputeId}`), { status: 404 });
    // A lost dispute moves on only to an appeal.
    if (
      CLOSED_DISPUTE.has(dispute.status) &&
      !(dispute.status === 'lost' && status === 'appeal_needs_response')
    )
      throw Object.assign(new Error(`Stripe fake: dispute ${disputeId} is ${dispute.status} already`), {
        status: 409,
      });
    dispute.status = status;
    if (status === 'under_review' || status === 'warning_under_review' || status === 'appeal_under_review') {
      dispute.evidence_details.has_evidence = true;
      dispute.evidence_details.submission_count += 1;
    }
    const type = CLOSED_DISPUTE.has(status) ? 'charge.dispute.closed' : 'charge.dispute.updated';
    return deliver(event(type, dispute));
  }

  function completeSession(sessionId: string): FakeStripeEvent {
    const session = sessions.get(sessionId);
    if (!session) throw new Error(`Stripe fake: no session ${sessionId}`);
    if (session.status !== 'open') throw new Error(`Stripe fake: session ${sessionId} is ${session.status}`);
    session.status = 'complete';
    session.payment_status = 'paid';
    session.payment_intent = id('pi_test');
    intents.set(session.payment_intent, {
      id: session.payment_intent,
      object: 'payment_intent',
      amount: session.amount_total,
      currency: session.currency,
      status: 'succeeded',
      metadata: intentMetadata.get(session.id) ?? {},
      latest_charge: id('ch_test'),
      created: nowSeconds(),
    });
    return event('checkout.session.completed', session);
  }

  function hostedPage(session: FakeCheckoutSession): string {
    const amount = `$${(session.amount_total / 100).toFixed(2)}`;
    // The fake's stand-in for Stripe's hosted page: one button pays (no card details), a link cancels.
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay ${amount} (Stripe fake)</title></head>
<body><main><h1>Pay ${amount}</h1><p>Local Stripe fake: no card is charged.</p>
<form method="post" action="/checkout/${session.id}/pay"><button type="submit">Pay ${amount}</button></form>
<p><a href="${session.cancel_url.replace(/"/g, '&quot;')}">Cancel</a></p></main></body></html>`;
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const raw = await readBody(req);
    const text = raw?.toString('utf8') ?? '';
    const method = (req.method ?? 'GET').toUpperCase();
    const form = parseStripeForm(text);
    const record = log.start(req, url, text ? form : null);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      sendJson(res, status, body, { 'request-id': id('req'), ...headers });
      log.answered(record, status);
    };

    // The hosted checkout page (the browser's, no API key).
    const hosted = HOSTED.exec(url.pathname);
    if (hosted && method === 'GET') {
      const session = sessions.get(hosted[1]!);
      if (!session) return answer(404, { error: 'no such session' });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(hostedPage(session));
      return log.answered(record, 200);
    }
    const hostedPay = HOSTED_PAY.exec(url.pathname);
    if (hostedPay && method === 'POST') {
      const session = sessions.get(hostedPay[1]!);
      if (session?.status !== 'open') return answer(409, { error: 'session not open' });
      await deliver(completeSession(session.id));
      res.writeHead(303, { location: session.success_url });
      res.end();
      return log.answered(record, 303);
    }

    if (req.headers.authorization !== `Bearer ${options.secretKey}`)
      return answer(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    // Stripe saves the first answer to an idempotency key, a 500 included, and answers it again for 24 h.
    const key = method === 'POST' ? req.headers['idempotency-key'] : undefined;
    const replayKey = typeof key === 'string' ? `${url.pathname} ${key}` : undefined;
    if (replayKey && idempotent.has(replayKey)) {
      const earlier = idempotent.get(replayKey)!;
      return answer(earlier.status, earlier.body, { 'idempotent-replayed': 'true' });
    }
    const fault = faults.take({ method, path: url.pathname });
    if (fault && 'status' in fault) {
      const injected = {
        status: fault.status,
        body: fault.body ?? { error: { type: 'api_error', message: 'injected fault' } },
      };
      // An injected 5xx is one Stripe's endpoint began and failed: saved under its key like any other.
      if (replayKey && injected.status >= 500) idempotent.set(replayKey, injected);
      return answer(injected.status, injected.body);
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return log.answered(record, null, 'reset');
    }
    let result: { status: number; body: unknown };
    const session = SESSION.exec(url.pathname);
    const refund = REFUND.exec(url.pathname);
    const intent = PAYMENT_INTENT.exec(url.pathname);
    if (SESSIONS.test(url.pathname) && method === 'POST') result = createSession(form);
    else if (session && method === 'GET')
      result = sessions.has(session[1]!)
        ? { status: 200, body: sessions.get(session[1]!) }
        : stripeError(404, `No such checkout.session: '${session[1]}'`);
    else if (REFUNDS.test(url.pathname) && method === 'POST') result = createRefund(form);
    else if (REFUNDS.test(url.pathname) && method === 'GET') result = listRefunds(url.searchParams);
    else if (refund && method === 'GET')
      result = refunds.has(refund[1]!)
        ? { status: 200, body: refunds.get(refund[1]!) }
        : stripeError(404, `No such refund: '${refund[1]}'`);
    else if (refund && method === 'POST') result = updateRefund(refund[1]!, form);
    else if (intent && method === 'GET')
      result = intents.has(intent[1]!)
        ? { status: 200, body: intents.get(intent[1]!) }
        : stripeError(404, `No such payment_intent: '${intent[1]}'`, 'intent');
    else result = stripeError(404, `Unrecognized request URL (${method}: ${url.pathname}).`);
    if (replayKey) idempotent.set(replayKey, result);
    recordsFile.changed();
    answer(result.status, result.body);
  }

  const server = createFakeServer(guard(handleRequest));
  return {
    handle: guard(handleRequest),
    async listen(port) {
      const listening = await server.listen(port);
      baseUrl = listening.url;
      return listening;
    },
    close() {
      recordsFile.flush();
      return server.close();
    },
    setWebhookUrl(url) {
      webhookUrl = url;
    },
    sessions: () => structuredClone([...sessions.values()]),
    refunds: () => structuredClone([...refunds.values()]),
    paymentIntents: () => structuredClone([...intents.values()]),
    disputes: () => structuredClone([...disputes.values()]),
    openDispute,
    moveDispute,
    events: () => structuredClone(events),
    webhooks: () => structuredClone(attempts),
    requests: () => log.list(),
    pay(sessionId) {
      return deliver(completeSession(sessionId));
    },
    refundInDashboard(paymentIntentId) {
      const made = createRefund({ payment_intent: paymentIntentId });
      if (made.status !== 200) throw new Error(`Stripe fake: ${JSON.stringify(made.body)}`);
      recordsFile.changed();
      return structuredClone(made.body as FakeRefund);
    },
    holdRefunds(on) {
      refundsHeld = on;
    },
    settleRefund,
    resend(eventId) {
      const event = events.find((candidate) => candidate.id === eventId);
      if (!event) return Promise.reject(new Error(`Stripe fake: no event ${eventId}`));
      return deliver(event);
    },
    sign,
    injectFaults(input) {
      faults.add(parseHttpFaults(input));
      return faults.pending();
    },
    clearFaults() {
      faults.clear();
    },
    clear() {
      sessions.clear();
      refunds.clear();
      intents.clear();
      disputes.clear();
      intentMetadata.clear();
      refundsHeld = false;
      events = [];
      attempts = [];
      idempotent.clear();
      log.clear();
    },
    busy: () => inFlight > 0,
  };
}
