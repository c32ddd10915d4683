import type { IncomingHttpHeaders, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TwilioFake } from '@qdn/local-cloud/fakes/twilio';
import { createTwilioFake } from '@qdn/local-cloud/fakes/twilio';
import twilio from 'twilio';
import {
  BaseUrlRequestClient,
  createTwilioClient,
  rebaseTwilioUrl,
  type TwilioMessagingClient,
} from '../../src/adapters/twilio-request-client.ts';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const API_KEY_SID = `SK${'b'.repeat(32)}`;
const API_KEY_SECRET = 'notifications-test-key-secret';
const AUTH_TOKEN = 'notifications-test-auth-token';
const FROM = '+15005550006';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
}

async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Catches what the SDK rejects with, so the test can assert on it. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('Twilio request client against the Twilio fake', () => {
  let fake: TwilioFake;
  let baseUrl: string;
  let client: TwilioMessagingClient;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    fake = createTwilioFake({
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: API_KEY_SECRET,
      authToken: AUTH_TOKEN,
      statusDelayMs: 5,
    });
    baseUrl = (await fake.listen()).url;
    client = createTwilioClient({
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: API_KEY_SECRET,
      apiBaseUrl: baseUrl,
      timeoutMs: 2000,
    });
    receiver = createServer(function receive(req, res) {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', function answer() {
        received.push({
          url: `${receiverUrl}${req.url ?? ''}`,
          headers: req.headers,
          params: Object.fromEntries(new URLSearchParams(text)),
        });
        res.writeHead(204);
        res.end();
      });
    });
    receiverUrl = await listenOnLoopback(receiver);
  });

  afterEach(async () => {
    await fake.idle();
    fake.clear();
    fake.clearFaults();
    received.length = 0;
  });

  afterAll(async () => {
    await fake.close();
    await closeServer(receiver);
  });

  it('given a base URL, when the SDK creates a message, then it reaches the fake with the API key and returns a MessageInstance', async () => {
    const message = await client.messages.create({
      to: '+16195551234',
      from: FROM,
      body: 'Your trailer is booked',
    });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.status).toBe('queued');
    expect(message.accountSid).toBe(ACCOUNT_SID);
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);
    expect(fake.messages()).toEqual([
      expect.objectContaining({ sid: message.sid, body: 'Your trailer is booked' }),
    ]);
    const [request] = fake.requests();
    expect(request?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(request?.headers['user-agent']).toMatch(/^twilio-node\//);
  });

  it('given more messages than a page, when the SDK lists by to, then it follows the paging links through the base URL', async () => {
    for (let i = 0; i < 5; i += 1) {
      await client.messages.create({ to: '+16195551234', from: FROM, body: `update ${i}` });
    }
    await client.messages.create({ to: '+16195550000', from: FROM, body: 'someone else' });

    const listed = await client.messages.list({ to: '+16195551234', pageSize: 2 });

    expect(listed.map((message) => message.body)).toEqual([
      'update 4',
      'update 3',
      'update 2',
      'update 1',
      'update 0',
    ]);
    expect(fake.requests().filter((request) => request.method === 'GET')).toHaveLength(3);
  });

  it('given a stored message, when the SDK fetches it by sid, then it sees its latest status', async () => {
    const created = await client.messages.create({ to: '+16195551234', from: FROM, body: 'x' });
    await fake.idle();

    const fetched = await client.messages(created.sid).fetch();

    expect(fetched.status).toBe('delivered');
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('given a 21610 fault, when the SDK sends, then it rejects with a RestException carrying code 21610', async () => {
    fake.injectFaults({ count: 1, code: 21610 });

    const error = await rejectionOf(client.messages.create({ to: '+16195551234', from: FROM, body: 'x' }));

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({
      status: 400,
      code: 21610,
      moreInfo: 'https://www.twilio.com/docs/errors/21610',
    });
    expect(fake.messages()).toEqual([]);
  });

  it('given a 429 fault, when the SDK sends, then it rejects with status 429 and code 20429 (no silent SDK retry)', async () => {
    fake.injectFaults({ count: 1, status: 429 });

    const error = await rejectionOf(client.messages.create({ to: '+16195551234', from: FROM, body: 'x' }));

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({ status: 429, code: 20429 });
    expect(fake.requests()).toHaveLength(1);
  });

  it('given a To that is not E.164, when the SDK sends, then it rejects with code 21211', async () => {
    const error = await rejectionOf(client.messages.create({ to: '6195551234', from: FROM, body: 'x' }));

    expect(error).toMatchObject({ status: 400, code: 21211 });
  });

  it('given a StatusCallback, when the message is delivered, then every callback carries a signature validateRequest accepts', async () => {
    const statusCallback = `${receiverUrl}/webhooks/twilio/status`;
    const message = await client.messages.create({
      to: '+16195551234',
      from: FROM,
      body: 'x',
      statusCallback,
    });
    await fake.idle();

    // From a number: created `queued`, so Twilio's first callback is `sent`.
    expect(received.map((callback) => callback.params.MessageStatus)).toEqual(['sent', 'delivered']);
    for (const callback of received) {
      expect(callback.url).toBe(statusCallback);
      expect(callback.params.MessageSid).toBe(message.sid);
      const signature = String(callback.headers['x-twilio-signature']);
      expect(twilio.validateRequest(AUTH_TOKEN, signature, callback.url, callback.params)).toBe(true);
      expect(
        twilio.validateRequest(AUTH_TOKEN, signature, callback.url, { ...callback.params, To: '+1' }),
      ).toBe(false);
    }
  });

  it('given a timeout-after-accept fault, when the client timeout passes, then the SDK rejects although the message was accepted', async () => {
    const impatient = createTwilioClient({
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: API_KEY_SECRET,
      apiBaseUrl: baseUrl,
      timeoutMs: 200,
    });
    fake.injectFaults({ count: 1, kind: 'timeout-after-accept' });

    const error = await rejectionOf(impatient.messages.create({ to: '+16195551234', from: FROM, body: 'x' }));

    expect(error).not.toBeInstanceOf(twilio.RestException);
    expect(String((error as Error).message)).toMatch(/timeout/i);
    expect(fake.messages()).toHaveLength(1);
  });

  it('given the fake mounted under a path prefix, when the base URL carries that prefix, then create and list still work', async () => {
    const host = createServer(function mount(req, res) {
      if (!req.url?.startsWith('/_local/twilio-api/')) {
        res.writeHead(404);
        res.end();
        return;
      }
      void fake.handle(req, res);
    });
    const hostUrl = await listenOnLoopback(host);
    try {
      const mounted = createTwilioClient({
        accountSid: ACCOUNT_SID,
        apiKeySid: API_KEY_SID,
        apiKeySecret: API_KEY_SECRET,
        apiBaseUrl: `${hostUrl}/_local/twilio-api/`,
      });

      await mounted.messages.create({ to: '+16195551234', from: FROM, body: 'via prefix' });
      const listed = await mounted.messages.list({ to: '+16195551234' });

      expect(listed.map((message) => message.body)).toEqual(['via prefix']);
    } finally {
      await closeServer(host);
    }
  });

  it('given the wrong API key secret, when the SDK sends, then it rejects with code 20003', async () => {
    const wrong = createTwilioClient({
      accountSid: ACCOUNT_SID,
      apiKeySid: API_KEY_SID,
      apiKeySecret: 'wrong',
      apiBaseUrl: baseUrl,
    });

    const error = await rejectionOf(wrong.messages.create({ to: '+16195551234', from: FROM, body: 'x' }));

    expect(error).toMatchObject({ status: 401, code: 20003 });
  });
});

describe('rebaseTwilioUrl', () => {
  const base = new URL('http://127.0.0.1:4010');

  it('given no base URL (AWS), when a Twilio URL is rebased, then it is unchanged', () => {
    const uri = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B1';

    expect(rebaseTwilioUrl(uri, undefined)).toBe(uri);
  });

  it('given a base URL, when api, edge/region and other Twilio hosts are rebased, then path and query are kept', () => {
    expect(
      rebaseTwilioUrl('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B1', base),
    ).toBe('http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?To=%2B1');
    expect(rebaseTwilioUrl('https://api.dublin.ie1.twilio.com/2010-04-01/x.json', base)).toBe(
      'http://127.0.0.1:4010/2010-04-01/x.json',
    );
    expect(
      rebaseTwilioUrl('https://messaging.twilio.com/v1/Services', new URL('http://127.0.0.1:4010/tw/')),
    ).toBe('http://127.0.0.1:4010/tw/v1/Services');
  });

  it('given a base URL, when a non-Twilio or look-alike host is rebased, then it is unchanged', () => {
    expect(rebaseTwilioUrl('https://example.com/2010-04-01/x.json', base)).toBe(
      'https://example.com/2010-04-01/x.json',
    );
    expect(rebaseTwilioUrl('https://eviltwilio.com/x', base)).toBe('https://eviltwilio.com/x');
  });
});

describe('createTwilioClient', () => {
  const credentials = { accountSid: ACCOUNT_SID, apiKeySid: API_KEY_SID, apiKeySecret: API_KEY_SECRET };

  it('given no or an empty base URL, when created, then the SDK uses the rebasing client with nothing to rebase', () => {
    const unset = createTwilioClient(credentials);
    const empty = createTwilioClient({ ...credentials, apiBaseUrl: '' });

    expect(unset.httpClient).toBeInstanceOf(BaseUrlRequestClient);
    expect(empty.httpClient).toBeInstanceOf(BaseUrlRequestClient);
    expect(unset.accountSid).toBe(ACCOUNT_SID);
  });

  it('given a base URL that is not http(s) or has a query, when created, then it throws', () => {
    expect(() => createTwilioClient({ ...credentials, apiBaseUrl: 'file:///etc/passwd' })).toThrow(/http/);
    expect(() => createTwilioClient({ ...credentials, apiBaseUrl: 'not a url' })).toThrow(/valid URL/);
    expect(() => createTwilioClient({ ...credentials, apiBaseUrl: 'http://127.0.0.1:4010/?x=1' })).toThrow(
      /query/,
    );
  });
});
