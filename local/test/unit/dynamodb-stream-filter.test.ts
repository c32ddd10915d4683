import { describe, expect, it } from '@jest/globals';
import type { DynamoDBRecord } from 'aws-lambda';
import { recordFilter } from '../../src/triggers/dynamodb-stream.ts';

function streamRecord(keys: Record<string, string>, newImage?: Record<string, string>): DynamoDBRecord {
  const attributes = (values: Record<string, string>) =>
    Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { S: value }]));
  return {
    eventName: newImage ? 'MODIFY' : 'REMOVE',
    dynamodb: {
      Keys: attributes(keys),
      ...(newImage ? { NewImage: attributes({ ...keys, ...newImage }) } : {}),
      SequenceNumber: '1',
    },
  };
}

describe('stream mapping filter criteria (Lambda event filtering)', () => {
  it('given no patterns, then there is no filter: every record is delivered', () => {
    expect(recordFilter(undefined)).toBeUndefined();
    expect(recordFilter([])).toBeUndefined();
  });

  it('given a pattern on the key and the new image, then only records matching both are delivered', () => {
    // Prepare: the notifications publisher's criteria (settled send records only).
    const matches = recordFilter([
      { dynamodb: { Keys: { sk: { S: ['SEND'] } }, NewImage: { state: { S: ['settled'] } } } },
    ])!;

    // Act, Assess
    expect(matches(streamRecord({ pk: 'SEND#k', sk: 'SEND' }, { state: 'settled' }))).toBe(true);
    expect(matches(streamRecord({ pk: 'SEND#k', sk: 'SEND' }, { state: 'sending' }))).toBe(false);
    expect(matches(streamRecord({ pk: 'JOB#j', sk: 'ENTRY#e' }, { state: 'settled' }))).toBe(false);
    expect(matches(streamRecord({ pk: 'SEND#k', sk: 'SEND' }))).toBe(false);
  });

  it('given several patterns and a prefix, then a record matching any of them is delivered', () => {
    const matches = recordFilter([
      { dynamodb: { Keys: { sk: { S: [{ prefix: 'CHECK#' }] } } } },
      { eventName: ['REMOVE'] },
    ])!;

    expect(matches(streamRecord({ pk: 'JOB#j', sk: 'CHECK#safety' }, { done: 'true' }))).toBe(true);
    expect(matches(streamRecord({ pk: 'JOB#j', sk: 'LINK#crew' }, { done: 'true' }))).toBe(false);
    expect(matches(streamRecord({ pk: 'JOB#j', sk: 'LINK#crew' }))).toBe(true);
  });
});
