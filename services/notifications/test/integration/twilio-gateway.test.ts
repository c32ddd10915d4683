import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { TwilioFake } from '@qdn/local-cloud/fakes/twilio';
import { createTwilioFake } from '@qdn/local-cloud/fakes/twilio';
import { TwilioSmsGateway } from '../../src/adapters/twilio-gateway.ts';
import { createTwilioClient } from '../../src/adapters/twilio-request-client.ts';

// The gateway's look-up after an ambiguous failure, against the Twilio fake: what it finds decides
// whether a text goes out a second time.
const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const API_KEY_SID = `SK${'b'.repeat(32)}`;
const API_KEY_SECRET = 'notifications-test-key-secret';
const FROM = '+15005550006';
const TO = '+16195551234';

let fake: TwilioFake;
let gateway: TwilioSmsGateway;

beforeAll(async () => {
  fake = createTwilioFake({
    accountSid: ACCOUNT_SID,
    apiKeySid: API_KEY_SID,
    apiKeySecret: API_KEY_SECRET,
    authToken: 'notifications-test-auth-token',
    statusDelayMs: 5,
  });
  const { url } = await fake.listen();
  const client = createTwilioClient({
    accountSid: ACCOUNT_SID,
    apiKeySid: API_KEY_SID,
    apiKeySecret: API_KEY_SECRET,
    apiBaseUrl: url,
  });
  gateway = new TwilioSmsGateway(async () => client, { attempts: 1, baseDelayMs: 1 });
});

afterEach(async () => {
  await fake.idle();
  fake.clear();
});

afterAll(async () => {
  await fake.close();
});

describe('findSent', () => {
  const track = (token: string) =>
    `Hi Mark, we're on the way. Track: https://qdn.example.test/track/${token} - QuickDumpNow`;
  const since = () => new Date(Date.now() - 5_000);

  it('given a text Twilio took, when it is looked up with its page token rendered again differently (the link secret rotated), then it is found', async () => {
    const sent = await gateway.send({ to: TO, body: track('A'.repeat(32)), sender: { from: FROM } });

    const byLiveBody = await gateway.findSent({ to: TO, body: track('B'.repeat(32)), since: since() });
    const byRecordedBody = await gateway.findSent({ to: TO, body: track('[link]'), since: since() });

    expect(byLiveBody).toEqual({ messageSid: sent.messageSid, status: expect.any(String) });
    expect(byRecordedBody?.messageSid).toBe(sent.messageSid);
  });

  it('given a text Twilio took, when another text or another number is looked up, then nothing is found', async () => {
    await gateway.send({ to: TO, body: track('A'.repeat(32)), sender: { from: FROM } });

    const reworded = await gateway.findSent({
      to: TO,
      body: track('A'.repeat(32)).replace('on the way', 'arriving'),
      since: since(),
    });
    const elsewhere = await gateway.findSent({
      to: '+16195559999',
      body: track('A'.repeat(32)),
      since: since(),
    });

    expect(reworded).toBeUndefined();
    expect(elsewhere).toBeUndefined();
  });
});
