import { describe, expect, it } from '@jest/globals';
import { detailSchemaOf, MAX_FAILED_ATTEMPTS_ON_EVENT } from '@qdn/shared/events';
import { classifyTwilioError } from '../../src/adapters/twilio-gateway.ts';
import { deliverOnce } from '../../src/domain/delivery.ts';
import { type SendClaim, SmsSendError } from '../../src/domain/ports.ts';
import { harness } from './fakes.ts';

const leaseOf = (claim: SendClaim) => ('leaseToken' in claim ? claim.leaseToken : '');

describe('deliverOnce', () => {
  it('given a new key, when sent, then one SMS, one SmsSent with a stable event id, and the number marked texted', async () => {
    const { deps, store, published, sent, sms } = harness([{ messageSid: 'SM1', status: 'queued' }]);

    const outcome = await deliverOnce(deps, sms);
    const again = await deliverOnce(deps, { ...sms, body: 'reworded' });

    expect(outcome).toEqual({ state: 'sent', messageSid: 'SM1', status: 'queued' });
    expect(again).toEqual(outcome);
    expect(sent).toEqual(["Hi Mark, we're on the way."]);
    expect(published.map((event) => [event.detailType, event.detail.meta.eventId])).toEqual([
      ['SmsSent', 'sms:job:qdn_1:2:on_the_way:SmsSent'],
    ]);
    expect((await store.textingPermission(sms.to, sms.brandId)).texted).toBe(true);
  });

  it('given a customer text with no consent on the event or on record, then it is refused and recorded, and Twilio never asked', async () => {
    const { deps, published, sent, sms } = harness([{ messageSid: 'SM1', status: 'queued' }]);

    const outcome = await deliverOnce(deps, { ...sms, consentOnEvent: false });

    expect(outcome).toEqual({ state: 'suppressed', reason: 'no-consent' });
    expect(sent).toEqual([]);
    expect(published.map((event) => [event.detailType, event.detail.data])).toEqual([
      ['SmsSuppressed', expect.objectContaining({ reason: 'no-consent', audience: 'customer' })],
    ]);
  });

  it('given consent on record for the brand (not on the event), then the text goes; another brand’s consent does not count', async () => {
    const { deps, store, sent, sms } = harness([], { acceptUnscripted: true });
    store.consents.push({
      phone: sms.to,
      brandId: 'qdn',
      source: 'web-booking',
      statement: 'Text me about this booking',
      at: '2026-11-20T10:00:00.000Z',
      by: 'customer',
    });

    const ours = await deliverOnce(deps, { ...sms, consentOnEvent: false });
    const theirs = await deliverOnce(deps, { ...sms, key: 'jada-1', brandId: 'jada', consentOnEvent: false });

    expect(ours.state).toBe('sent');
    expect(theirs).toEqual({ state: 'suppressed', reason: 'no-consent' });
    expect(sent).toHaveLength(1);
  });

  it('given a crew text or the help reply to a customer, then no consent record is needed', async () => {
    const { deps, sent, sms } = harness([], { acceptUnscripted: true });

    await deliverOnce(deps, { ...sms, key: 'crew-1', audience: 'crew', consentOnEvent: false });
    await deliverOnce(deps, { ...sms, key: 'help-1', answersOptOut: true, consentOnEvent: false });

    expect(sent).toHaveLength(2);
  });

  it('given Twilio did not take it (429 after retries), then the claim is released and SQS retries; the retry sends once', async () => {
    const { deps, sent, sms } = harness([
      new SmsSendError('transient', 'Twilio: Too Many Requests', 20429),
      { messageSid: 'SM2', status: 'queued' },
    ]);

    await expect(deliverOnce(deps, sms)).rejects.toMatchObject({ name: 'TransientError', code: '20429' });
    const outcome = await deliverOnce(deps, sms);

    expect(outcome).toMatchObject({ state: 'sent', messageSid: 'SM2' });
    expect(sent).toHaveLength(2);
  });

  it('given a Twilio outage, then the timeline event says when Twilio really took the text and every attempt before', async () => {
    // Twilio refuses twice inside the gateway's own backoff, then once more: back to the queue
    const refused = new SmsSendError('transient', 'Twilio: Service Unavailable', 20503);
    refused.failedAttempts = [
      { at: '2026-11-22T10:00:00.000Z', errorCode: '20503', next: 'retried' },
      { at: '2026-11-22T10:00:01.000Z', errorCode: '20503', next: 'retried' },
    ];
    const { deps, sms, published } = harness([refused, { messageSid: 'SM9', status: 'queued' }]);
    await expect(deliverOnce(deps, sms)).rejects.toMatchObject({ name: 'TransientError' });

    // SQS delivers it again 43 s later, and Twilio takes it
    deps.now = () => new Date('2026-11-22T10:00:43.000Z');
    await deliverOnce(deps, sms);

    expect(published).toHaveLength(1);
    expect(published[0]?.detail.meta.occurredAt).toBe('2026-11-22T10:00:43.000Z');
    expect(published[0]?.detail.data).toMatchObject({
      messageSid: 'SM9',
      firstAttemptAt: '2026-11-22T10:00:00.000Z',
      failedAttempts: [
        { at: '2026-11-22T10:00:00.000Z', errorCode: '20503', next: 'retried' },
        { at: '2026-11-22T10:00:01.000Z', errorCode: '20503', next: 'retried' },
        { at: '2026-11-22T10:00:00.000Z', errorCode: '20503', next: 'retry-later' },
      ],
    });
  });

  it('given a text refused more often than an event may list (a long outage, redrives), then its outcome still publishes, with the latest attempts', async () => {
    // 20 deliveries, each refused three times inside the gateway and once more at the end
    const failures = Array.from({ length: 20 }, (_, delivery) => {
      const refused = new SmsSendError('transient', 'Twilio: Service Unavailable', 20503);
      refused.failedAttempts = [0, 1, 2].map((second) => ({
        at: new Date(Date.UTC(2026, 10, 22, 10, delivery, second)).toISOString(),
        errorCode: '20503',
        next: 'retried' as const,
      }));
      return refused;
    });
    const { deps, sms, published } = harness([...failures, { messageSid: 'SM80', status: 'queued' }]);
    for (let delivery = 0; delivery < 20; delivery++) {
      deps.now = () => new Date(Date.UTC(2026, 10, 22, 10, delivery, 30));
      await expect(deliverOnce(deps, sms)).rejects.toMatchObject({ name: 'TransientError' });
    }
    deps.now = () => new Date('2026-11-22T10:30:00.000Z');
    await deliverOnce(deps, sms);

    expect(published).toHaveLength(1);
    const data = published[0]!.detail.data as { failedAttempts: { at: string; next: string }[] };
    expect(data.failedAttempts).toHaveLength(MAX_FAILED_ATTEMPTS_ON_EVENT);
    expect(data.failedAttempts.at(-1)).toEqual({
      at: '2026-11-22T10:19:30.000Z',
      errorCode: '20503',
      next: 'retry-later',
    });
    expect(detailSchemaOf('SmsSent')!.safeParse(published[0]!.detail).success).toBe(true);
  });

  it('given a text Twilio took at once, then its event says nothing of attempts', async () => {
    const { deps, sms, published } = harness([{ messageSid: 'SM1', status: 'queued' }]);
    await deliverOnce(deps, sms);
    expect(published[0]?.detail.data).not.toHaveProperty('failedAttempts');
    expect(published[0]?.detail.data).not.toHaveProperty('firstAttemptAt');
  });

  it('given a timeout after Twilio accepted, then the retry finds the message in Twilio and sends nothing', async () => {
    const { deps, sent, sms, published } = harness([
      new SmsSendError('ambiguous', 'timeout', 'ECONNABORTED'),
    ]);

    await expect(deliverOnce(deps, sms)).rejects.toMatchObject({ name: 'TransientError' });
    const outcome = await deliverOnce(deps, sms);

    expect(outcome).toMatchObject({ state: 'sent', messageSid: 'SMlate' });
    expect(sent).toHaveLength(1);
    expect(published.map((event) => event.detailType)).toEqual(['SmsSent']);
  });

  it('given 21610, then the number is suppressed and SmsFailed is permanent; later sends are SmsSuppressed without a request', async () => {
    const { deps, store, sent, sms, published } = harness([
      new SmsSendError('unsubscribed', 'Twilio: unsubscribed recipient', 21610),
    ]);

    const failed = await deliverOnce(deps, sms);
    const next = await deliverOnce(deps, { ...sms, key: 'job:qdn_1:3:arrived', template: 'arrived' });

    expect(failed).toMatchObject({ state: 'failed', errorCode: '21610' });
    expect(await store.isSuppressed(sms.to)).toBe(true);
    expect(next).toEqual({ state: 'suppressed', reason: 'opted-out' });
    expect(sent).toHaveLength(1);
    expect(published.map((event) => event.detailType)).toEqual(['SmsFailed', 'SmsSuppressed']);
    expect(published[0]?.detail.data).toMatchObject({ permanent: true, errorCode: '21610' });
  });

  it('given another attempt holds the claim, then busy is a TransientError and nothing is sent', async () => {
    const { deps, store, sent, sms } = harness([]);
    await store.claimSend(sms, deps.now(), 60_000);

    await expect(deliverOnce(deps, sms)).rejects.toThrow('in progress');
    expect(sent).toHaveLength(0);
  });
});

describe('deliverOnce after a partial failure', () => {
  it('given the outcome was stored, then a redelivery sends nothing and its event is not published again', async () => {
    // The event comes from the stored outcome (the messages table's stream), not from the sender: a
    // redelivery after a crash between storing and publishing finds nothing left to do.
    const { deps, sent, sms, published } = harness([{ messageSid: 'SM1', status: 'queued' }]);
    await deliverOnce(deps, sms);

    const outcome = await deliverOnce(deps, sms);

    expect(outcome).toEqual({ state: 'sent', messageSid: 'SM1', status: 'queued' });
    expect(sent).toHaveLength(1);
    expect(published.map((event) => event.detailType)).toEqual(['SmsSent']);
  });

  it('given an earlier attempt that may have reached Twilio but did not, then it is looked up, not found, and sent once', async () => {
    const { deps, store, sent, sms } = harness([{ messageSid: 'SM2', status: 'queued' }]);
    const claim = await store.claimSend(sms, deps.now(), 10_000);
    await store.markSendUncertain(sms.key, leaseOf(claim));

    expect(await deliverOnce(deps, sms)).toMatchObject({ state: 'sent', messageSid: 'SM2' });
    expect(sent).toEqual([sms.body]);
  });

  it('given an uncertain attempt whose recorded text had a link the new rendering lacks, then the new rendering is looked up and sent, never a half-restored link', async () => {
    const { deps, store, sent, sms, published } = harness([{ messageSid: 'SM3', status: 'queued' }]);
    const claim = await store.claimSend(
      { ...sms, body: 'Hi Mark. Track: https://qdn.example/track/[link]' },
      deps.now(),
      1,
    );
    await store.markSendUncertain(sms.key, leaseOf(claim));

    await deliverOnce(deps, { ...sms, body: 'Hi Mark, no link this time.' });

    expect(sent).toEqual(['Hi Mark, no link this time.']);
    // What is recorded stays the first attempt's (redacted) text.
    expect(published[0]?.detail.data).toMatchObject({
      body: 'Hi Mark. Track: https://qdn.example/track/[link]',
    });
  });

  it('given a failure that is not Twilio’s answer (a bug), then it propagates and nothing is recorded as sent', async () => {
    const { deps, store, sms, published } = harness();
    deps.gateway.send = async () => {
      throw new TypeError('cannot read properties of undefined');
    };
    await expect(deliverOnce(deps, sms)).rejects.toBeInstanceOf(TypeError);
    expect(store.records.get(sms.key)?.outcome).toBeUndefined();
    expect(published).toEqual([]);
  });
});

describe('classifyTwilioError', () => {
  it.each([
    [{ status: 429, code: 20429, message: 'Too Many Requests' }, 'transient', '20429'],
    [{ status: 503, code: 20503, message: 'Service Unavailable' }, 'transient', '20503'],
    [{ status: 400, code: 21610, message: 'unsubscribed' }, 'unsubscribed', '21610'],
    [{ status: 400, code: 21211, message: 'invalid To' }, 'permanent', '21211'],
    [{ status: 400, code: 21614, message: 'not a mobile number' }, 'permanent', '21614'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'transient', 'ECONNREFUSED'],
    [{ code: 'ECONNABORTED', message: 'timeout of 5000ms exceeded' }, 'ambiguous', 'ECONNABORTED'],
    [{ code: 'ECONNRESET', message: 'socket hang up' }, 'ambiguous', 'ECONNRESET'],
  ])('%j → %s', (error, kind, code) => {
    const classified = classifyTwilioError(error);
    expect(classified).toMatchObject({ kind, code });
    expect(classified.message).toMatch(/^Twilio: /);
  });

  it('never carries the SDK request (its Authorization header) along', () => {
    const classified = classifyTwilioError({
      code: 'ECONNABORTED',
      message: 'timeout',
      config: { headers: { Authorization: 'Basic c2VjcmV0' } },
    });
    expect(JSON.stringify(classified)).not.toContain('c2VjcmV0');
    expect(classified.cause).toBeUndefined();
  });
});
