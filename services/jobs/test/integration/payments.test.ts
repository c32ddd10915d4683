import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, startTestCloud, type TestCloud, todayIn } from '@qdn/local-cloud/test-harness';
import { formatUsd } from '@qdn/shared/money';
import { addDays } from '@qdn/shared/zoned-time';

// Paying at booking (issue 19) through the local cloud: the booking with a card deposit, a Stripe
// Checkout Session created through the real `stripe` SDK against the Stripe fake, the fake paying it
// and posting the signed webhook, the job recorded paid once, JobPaymentReceived on the bus, the
// receipt at the Twilio fake and the timeline entry; Zelle marked paid by a dispatcher; bad signatures
// and replays changing nothing.
let harness: TestCloud;

beforeAll(async () => {
  // Every test books from the same address: more than the 10 bookings an IP may make in an hour.
  harness = await startTestCloud('payments', { environment: { BOOKINGS_PER_IP_PER_HOUR: '100' } });
}, 90_000);

afterAll(async () => {
  await harness?.stop();
});

const booking = (phone: string, paymentMethod: string) => ({
  brandId: 'qdn',
  name: 'Paula Reyes',
  phone,
  // With its coordinates, so the geocoder leaves it alone: these tests count the job's versions.
  address: { text: '3911 Kearny Villa Rd, San Diego', lat: 32.8268, lng: -117.1406 },
  serviceType: 'junk_removal',
  preferredDate: addDays(todayIn(), 5),
  smsConsent: true,
  paymentMethod,
});

const textsTo = (phone: string) => harness.cloud.twilio.messages().filter((message) => message.to === phone);

async function timeline(jobId: string) {
  const response = await harness.api('GET', `/jobs/${jobId}/timeline`, { role: 'dispatcher' });
  return (response.body?.entries ?? []) as Array<Record<string, unknown>>;
}

async function paidByCard(phone: string) {
  const booked = await harness.api('POST', '/bookings', { body: booking(phone, 'card') });
  expect(booked.status).toBe(201);
  const checkout = await harness.api('POST', `/bookings/${booked.body.jobId}/checkout`);
  expect(checkout.status).toBe(201);
  const delivery = await harness.cloud.stripe.pay(checkout.body.sessionId);
  // The payment intent Stripe made for the session (what a refund or a dispute names).
  const intent = harness.cloud.stripe.sessions().find((session) => session.id === checkout.body.sessionId)!
    .payment_intent!;
  return { booked, checkout, delivery, intent };
}

/** The job once its payment is recorded refunded (the refunds consumer runs from the bus). */
const recordedRefunded = (jobId: string) =>
  eventually(
    async () => {
      const job = (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
      return job.payment.status === 'refunded' && job;
    },
    { what: 'the job recorded refunded' },
  );

describe('the webhook while its configuration is unreadable', () => {
  // First in the file: no webhook has read the signing secret yet, so nothing is cached.
  it('given SSM failing reads of the signing secret and the Stripe key, then a bare 500 (an alarm, and Stripe retries), never the 400 of a bad signature; the retry records it', async () => {
    // Prepare: a paid session whose event we deliver ourselves, properly signed.
    const booked = await harness.api('POST', '/bookings', { body: booking('+16195550189', 'card') });
    const checkout = await harness.api('POST', `/bookings/${booked.body.jobId}/checkout`);
    harness.cloud.stripe.setWebhookUrl('http://127.0.0.1:9/nowhere');
    await harness.cloud.stripe.pay(checkout.body.sessionId);
    harness.cloud.stripe.setWebhookUrl(`${harness.cloud.apiUrl}/stripe/webhook`);
    const payload = JSON.stringify(harness.cloud.stripe.events().at(-1));
    const deliver = () =>
      harness.api('POST', '/stripe/webhook', {
        raw: payload,
        headers: { 'stripe-signature': harness.cloud.stripe.sign(payload) },
      });

    // Act: both unreadable (a read that succeeds is cached for minutes, so one at a time would not tell).
    harness.cloud.ssm.failReads('/qdn/local/stripe-webhook-secret');
    harness.cloud.ssm.failReads('/qdn/local/stripe-secret-key');
    const during = await deliver();
    harness.cloud.ssm.clearFaults();
    const retried = await deliver();

    // Assess: nothing internal in the answer, and nothing recorded until the retry.
    expect(during).toMatchObject({ status: 500, body: { error: 'Internal error' } });
    expect(JSON.stringify(during.body)).not.toMatch(/signature|Injected|AccessDenied|ssm/i);
    expect(retried).toMatchObject({ status: 200, body: { outcome: 'recorded' } });
  }, 60_000);
});

describe('a card deposit through Stripe Checkout', () => {
  it('given a card booking, when the customer pays, then the signed webhook records it once → JobPaymentReceived → receipt text and timeline entry', async () => {
    // Prepare
    const phone = '+16195550181';
    const booked = await harness.api('POST', '/bookings', { body: booking(phone, 'card') });
    expect(booked.status).toBe(201);
    const { jobId, payment } = booked.body;
    expect(payment).toMatchObject({ method: 'card' });

    // Act: the booking page starts the session; the customer pays on (the fake's) Stripe Checkout.
    const checkout = await harness.api('POST', `/bookings/${jobId}/checkout`);
    const delivery = await harness.cloud.stripe.pay(checkout.body.sessionId);

    // Assess: the session was made through the SDK, for the deposit, returning to the brand's site.
    expect(checkout.status).toBe(201);
    expect(checkout.body).toMatchObject({ amountCents: payment.amountDueCents });
    const session = harness.cloud.stripe
      .sessions()
      .find((candidate) => candidate.id === checkout.body.sessionId)!;
    expect(session).toMatchObject({
      client_reference_id: jobId,
      amount_total: payment.amountDueCents,
      metadata: { jobId, brandId: 'qdn' },
      allowed_payment_method_types: ['card'],
    });
    expect(session.success_url).toBe(`${harness.cloud.siteUrl}/book?brand=qdn&job=${jobId}&payment=paid`);
    expect(delivery).toMatchObject({ status: 200, response: { received: true, outcome: 'recorded' } });

    const job = (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
    expect(job.payment).toMatchObject({
      method: 'card',
      status: 'paid',
      amountPaidCents: payment.amountDueCents,
      checkoutSessionId: session.id,
      reference: session.payment_intent,
    });
    const events = await harness.eventsUntil(jobId, (seen) =>
      seen.some((event) => event['detail-type'] === 'JobPaymentReceived'),
    );
    const received = events.filter((event) => event['detail-type'] === 'JobPaymentReceived');
    expect(received).toHaveLength(1);
    expect(received[0]!.detail.data).toMatchObject({
      payment: { method: 'card', amountCents: payment.amountDueCents, reference: session.payment_intent },
    });
    const receipt = await eventually(() => textsTo(phone)[0], { what: 'the receipt text' });
    expect(receipt.body).toContain(
      `we received your card payment of $${(payment.amountDueCents / 100).toFixed(2)}`,
    );
    const entries = await eventually(
      async () => {
        const found = await timeline(jobId);
        return found.some((entry) => entry.type === 'JobPaymentReceived') && found;
      },
      { what: 'the timeline entry' },
    );
    expect(entries.find((entry) => entry.type === 'JobPaymentReceived')).toMatchObject({
      payment: { method: 'card', amountCents: payment.amountDueCents },
    });

    // The same event again (Stripe retries): processed once — no new version, event or text.
    const replay = await harness.cloud.stripe.resend(harness.cloud.stripe.events().at(-1)!.id);
    expect(replay).toMatchObject({ status: 200, response: { outcome: 'already-recorded' } });
    await harness.settled();
    const after = (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
    expect(after.version).toBe(job.version);
    expect(textsTo(phone)).toHaveLength(1);
    const all = await harness.eventsUntil(jobId, () => true);
    expect(all.filter((event) => event['detail-type'] === 'JobPaymentReceived')).toHaveLength(1);
  }, 90_000);

  it('given a webhook with a bad signature (or none), then 400 and nothing changes; a session we did not create, 200 and ignored', async () => {
    // Prepare: a session paid at the fake, whose event we post ourselves with a wrong signature.
    const phone = '+16195550182';
    const booked = await harness.api('POST', '/bookings', { body: booking(phone, 'card') });
    const checkout = await harness.api('POST', `/bookings/${booked.body.jobId}/checkout`);
    harness.cloud.stripe.setWebhookUrl('http://127.0.0.1:9/nowhere');
    await harness.cloud.stripe.pay(checkout.body.sessionId);
    harness.cloud.stripe.setWebhookUrl(`${harness.cloud.apiUrl}/stripe/webhook`);
    const payload = JSON.stringify(harness.cloud.stripe.events().at(-1));
    const t = Math.floor(Date.now() / 1000);

    // Act
    const forged = await harness.api('POST', '/stripe/webhook', {
      raw: payload,
      headers: { 'stripe-signature': `t=${t},v1=${'0'.repeat(64)}` },
    });
    const unsigned = await harness.api('POST', '/stripe/webhook', { raw: payload });
    const tampered = await harness.api('POST', '/stripe/webhook', {
      raw: payload.replace('"paid"', '"paid" '),
      headers: { 'stripe-signature': harness.cloud.stripe.sign(payload) },
    });

    // A signed session of the account that startCheckout did not make (a Payment Link whose URL named
    // this job): ignored with a 200, or Stripe would retry it for days and may disable the endpoint.
    const event = JSON.parse(payload);
    const foreign = JSON.stringify({
      ...event,
      id: 'evt_test_foreign1',
      data: { object: { ...event.data.object, id: 'cs_test_foreign1', metadata: {} } },
    });
    const ignored = await harness.api('POST', '/stripe/webhook', {
      raw: foreign,
      headers: { 'stripe-signature': harness.cloud.stripe.sign(foreign) },
    });

    // Assess
    for (const refused of [forged, unsigned, tampered]) {
      expect(refused.status).toBe(400);
      expect(refused.body.details[0]).toMatchObject({ field: 'headers.stripe-signature' });
    }
    expect(ignored).toMatchObject({
      status: 200,
      body: { received: true, ignored: 'checkout.session.completed' },
    });
    const job = (await harness.api('GET', `/jobs/${booked.body.jobId}`, { role: 'dispatcher' })).body.job;
    expect(job).toMatchObject({ version: 1, payment: { status: 'due' } });
    // Signed properly, the same payload is taken: the check was the signature, not the body.
    const signed = await harness.api('POST', '/stripe/webhook', {
      raw: payload,
      headers: { 'stripe-signature': harness.cloud.stripe.sign(payload) },
    });
    expect(signed).toMatchObject({ status: 200, body: { outcome: 'recorded' } });
  }, 60_000);

  it('given a Zelle booking, then no checkout (409); paid by card already, then no second checkout', async () => {
    const zelle = await harness.api('POST', '/bookings', { body: booking('+16195550183', 'zelle') });
    expect(zelle.body.payment.instructions).toContain('Zelle to pay@quickdumpnow.com');
    const refused = await harness.api('POST', `/bookings/${zelle.body.jobId}/checkout`);
    expect(refused.status).toBe(409);
    const { booked } = await paidByCard('+16195550184');
    const again = await harness.api('POST', `/bookings/${booked.body.jobId}/checkout`);
    expect(again.status).toBe(409);
  }, 60_000);
});

describe('Zelle and cash', () => {
  it('given a Zelle booking, then nothing is texted until confirmed; the confirming text says how to pay; marked paid → one receipt', async () => {
    // Prepare
    const phone = '+16195550185';
    const booked = await harness.api('POST', '/bookings', { body: booking(phone, 'zelle') });
    const { jobId } = booked.body;
    await harness.settled();
    expect(textsTo(phone)).toEqual([]);

    // Act
    const confirmed = await harness.api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'scheduled' },
    });
    const confirmation = await eventually(() => textsTo(phone)[0], { what: 'the confirming text' });
    const paid = await harness.api('POST', `/jobs/${jobId}/payment`, {
      role: 'dispatcher',
      body: { method: 'zelle', reference: 'ZL-20261204' },
    });
    const twice = await harness.api('POST', `/jobs/${jobId}/payment`, {
      role: 'dispatcher',
      body: { method: 'zelle' },
    });

    // Assess
    expect(confirmed.status).toBe(200);
    expect(confirmation.body).toContain(booked.body.payment.instructions);
    expect(paid.status).toBe(200);
    expect(paid.body.job.payment).toMatchObject({
      status: 'paid',
      method: 'zelle',
      reference: 'ZL-20261204',
    });
    expect(twice.status).toBe(409);
    const receipt = await eventually(() => textsTo(phone)[1], { what: 'the receipt' });
    expect(receipt.body).toContain('we received your Zelle payment');
    await harness.settled();
    expect(textsTo(phone)).toHaveLength(2);
  }, 60_000);

  it('given bad input, then 4xx with field errors: a driver may not mark paid, an unknown method is 400', async () => {
    const booked = await harness.api('POST', '/bookings', { body: booking('+16195550186', 'cash') });
    const { jobId } = booked.body;
    const unknownMethod = await harness.api('POST', `/jobs/${jobId}/payment`, {
      role: 'dispatcher',
      body: { method: 'bitcoin' },
    });
    expect(unknownMethod.status).toBe(400);
    expect(unknownMethod.body.details[0]).toMatchObject({ field: 'body.method' });
    const byDriver = await harness.api('POST', `/jobs/${jobId}/payment`, {
      role: 'driver',
      body: { method: 'cash' },
    });
    expect(byDriver.status).toBe(403);
    const badBooking = await harness.api('POST', '/bookings', {
      body: {
        ...booking('+16195550187', 'card'),
        brandId: 'queen-of-san-diego',
        serviceType: 'charter',
        paymentMethod: 'zelle',
      },
    });
    expect(badBooking.status).toBe(400);
    expect(badBooking.body.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'body.paymentMethod' })]),
    );
  }, 60_000);
});

describe('a refund when a dispatcher cancels a job paid by card', () => {
  it('given a paid card booking, when cancelled, then one refund at Stripe, the job refunded, JobPaymentRefunded on the timeline; the cancellation again refunds nothing', async () => {
    // Prepare
    const phone = '+16195550188';
    const { booked, checkout } = await paidByCard(phone);
    const { jobId } = booked.body;
    const session = harness.cloud.stripe
      .sessions()
      .find((candidate) => candidate.id === checkout.body.sessionId)!;

    // Act
    const cancelled = await harness.api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'cancelled', note: 'customer called: plans changed' },
    });
    const refundedJob = await recordedRefunded(jobId);

    // Assess
    expect(cancelled.status).toBe(200);
    const refunds = harness.cloud.stripe
      .refunds()
      .filter((refund) => refund.payment_intent === session.payment_intent);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: session.amount_total, status: 'succeeded' });
    expect(refundedJob.payment).toMatchObject({ status: 'refunded', refundId: refunds[0]!.id });
    const events = await harness.eventsUntil(jobId, (seen) =>
      seen.some((event) => event['detail-type'] === 'JobPaymentRefunded'),
    );
    const cancellation = events.find(
      (event) => event['detail-type'] === 'JobStatusChanged' && event.detail.data.status === 'cancelled',
    )!;
    expect(events.find((event) => event['detail-type'] === 'JobPaymentRefunded')?.detail.data).toMatchObject({
      refund: { method: 'card', amountCents: session.amount_total, refundId: refunds[0]!.id },
    });
    await eventually(
      async () => (await timeline(jobId)).some((entry) => entry.type === 'JobPaymentRefunded'),
      { what: 'the refund on the timeline' },
    );
    // The booking was declined before it was confirmed, so its cancellation texts nobody; the refund does:
    // the customer paid, and hears where the money went (after the receipt, nothing else).
    const refundText = `we refunded your card payment of ${formatUsd(session.amount_total!)} for your junk removal`;
    await eventually(() => textsTo(phone).some((message) => message.body.includes(refundText)), {
      what: 'the refund text at Twilio',
    });

    // The same cancellation delivered again (a redrive, a replay): nothing more is refunded.
    const again = await harness.cloud.clients.eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'qdn-local',
            Source: 'qdn.jobs',
            DetailType: 'JobStatusChanged',
            Detail: JSON.stringify(cancellation.detail),
          },
        ],
      }),
    );
    expect(again.FailedEntryCount).toBe(0);
    await harness.settled();
    expect(
      harness.cloud.stripe.refunds().filter((refund) => refund.payment_intent === session.payment_intent),
    ).toHaveLength(1);
    expect((await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job.version).toBe(
      refundedJob.version,
    );
    // The receipt and the refund, one each (their order at Twilio is the two consumers' race).
    const texts = textsTo(phone).map((message) => message.body);
    expect(texts).toHaveLength(2);
    expect(texts.filter((body) => body.includes(refundText))).toHaveLength(1);
    expect(texts.filter((body) => body.includes('we received your card payment'))).toHaveLength(1);
  }, 90_000);

  it("given the payment refunded by a person in Stripe's Dashboard first, when the job is cancelled, then the job is recorded refunded with that refund, and nothing is refunded twice", async () => {
    // Prepare
    const { booked, intent } = await paidByCard('+16195550192');
    const { jobId } = booked.body;
    const byHand = harness.cloud.stripe.refundInDashboard(intent);
    const askedBefore = harness.cloud.stripe.requests().length;

    // Act
    const cancelled = await harness.api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'cancelled', note: 'refunded on the phone already' },
    });
    const refundedJob = await recordedRefunded(jobId);

    // Assess: Stripe said charge_already_refunded, and the refund that did it was looked up, not retried
    // until the DLQ with the job "being refunded" for good.
    expect(cancelled.status).toBe(200);
    expect(refundedJob.payment).toMatchObject({ status: 'refunded', refundId: byHand.id });
    // The refund now names the job, so what becomes of it (refund.updated, refund.failed) reaches the job.
    expect(harness.cloud.stripe.refunds().filter((refund) => refund.payment_intent === intent)).toEqual([
      { ...byHand, metadata: { jobId } },
    ]);
    const asked = harness.cloud.stripe
      .requests()
      .slice(askedBefore)
      .map((request) => `${request.method} ${request.path} ${request.status}`);
    expect(asked).toEqual([
      'POST /v1/refunds 400',
      'GET /v1/refunds 200',
      `POST /v1/refunds/${byHand.id} 200`,
    ]);
    const [failed] = await harness.cloud.stripe.settleRefund(byHand.id, 'failed');
    expect(failed).toMatchObject({ status: 200, response: { outcome: 'recorded' } });
  }, 60_000);

  it('given Stripe answering the refund 500, then the next attempt refunds under a key of its own: Stripe answers a 5xx again to its key', async () => {
    // Prepare
    const { booked, intent } = await paidByCard('+16195550193');
    const { jobId } = booked.body;
    harness.cloud.stripe.injectFaults({ method: 'POST', path: '/v1/refunds', status: 500, count: 1 });
    const askedBefore = harness.cloud.stripe.requests().length;

    // Act
    await harness.api('POST', `/jobs/${jobId}/status`, { role: 'dispatcher', body: { status: 'cancelled' } });
    await recordedRefunded(jobId);

    // Assess: the SDK's own retry replayed the 500 under the attempt's key; SQS's retry, with a new key, refunded.
    const posts = harness.cloud.stripe
      .requests()
      .slice(askedBefore)
      .filter((request) => request.method === 'POST' && request.path === '/v1/refunds');
    expect(posts.map((request) => request.status)).toEqual([500, 500, 200]);
    const keys = posts.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
    expect(keys[2]).toMatch(new RegExp(`^refund:${jobId}:cs_`));
    expect(harness.cloud.stripe.refunds().filter((refund) => refund.payment_intent === intent)).toHaveLength(
      1,
    );
  }, 60_000);
});

describe('a refund Stripe settles later, or that fails (refund.updated, refund.failed)', () => {
  /** A paid card booking cancelled by a dispatcher, once its refund is recorded: the job and the refund. */
  async function cancelledAndRefunded(phone: string) {
    const { booked } = await paidByCard(phone);
    const { jobId } = booked.body;
    await harness.api('POST', `/jobs/${jobId}/status`, { role: 'dispatcher', body: { status: 'cancelled' } });
    const job = await recordedRefunded(jobId);
    const refund = harness.cloud.stripe.refunds().find((made) => made.id === job.payment.refundId)!;
    return { jobId, job, refund };
  }
  const jobOf = async (jobId: string) =>
    (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;

  it('given refunds held at Stripe (its balance short), then the job records the refund pending, and its refund.updated to succeeded moves it on', async () => {
    // Prepare
    harness.cloud.stripe.holdRefunds(true);
    let made: Awaited<ReturnType<typeof cancelledAndRefunded>>;
    try {
      made = await cancelledAndRefunded('+16195550194');
    } finally {
      harness.cloud.stripe.holdRefunds(false);
    }
    const { jobId, job, refund } = made;
    expect(refund.metadata).toEqual({ jobId });
    expect(job.payment).toMatchObject({ status: 'refunded', refundId: refund.id, refundStatus: 'pending' });

    // Act
    const [delivery] = await harness.cloud.stripe.settleRefund(refund.id, 'succeeded');

    // Assess
    expect(delivery).toMatchObject({
      type: 'refund.updated',
      status: 200,
      response: { outcome: 'recorded' },
    });
    const settled = await jobOf(jobId);
    expect(settled.payment).toMatchObject({
      status: 'refunded',
      refundId: refund.id,
      refundStatus: 'succeeded',
    });
    expect(settled.version).toBe(job.version + 1);
  }, 60_000);

  it('given a refund that went through, when it fails (the card was closed), then the signed webhook records why on the job → JobRefundFailed → a text to the customer and the timeline; delivered again, nothing more', async () => {
    // Prepare
    const phone = '+16195550195';
    const { jobId, job, refund } = await cancelledAndRefunded(phone);
    expect(job.payment.refundStatus).toBe('succeeded');

    // Act
    const deliveries = await harness.cloud.stripe.settleRefund(
      refund.id,
      'failed',
      'expired_or_canceled_card',
    );

    // Assess: refund.updated records it, refund.failed (the same change) finds it recorded.
    expect(deliveries.map((delivery) => [delivery.type, delivery.status, delivery.response])).toEqual([
      ['refund.updated', 200, { received: true, outcome: 'recorded' }],
      ['refund.failed', 200, { received: true, outcome: 'already-recorded' }],
    ]);
    const failed = await jobOf(jobId);
    expect(failed.payment).toMatchObject({
      status: 'refunded',
      refundStatus: 'failed',
      refundFailure: { reason: 'expired_or_canceled_card' },
    });
    const events = await harness.eventsUntil(jobId, (seen) =>
      seen.some((event) => event['detail-type'] === 'JobRefundFailed'),
    );
    expect(events.find((event) => event['detail-type'] === 'JobRefundFailed')?.detail.data).toMatchObject({
      refund: {
        method: 'card',
        amountCents: refund.amount,
        refundId: refund.id,
        reason: 'expired_or_canceled_card',
        returned: false,
      },
    });
    const failedText = `your refund of ${formatUsd(refund.amount)} for your junk removal`;
    // Held for the brand's sending hours when the suite runs at night in San Diego.
    await eventually(
      async () => {
        await harness.releaseHeldTexts(jobId);
        return textsTo(phone).some((message) => message.body.includes(failedText));
      },
      { what: 'the failed refund text at Twilio' },
    );
    // The brand's team is told too: someone has to pay it back another way.
    const teamAlert = `the card refund of ${formatUsd(refund.amount)} to Paula Reyes`;
    await eventually(() => textsTo('+16195550101').some((message) => message.body.includes(teamAlert)), {
      what: 'the team alert at Twilio',
    });
    await eventually(async () => (await timeline(jobId)).some((entry) => entry.type === 'JobRefundFailed'), {
      what: 'the failed refund on the timeline',
    });

    // Stripe delivering the event again changes nothing, and texts nobody again.
    const again = await harness.cloud.stripe.resend(deliveries[0]!.eventId);
    expect(again).toMatchObject({ status: 200, response: { outcome: 'already-recorded' } });
    await harness.settled();
    expect((await jobOf(jobId)).version).toBe(failed.version);
    expect(textsTo(phone).filter((message) => message.body.includes(failedText))).toHaveLength(1);
    expect(textsTo('+16195550101').filter((message) => message.body.includes(teamAlert))).toHaveLength(1);

    // A dispatcher pays the customer back by Zelle and records it: bad input changes nothing.
    const paidBack = (role: string, body: unknown) =>
      harness.api('POST', `/jobs/${jobId}/payment/refund`, { role, body });
    expect((await paidBack('driver', { method: 'zelle' })).status).toBe(403);
    const refused = await paidBack('dispatcher', { method: 'card', reference: '' });
    expect(refused.status).toBe(400);
    expect(refused.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      'body.method',
      'body.reference',
    ]);
    expect((await jobOf(jobId)).version).toBe(failed.version);
    const recorded = await paidBack('dispatcher', {
      method: 'zelle',
      reference: 'ZL-9',
      expectedVersion: failed.version,
    });
    expect(recorded.status).toBe(200);
    expect(recorded.body.job.payment.refundPaidBack).toMatchObject({
      method: 'zelle',
      reference: 'ZL-9',
      by: expect.any(String),
    });
    expect((await paidBack('dispatcher', { method: 'cash' })).status).toBe(409);
    await eventually(
      async () => (await timeline(jobId)).some((entry) => entry.type === 'JobRefundPaidBack'),
      { what: 'the pay-back on the timeline' },
    );
    const paidBackText = `we have paid back your refund of ${formatUsd(refund.amount)} for your junk removal`;
    await eventually(() => textsTo(phone).some((message) => message.body.includes(`${paidBackText}`)), {
      what: 'the paid-back text at Twilio',
    });
    expect(textsTo(phone).find((message) => message.body.includes(paidBackText))?.body).toMatch(
      / by Zelle\./,
    );
  }, 90_000);

  it("given a refund made by a person in Stripe's Dashboard failing, then the webhook answers 200 and ignores it: it names no job of ours", async () => {
    const { booked, intent } = await paidByCard('+16195550196');
    const byHand = harness.cloud.stripe.refundInDashboard(intent);
    const before = await jobOf(booked.body.jobId);

    const deliveries = await harness.cloud.stripe.settleRefund(byHand.id, 'failed');

    expect(deliveries.map((delivery) => delivery.response)).toEqual([
      { received: true, ignored: 'refund.updated' },
      { received: true, ignored: 'refund.failed' },
    ]);
    expect((await jobOf(booked.body.jobId)).version).toBe(before.version);
  }, 60_000);
});

describe('a card payment the job cannot keep', () => {
  const refundsOf = (intent: unknown) =>
    harness.cloud.stripe.refunds().filter((refund) => refund.payment_intent === intent);
  const sessionOf = (id: string) => harness.cloud.stripe.sessions().find((candidate) => candidate.id === id)!;

  it('given two Checkout Sessions for one job (two tabs) both paid, then the first is the job’s payment and the second is refunded once at Stripe and kept on the job for staff', async () => {
    // Prepare: both tabs start a session before either pays.
    const phone = '+16195550190';
    const booked = await harness.api('POST', '/bookings', { body: booking(phone, 'card') });
    const { jobId } = booked.body;
    const first = await harness.api('POST', `/bookings/${jobId}/checkout`);
    const second = await harness.api('POST', `/bookings/${jobId}/checkout`);
    expect([first.status, second.status]).toEqual([201, 201]);

    // Act
    const paidFirst = await harness.cloud.stripe.pay(first.body.sessionId);
    const paidSecond = await harness.cloud.stripe.pay(second.body.sessionId);
    const resent = await harness.cloud.stripe.resend(harness.cloud.stripe.events().at(-1)!.id);

    // Assess
    expect(paidFirst).toMatchObject({ status: 200, response: { outcome: 'recorded' } });
    expect(paidSecond).toMatchObject({ status: 200, response: { outcome: 'refunded' } });
    expect(resent).toMatchObject({ status: 200, response: { outcome: 'already-recorded' } });
    const [a, b] = [sessionOf(first.body.sessionId), sessionOf(second.body.sessionId)];
    expect(refundsOf(a.payment_intent)).toEqual([]);
    const refunds = refundsOf(b.payment_intent);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ amount: b.amount_total, status: 'succeeded' });
    const job = (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
    expect(job.payment).toMatchObject({
      status: 'paid',
      checkoutSessionId: a.id,
      reference: a.payment_intent,
    });
    expect(job.returnedPayments).toEqual([
      expect.objectContaining({
        checkoutSessionId: b.id,
        reference: b.payment_intent,
        amountCents: b.amount_total,
        why: 'paid-already',
        refundId: refunds[0]!.id,
      }),
    ]);
    // One receipt: the money that went back was never the job's.
    await harness.settled();
    expect(
      textsTo(phone).filter((message) => message.body.includes('we received your card payment')),
    ).toHaveLength(1);
  }, 90_000);

  it('given a session paid after the booking was declined, then the job is not marked paid and the payment is refunded at Stripe', async () => {
    const booked = await harness.api('POST', '/bookings', { body: booking('+16195550191', 'card') });
    const { jobId } = booked.body;
    const checkout = await harness.api('POST', `/bookings/${jobId}/checkout`);
    const declined = await harness.api('POST', `/jobs/${jobId}/status`, {
      role: 'dispatcher',
      body: { status: 'cancelled', note: 'no trailer that day' },
    });
    expect(declined.status).toBe(200);

    const delivery = await harness.cloud.stripe.pay(checkout.body.sessionId);

    expect(delivery).toMatchObject({ status: 200, response: { outcome: 'refunded' } });
    const session = sessionOf(checkout.body.sessionId);
    expect(refundsOf(session.payment_intent)).toHaveLength(1);
    const job = (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;
    expect(job).toMatchObject({ status: 'cancelled', payment: { status: 'due' } });
    expect(job.returnedPayments).toEqual([
      expect.objectContaining({
        checkoutSessionId: session.id,
        why: 'job-cancelled',
        refundId: expect.any(String),
      }),
    ]);
  }, 60_000);
});

describe("a card payment disputed by the customer's bank", () => {
  const jobOf = async (jobId: string) =>
    (await harness.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job;

  it('given a paid card booking, when the bank disputes it, then the signed webhook records it on the payment → JobPaymentDisputed → the team is texted and the timeline has it; answered and lost, the job says so once', async () => {
    // Prepare
    const { booked, intent } = await paidByCard('+16195550197');
    const { jobId } = booked.body;
    const paid = await eventually(
      async () => {
        const job = await jobOf(jobId);
        return job.payment.status === 'paid' && job;
      },
      { what: 'the deposit recorded' },
    );

    // Act
    const { dispute, delivery } = await harness.cloud.stripe.openDispute(intent, {
      reason: 'product_not_received',
    });

    // Assess
    expect(delivery).toMatchObject({
      type: 'charge.dispute.created',
      status: 200,
      response: { received: true, outcome: 'recorded' },
    });
    const disputed = await jobOf(jobId);
    expect(disputed.version).toBe(paid.version + 1);
    expect(disputed.payment).toMatchObject({
      status: 'paid',
      dispute: {
        disputeId: dispute.id,
        status: 'needs_response',
        reason: 'product_not_received',
        amountCents: dispute.amount,
        respondBy: new Date(dispute.evidence_details.due_by! * 1000).toISOString(),
      },
    });
    const events = await harness.eventsUntil(jobId, (seen) =>
      seen.some((event) => event['detail-type'] === 'JobPaymentDisputed'),
    );
    expect(events.find((event) => event['detail-type'] === 'JobPaymentDisputed')?.detail.data).toMatchObject({
      dispute: { disputeId: dispute.id, reason: 'product_not_received', returned: false },
    });
    const teamAlert = `the bank of Paula Reyes (job #`;
    // Held for the brand's sending hours when the suite runs at night in San Diego.
    await eventually(
      async () => {
        await harness.releaseHeldTexts(jobId);
        return ['+16195550101', '+16195550102'].every((team) =>
          textsTo(team).some((message) => message.body.includes(teamAlert)),
        );
      },
      { what: 'the dispute text to each team number at Twilio' },
    );
    expect(textsTo('+16195550101').find((message) => message.body.includes(teamAlert))?.body).toContain(
      `disputed the card payment of ${formatUsd(dispute.amount)}: the customer says the service was not provided.`,
    );
    await eventually(
      async () => (await timeline(jobId)).some((entry) => entry.type === 'JobPaymentDisputed'),
      { what: 'the dispute on the timeline' },
    );

    // Delivered again: nothing changes, nobody is texted again.
    const again = await harness.cloud.stripe.resend(delivery.eventId);
    expect(again).toMatchObject({ status: 200, response: { outcome: 'already-recorded' } });

    // Answered in Stripe's Dashboard, then lost.
    const answered = await harness.cloud.stripe.moveDispute(dispute.id, 'under_review');
    const lost = await harness.cloud.stripe.moveDispute(dispute.id, 'lost');
    expect([answered, lost].map((move) => [move.type, move.response])).toEqual([
      ['charge.dispute.updated', { received: true, outcome: 'recorded' }],
      ['charge.dispute.closed', { received: true, outcome: 'recorded' }],
    ]);
    const closed = await jobOf(jobId);
    expect(closed.version).toBe(disputed.version + 2);
    expect(closed.payment.dispute).toMatchObject({ status: 'lost', closedAt: expect.any(String) });
    expect(closed.payment.dispute).not.toHaveProperty('respondBy');
    await eventually(
      async () =>
        (await timeline(jobId)).some(
          (entry) =>
            entry.type === 'JobPaymentDisputeClosed' &&
            (entry.dispute as { outcome?: string } | undefined)?.outcome === 'lost',
        ),
      { what: 'the lost dispute on the timeline' },
    );
    await harness.settled();
    for (const team of ['+16195550101', '+16195550102'])
      expect(textsTo(team).filter((message) => message.body.includes(teamAlert))).toHaveLength(1);

    // Lost, it can be appealed: the team hears that; the appeal filed and won, the job says won on appeal.
    const appealable = await harness.cloud.stripe.moveDispute(dispute.id, 'appeal_needs_response');
    const filed = await harness.cloud.stripe.moveDispute(dispute.id, 'appeal_under_review');
    const wonOnAppeal = await harness.cloud.stripe.moveDispute(dispute.id, 'won');
    expect([appealable, filed, wonOnAppeal].map((move) => move.response)).toEqual([
      { received: true, outcome: 'recorded' },
      { received: true, outcome: 'recorded' },
      { received: true, outcome: 'recorded' },
    ]);
    expect((await jobOf(jobId)).payment.dispute).toMatchObject({ status: 'won', appeal: true });
    await eventually(
      async () => {
        await harness.releaseHeldTexts(jobId);
        return textsTo('+16195550101').some((message) => message.body.includes('it can be appealed'));
      },
      { what: 'the appeal text to the team' },
    );
  }, 90_000);

  it('given an inquiry from the bank, then the job records it as one (no money moved); when it becomes a chargeback on the same dispute, the team is texted again', async () => {
    // Prepare
    const { booked, intent } = await paidByCard('+16195550198');
    const { jobId } = booked.body;
    await eventually(async () => (await jobOf(jobId)).payment.status === 'paid', { what: 'the deposit' });

    // Act
    const { dispute, delivery } = await harness.cloud.stripe.openDispute(intent, { inquiry: true });
    const inquiry = (await jobOf(jobId)).payment.dispute;
    const escalated = await harness.cloud.stripe.moveDispute(dispute.id, 'needs_response');

    // Assess
    expect([delivery.response, escalated.response]).toEqual([
      { received: true, outcome: 'recorded' },
      { received: true, outcome: 'recorded' },
    ]);
    expect(inquiry).toMatchObject({ disputeId: dispute.id, status: 'needs_response', inquiry: true });
    const chargeback = (await jobOf(jobId)).payment.dispute;
    expect(chargeback).toMatchObject({ disputeId: dispute.id, status: 'needs_response' });
    expect(chargeback).not.toHaveProperty('inquiry');
    const team = '+16195550101';
    // This job's texts: the team's texts name the job by the last six characters of its id.
    const about = (words: string) => (message: { body: string }) =>
      message.body.includes(`(job #${jobId.slice(-6).toUpperCase()})`) && message.body.includes(words);
    await eventually(
      async () => {
        await harness.releaseHeldTexts(jobId);
        return (
          textsTo(team).some(about('is asking about')) && textsTo(team).some(about('Stripe took it back'))
        );
      },
      { what: 'the inquiry text and the chargeback text to the team' },
    );
  }, 90_000);

  it('given a dispute of a payment none of our jobs took, then 200 and ignored (Stripe would retry a 4xx for days); one with an unreadable body, 400 naming the field', async () => {
    // A payment intent Stripe does not know (a person's charge in another account's Dashboard): 404 at
    // Stripe, so no job of ours. Posted as Stripe would, signed.
    const payload = JSON.stringify({
      id: 'evt_test_dispute_stranger',
      type: 'charge.dispute.created',
      data: {
        object: {
          id: 'du_test_stranger',
          object: 'dispute',
          amount: 5_000,
          payment_intent: 'pi_test_stranger',
          reason: 'fraudulent',
          status: 'needs_response',
        },
      },
    });
    const post = (raw: string) =>
      harness.api('POST', '/stripe/webhook', {
        raw,
        headers: { 'stripe-signature': harness.cloud.stripe.sign(raw) },
      });
    const stranger = await post(payload);
    expect(stranger.status).toBe(200);
    expect(stranger.body).toEqual({ received: true, outcome: 'unknown-payment' });

    const unreadable = await post(payload.replace('"amount":5000', '"amount":"lots"'));
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.details).toEqual([expect.objectContaining({ field: 'data.object.amount' })]);
  }, 60_000);
});
