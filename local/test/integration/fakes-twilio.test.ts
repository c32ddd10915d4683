import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import twilio from 'twilio';
import type { TwilioFake } from '../../src/fakes/twilio.ts';
import { countSegments, createTwilioFake, parseTwilioFaults } from '../../src/fakes/twilio.ts';

const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const API_KEY_SID = `SK${'2'.repeat(32)}`;
const API_KEY_SECRET = 'test-api-key-secret';
const AUTH_TOKEN = 'test-auth-token';
const FROM = '+15005550006';
const MESSAGING_SERVICE_SID = `MG${'3'.repeat(32)}`;
const BASIC = `Basic ${Buffer.from(`${API_KEY_SID}:${API_KEY_SECRET}`).toString('base64')}`;
const MESSAGES = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
}

/** A webhook receiver on loopback: records form posts and answers from a script of statuses (then 200). */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  script: number[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const script: number[] = [];
  const server: Server = createServer(function receive(req, res) {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', function answer() {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        params: Object.fromEntries(new URLSearchParams(text)),
      });
      const status = script.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script,
    close: function close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Twilio fake', () => {
  let fake: TwilioFake;
  let baseUrl: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  function send(fields: Record<string, string>, init: { authorization?: string; signal?: AbortSignal } = {}) {
    return fetch(`${baseUrl}${MESSAGES}`, {
      method: 'POST',
      headers: {
        authorization: init.authorization ?? BASIC,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  }

  function get(pathAndQuery: string) {
    return fetch(`${baseUrl}${pathAndQuery}`, { headers: { authorization: BASIC } });
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    fake = createTwilioFake({
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: API_KEY_SECRET,
      authToken: AUTH_TOKEN,
      inboundWebhookUrl: `${receiver.url}/webhooks/twilio/inbound`,
      statusDelayMs: 5,
      callbackRetryDelayMs: 5,
      outcomeFor: (to) => (to === '+16195550404' ? 'undelivered' : undefined),
    });
    baseUrl = (await fake.listen()).url;
  });

  afterEach(async () => {
    await fake.idle();
    fake.clear();
    fake.clearFaults();
    receiver.received.length = 0;
    receiver.script.length = 0;
  });

  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });

  it('given valid API key credentials, when a message is posted, then it answers 201 with a Twilio Message resource', async () => {
    const response = await send({ To: '+16195551234', From: FROM, Body: 'Your trailer is on the way' });
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(201);
    expect(body).toMatchObject({
      account_sid: ACCOUNT_SID,
      api_version: '2010-04-01',
      body: 'Your trailer is on the way',
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: FROM,
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      status: 'queued',
      to: '+16195551234',
      date_sent: null,
    });
    expect(body.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(body.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${String(body.sid)}.json`);
    expect(body.date_created).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(response.headers.get('twilio-request-id')).toMatch(/^RQ[0-9a-f]{32}$/);
    expect(fake.messages()).toEqual([
      expect.objectContaining({ sid: body.sid, to: '+16195551234', from: FROM, status: 'queued' }),
    ]);
  });

  it('given a messaging service instead of From, when posted, then it is accepted and later sent from the service number', async () => {
    const response = await send({
      To: '+16195551234',
      MessagingServiceSid: MESSAGING_SERVICE_SID,
      Body: 'hi',
    });
    const body = (await response.json()) as Record<string, unknown>;
    await fake.idle();

    expect(body).toMatchObject({
      status: 'accepted',
      from: null,
      messaging_service_sid: MESSAGING_SERVICE_SID,
    });
    expect(fake.messages()[0]).toMatchObject({ status: 'delivered', from: FROM });
  });

  it('given a StatusCallback on a message through a messaging service, when it is delivered, then queued, sent and delivered are posted in order', async () => {
    await send({
      To: '+16195551234',
      MessagingServiceSid: MESSAGING_SERVICE_SID,
      Body: 'hi',
      StatusCallback: `${receiver.url}/status`,
    });
    await fake.idle();

    expect(receiver.received.map((callback) => callback.params.MessageStatus)).toEqual([
      'queued',
      'sent',
      'delivered',
    ]);
  });

  it('given a wrong secret, another account in the path or the Auth Token as a login, when called, then it answers 401 with code 20003', async () => {
    const wrongSecret = `Basic ${Buffer.from(`${API_KEY_SID}:nope`).toString('base64')}`;
    const badSecret = await send(
      { To: '+16195551234', From: FROM, Body: 'x' },
      { authorization: wrongSecret },
    );
    const otherAccount = await fetch(`${baseUrl}/2010-04-01/Accounts/AC${'9'.repeat(32)}/Messages.json`, {
      headers: { authorization: BASIC },
    });
    const authTokenLogin = await fetch(`${baseUrl}${MESSAGES}`, {
      headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` },
    });

    expect(badSecret.status).toBe(401);
    expect(await badSecret.json()).toMatchObject({ code: 20003, status: 401, message: 'Authenticate' });
    expect(otherAccount.status).toBe(401);
    expect(authTokenLogin.status).toBe(401);
    expect(fake.messages()).toHaveLength(0);
    expect(fake.requests()[0]?.headers.authorization).toBe('Basic ***');
  });

  it('given a To that is not E.164, when posted, then it answers 400 with code 21211 and stores nothing', async () => {
    const response = await send({ To: '619-555-1234', From: FROM, Body: 'x' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 21211,
      message: "The 'To' number 619-555-1234 is not a valid phone number.",
      more_info: 'https://www.twilio.com/docs/errors/21211',
      status: 400,
    });
    expect(fake.messages()).toHaveLength(0);
  });

  it('given a missing Body or sender, when posted, then it answers 21602 or 21603', async () => {
    const noBody = await send({ To: '+16195551234', From: FROM });
    const noSender = await send({ To: '+16195551234', Body: 'x' });

    expect(((await noBody.json()) as { code: number }).code).toBe(21602);
    expect(((await noSender.json()) as { code: number }).code).toBe(21603);
  });

  it('given a ValidityPeriod, when posted, then it is kept with the message; outside 1–36,000 s it answers 21624', async () => {
    const kept = await send({ To: '+16195551234', From: FROM, Body: 'On the way', ValidityPeriod: '900' });
    const tooLong = await send({ To: '+16195551234', From: FROM, Body: 'x', ValidityPeriod: '36001' });
    const zero = await send({ To: '+16195551234', From: FROM, Body: 'x', ValidityPeriod: '0' });

    expect(kept.status).toBe(201);
    expect(fake.messages()).toEqual([expect.objectContaining({ body: 'On the way', validityPeriod: 900 })]);
    expect(((await tooLong.json()) as { code: number }).code).toBe(21624);
    expect(((await zero.json()) as { code: number }).code).toBe(21624);
  });

  it('given two injected 429 faults, when three sends follow, then two fail with 20429 and the third is accepted', async () => {
    fake.injectFaults({ count: 2, status: 429 });

    const statuses: number[] = [];
    const codes: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await send({ To: '+16195551234', From: FROM, Body: `try ${i}` });
      statuses.push(response.status);
      codes.push(((await response.json()) as { code?: number }).code);
    }

    expect(statuses).toEqual([429, 429, 201]);
    expect(codes.slice(0, 2)).toEqual([20429, 20429]);
    expect(fake.messages().map((message) => message.body)).toEqual(['try 2']);
    expect(fake.pendingFaults()).toEqual([]);
    expect(fake.requests().map((request) => request.fault)).toEqual([
      'status:429/code:20429',
      'status:429/code:20429',
      null,
    ]);
  });

  it('given a 21610 fault given by code only, when sent, then it answers 400 with code 21610', async () => {
    fake.injectFaults([{ count: 1, code: 21610 }]);

    const response = await send({ To: '+16195551234', From: FROM, Body: 'x' });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 21610, status: 400 });
  });

  it('given a 500 fault, when sent, then it answers 500 with code 20500', async () => {
    fake.injectFaults({ count: 1, status: 500 });

    const response = await send({ To: '+16195551234', From: FROM, Body: 'x' });

    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ code: 20500, status: 500 });
  });

  it('given malformed fault specs, when injected, then they are rejected with a TypeError', () => {
    expect(() => fake.injectFaults({ count: 0, status: 429 })).toThrow(TypeError);
    expect(() => fake.injectFaults({ count: 1, status: 400 })).toThrow(/error code/);
    expect(() => fake.injectFaults({ count: 1, kind: 'explode' })).toThrow(TypeError);
    expect(() => parseTwilioFaults({ count: 1, kind: 'delivery', outcome: 'lost' })).toThrow(TypeError);
    expect(fake.pendingFaults()).toEqual([]);
  });

  it('given a timeout-after-accept fault, when the client gives up, then the message was still stored and delivered', async () => {
    fake.injectFaults({ count: 1, kind: 'timeout-after-accept' });

    const attempt = send(
      {
        To: '+16195551234',
        From: FROM,
        Body: 'accepted but unanswered',
        StatusCallback: `${receiver.url}/status`,
      },
      { signal: AbortSignal.timeout(200) },
    );

    await expect(attempt).rejects.toThrow();
    await fake.idle();
    expect(fake.messages()).toEqual([
      expect.objectContaining({ body: 'accepted but unanswered', status: 'delivered' }),
    ]);
    expect(receiver.received.map((callback) => callback.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(fake.requests()[0]).toMatchObject({ status: null, fault: 'timeout-after-accept' });
  });

  it('given a timeout-after-accept fault with a delay, when the client waits, then the 201 arrives late', async () => {
    fake.injectFaults({ count: 1, kind: 'timeout-after-accept', delayMs: 150 });

    const started = Date.now();
    const response = await send({ To: '+16195551234', From: FROM, Body: 'late' });

    expect(response.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(fake.requests()[0]).toMatchObject({ status: 201, fault: 'timeout-after-accept' });
  });

  it('given timeout and reset faults, when sent, then the client sees a failure and nothing is stored', async () => {
    fake.injectFaults([
      { count: 1, kind: 'timeout' },
      { count: 1, kind: 'reset' },
    ]);

    const timedOut = send(
      { To: '+16195551234', From: FROM, Body: 'a' },
      { signal: AbortSignal.timeout(150) },
    );
    await expect(timedOut).rejects.toThrow();
    await expect(send({ To: '+16195551234', From: FROM, Body: 'b' })).rejects.toThrow();

    expect(fake.messages()).toHaveLength(0);
    expect(fake.requests().map((request) => request.fault)).toEqual(['timeout', 'reset']);
  });

  it('given a StatusCallback on a message from a number, when it is delivered, then sent and delivered are posted in order with valid signatures, and not its initial queued', async () => {
    const callbackUrl = `${receiver.url}/webhooks/twilio/status?brand=qdn`;
    const response = await send({ To: '+16195551234', From: FROM, Body: 'x', StatusCallback: callbackUrl });
    const { sid, status } = (await response.json()) as { sid: string; status: string };

    await fake.idle();

    // Twilio calls back on changes after creation: the API's answer already said `queued`.
    expect(status).toBe('queued');
    expect(receiver.received.map((callback) => callback.params.MessageStatus)).toEqual(['sent', 'delivered']);
    for (const callback of receiver.received) {
      expect(callback.path).toBe('/webhooks/twilio/status?brand=qdn');
      expect(callback.params).toMatchObject({
        MessageSid: sid,
        SmsSid: sid,
        AccountSid: ACCOUNT_SID,
        To: '+16195551234',
        From: FROM,
        ApiVersion: '2010-04-01',
      });
      expect(callback.params.SmsStatus).toBe(callback.params.MessageStatus);
      expect(callback.params.ErrorCode).toBeUndefined();
      const signature = String(callback.headers['x-twilio-signature']);
      expect(twilio.validateRequest(AUTH_TOKEN, signature, callbackUrl, callback.params)).toBe(true);
      expect(twilio.validateRequest('another-token', signature, callbackUrl, callback.params)).toBe(false);
    }
    const message = await (await get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`)).json();
    expect(message).toMatchObject({ sid, status: 'delivered' });
    expect((message as { date_sent: unknown }).date_sent).toEqual(expect.stringMatching(/\+0000$/));
  });

  it('given outcomeFor says undelivered for a number, when sent there, then callbacks end undelivered with ErrorCode 30003', async () => {
    await send({ To: '+16195550404', From: FROM, Body: 'x', StatusCallback: `${receiver.url}/status` });
    await fake.idle();

    expect(receiver.received.map((callback) => callback.params.MessageStatus)).toEqual([
      'sent',
      'undelivered',
    ]);
    expect(receiver.received[1]?.params.ErrorCode).toBe('30003');
    expect(fake.messages()[0]).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('given a delivery fault and a per-number outcome, when sent, then they end failed with their error codes', async () => {
    fake.injectFaults({ count: 1, kind: 'delivery', outcome: 'failed' });
    fake.setOutcome('+16195559999', { status: 'undelivered', errorCode: 30006 });

    await send({ To: '+16195551234', From: FROM, Body: 'fault', StatusCallback: `${receiver.url}/a` });
    await send({ To: '+16195559999', From: FROM, Body: 'landline', StatusCallback: `${receiver.url}/b` });
    await fake.idle();

    const byPath = (path: string) =>
      receiver.received
        .filter((c) => c.path === path)
        .map((c) => `${c.params.MessageStatus}:${c.params.ErrorCode ?? ''}`);
    expect(byPath('/a')).toEqual(['failed:30008']);
    expect(byPath('/b')).toEqual(['sent:', 'undelivered:30006']);
  });

  it('given a callback endpoint that fails with 500 once, when called back, then the callback is retried with the same idempotency token', async () => {
    receiver.script.push(500);

    await send({ To: '+16195551234', From: FROM, Body: 'x', StatusCallback: `${receiver.url}/flaky` });
    await fake.idle();

    const sent = fake.callbacks().filter((attempt) => attempt.messageStatus === 'sent');
    expect(sent.map((attempt) => [attempt.attempt, attempt.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(sent[0]?.idempotencyToken).toBe(sent[1]?.idempotencyToken);
    expect(receiver.received.map((callback) => callback.params.MessageStatus)).toEqual([
      'sent',
      'sent',
      'delivered',
    ]);
  });

  it('given an unreachable callback URL, when called back, then the failed attempts are recorded and the fake keeps serving', async () => {
    await send({ To: '+16195551234', From: FROM, Body: 'x', StatusCallback: 'http://127.0.0.1:9/status' });
    await fake.idle();

    // Three attempts at each of its two callbacks (sent, delivered).
    const attempts = fake.callbacks();
    expect(attempts).toHaveLength(6);
    expect(attempts.every((attempt) => attempt.status === null && attempt.error !== null)).toBe(true);
    expect((await send({ To: '+16195551234', From: FROM, Body: 'still up' })).status).toBe(201);
  });

  it('given several messages, when listed with To and PageSize, then Twilio paging walks them newest first', async () => {
    for (const body of ['one', 'two', 'three']) await send({ To: '+16195551234', From: FROM, Body: body });
    await send({ To: '+16195557777', From: FROM, Body: 'other' });

    const firstPage = (await (await get(`${MESSAGES}?To=%2B16195551234&PageSize=2`)).json()) as {
      messages: { body: string }[];
      next_page_uri: string | null;
      page: number;
      page_size: number;
      start: number;
      end: number;
      first_page_uri: string;
      previous_page_uri: string | null;
      uri: string;
    };
    const secondPage = (await (await get(firstPage.next_page_uri!)).json()) as typeof firstPage;

    expect(firstPage.messages.map((message) => message.body)).toEqual(['three', 'two']);
    expect(firstPage).toMatchObject({ page: 0, page_size: 2, start: 0, end: 1, previous_page_uri: null });
    expect(firstPage.first_page_uri).toBe(`${MESSAGES}?To=%2B16195551234&PageSize=2&Page=0`);
    expect(firstPage.next_page_uri).toMatch(/Page=1&PageToken=PASM[0-9a-f]{32}$/);
    expect(secondPage.messages.map((message) => message.body)).toEqual(['one']);
    expect(secondPage.next_page_uri).toBeNull();
    expect(secondPage.page).toBe(1);
  });

  it('given sent and unsent messages, when listed with DateSent bounds, then only messages sent within them match', async () => {
    await send({ To: '+16195551234', From: FROM, Body: 'x' });
    fake.injectFaults({ count: 1, kind: 'delivery', outcome: 'failed' });
    await send({ To: '+16195551234', From: FROM, Body: 'never sent' });
    await fake.idle();
    const today = new Date().toISOString().slice(0, 10);
    const list = async (query: string) =>
      ((await (await get(`${MESSAGES}?${query}`)).json()) as { messages: unknown[] }).messages.length;

    expect(await list(`DateSent=${today}`)).toBe(1);
    expect(await list(`DateSent%3E=${today}`)).toBe(1);
    expect(await list('DateSent%3C=2000-01-01')).toBe(0);
    expect(await list('DateSent%3E=2999-01-01')).toBe(0);
  });

  it('given an unknown sid, when fetched, then it answers 404 with code 20404', async () => {
    const response = await get(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/SM${'0'.repeat(32)}.json`);

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 20404, status: 404 });
  });

  it('given an inbound SMS, when sent, then a signed webhook reaches the configured URL and its TwiML answer is returned', async () => {
    const result = await fake.sendInbound({ from: '+16195551234', body: 'Is the trailer coming today?' });

    const [webhook] = receiver.received;
    expect(result).toMatchObject({ status: 200, body: expect.stringContaining('<Response/>') });
    expect(result.messageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(webhook?.path).toBe('/webhooks/twilio/inbound');
    expect(webhook?.params).toMatchObject({
      MessageSid: result.messageSid,
      SmsMessageSid: result.messageSid,
      AccountSid: ACCOUNT_SID,
      From: '+16195551234',
      To: FROM,
      Body: 'Is the trailer coming today?',
      NumMedia: '0',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    });
    const signature = String(webhook?.headers['x-twilio-signature']);
    expect(
      twilio.validateRequest(
        AUTH_TOKEN,
        signature,
        `${receiver.url}/webhooks/twilio/inbound`,
        webhook!.params,
      ),
    ).toBe(true);
    expect(fake.messages()).toEqual([expect.objectContaining({ direction: 'inbound', status: 'received' })]);
    expect(fake.callbacks()).toEqual([expect.objectContaining({ kind: 'inbound', status: 200 })]);
  });

  it('given a recipient texted STOP, when we send to them, then 21610 until they text START', async () => {
    await fake.sendInbound({ from: '+16195551234', body: ' stop ' });
    const blocked = await send({ To: '+16195551234', From: FROM, Body: 'x' });
    await fake.sendInbound({ from: '+16195551234', body: 'START' });
    const allowed = await send({ To: '+16195551234', From: FROM, Body: 'y' });

    expect(blocked.status).toBe(400);
    expect(((await blocked.json()) as { code: number }).code).toBe(21610);
    expect(allowed.status).toBe(201);
    expect(fake.optOuts()).toEqual([]);
  });

  it('given no inbound webhook reachable, when an inbound SMS is sent, then it rejects and records the attempt', async () => {
    await expect(
      fake.sendInbound({ from: '+16195551234', body: 'x', url: 'http://127.0.0.1:9/in' }),
    ).rejects.toThrow(/unreachable/);
    expect(fake.callbacks()).toEqual([expect.objectContaining({ kind: 'inbound', status: null })]);
  });

  it('given message bodies, when segments are counted, then GSM-7 and UCS-2 limits apply', () => {
    expect(countSegments('a'.repeat(160))).toBe(1);
    expect(countSegments('a'.repeat(161))).toBe(2);
    expect(countSegments('€'.repeat(80))).toBe(1);
    expect(countSegments('€'.repeat(81))).toBe(2);
    expect(countSegments(`${'a'.repeat(69)}🚚`)).toBe(2);
  });

  it('given stored data, when cleared, then messages, requests and callbacks are empty', async () => {
    await send({ To: '+16195551234', From: FROM, Body: 'x', StatusCallback: `${receiver.url}/s` });
    await fake.idle();

    fake.clear();

    expect(fake.messages()).toEqual([]);
    expect(fake.requests()).toEqual([]);
    expect(fake.callbacks()).toEqual([]);
  });
});
