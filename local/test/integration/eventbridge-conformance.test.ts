// The AWS-shaped conformance cases (ids `ls-`, checked against real AWS, and `doc-`, from the AWS docs)
// through the emulator's TestEventPattern, and every invalid pattern through PutRule and TestEventPattern,
// with the real SDK — the same answers the matcher gives in-process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventBridgeClient,
  InvalidEventPatternException,
  PutRuleCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createEventBridgeEmulator, type EventBridgeEmulator } from '../../src/eventbridge/emulator.ts';
import { eventText, invalidPatterns, patternText, type Vector, vectors } from '../helpers/conformance.ts';

let emulator: EventBridgeEmulator;
let client: EventBridgeClient;
const dataDir = mkdtempSync(join(tmpdir(), 'qdn-eb-conformance-'));

beforeAll(async () => {
  emulator = createEventBridgeEmulator({ dataDir, deliver: { sqs: async () => undefined } });
  const { url } = await emulator.listen(0);
  client = new EventBridgeClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// TestEventPattern wants a whole event; the `doc-` fragments and the `ls-` cases that went through
// PutEvents (where EventBridge adds the envelope itself) lack some envelope fields. Fill in only those,
// and only where the pattern does not look at them, so the expected result still holds.
const ENVELOPE: Record<string, string> = {
  id: '00000000-0000-0000-0000-000000000000',
  account: '123456789012',
  source: 'conformance.test',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  'detail-type': 'Conformance',
};

function wholeEvent(vector: Vector): string {
  const missing = Object.keys(ENVELOPE).filter((field) => !(field in vector.event));
  if (missing.length === 0) return eventText(vector);
  const referenced = missing.filter((field) => patternText(vector).includes(`"${field}"`));
  if (referenced.length > 0)
    throw new Error(`${vector.id}: the pattern reads ${referenced.join(', ')}, which the event lacks`);
  if (vector.event_raw !== undefined) throw new Error(`${vector.id}: raw event text cannot be completed`);
  return JSON.stringify({
    ...Object.fromEntries(missing.map((field) => [field, ENVELOPE[field]])),
    ...vector.event,
  });
}

const awsShaped = vectors.filter((vector) => vector.id.startsWith('ls-') || vector.id.startsWith('doc-'));

describe('TestEventPattern over the AWS-shaped conformance cases', () => {
  it('covers the 138 cases', () => {
    expect(awsShaped).toHaveLength(138);
  });

  it.each(awsShaped.map((vector) => [vector.id, vector] as const))('%s', async (_, vector) => {
    const { Result } = await client.send(
      new TestEventPatternCommand({ EventPattern: patternText(vector), Event: wholeEvent(vector) }),
    );
    expect(Result).toBe(vector.matches);
  });
});

describe('invalid patterns', () => {
  it.each(invalidPatterns.map((invalid) => [invalid.id, invalid] as const))(
    '%s is refused by PutRule and TestEventPattern',
    async (_, invalid) => {
      const pattern = patternText(invalid);
      await expect(
        client.send(
          new PutRuleCommand({
            Name: `invalid-${invalid.id}`.slice(0, 64).replace(/[^\w.-]/g, '-'),
            EventPattern: pattern,
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidEventPatternException);
      await expect(
        client.send(
          new TestEventPatternCommand({
            EventPattern: pattern,
            Event: JSON.stringify({
              id: '1',
              'detail-type': 'x',
              source: 'x',
              account: '123456789012',
              time: '2026-01-01T00:00:00Z',
              region: 'us-east-1',
              resources: [],
              detail: {},
            }),
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidEventPatternException);
    },
  );
});
