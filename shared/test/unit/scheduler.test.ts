import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { atExpression, cancelSchedule, scheduleNameFor, scheduleOnce } from '../../src/scheduler.ts';

// Scheduler's own rule for schedule names.
const SCHEDULER_NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;

describe('scheduleNameFor', () => {
  it('gives a valid Scheduler name for any key, the same each time', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'binary' }), (key) => {
        const name = scheduleNameFor(key);
        expect(name).toMatch(SCHEDULER_NAME);
        expect(scheduleNameFor(key)).toBe(name);
      }),
    );
  });

  it('keeps a readable prefix of the key', () => {
    expect(scheduleNameFor('reminder:job_123:2026-12-05')).toMatch(
      /^reminder-job_123-2026-12-05-[0-9a-f]{20}$/,
    );
  });

  it('tells apart keys that read the same once cleaned or cut', () => {
    expect(scheduleNameFor('review:a/b')).not.toBe(scheduleNameFor('review:a:b'));
    const long = 'x'.repeat(100);
    expect(scheduleNameFor(`${long}1`)).not.toBe(scheduleNameFor(`${long}2`));
  });
});

describe('atExpression', () => {
  it('writes the instant in UTC to the second', () => {
    expect(atExpression(new Date('2026-12-05T16:00:00.000Z'))).toBe('at(2026-12-05T16:00:00)');
  });

  it('rounds a fraction of a second up, never firing before the time asked', () => {
    expect(atExpression(new Date('2026-12-05T15:59:59.001Z'))).toBe('at(2026-12-05T16:00:00)');
    expect(atExpression(new Date('2026-12-31T23:59:59.500Z'))).toBe('at(2027-01-01T00:00:00)');
  });
});

describe('input checks', () => {
  // A client that fails the test if reached: the checks must refuse before any call.
  const unreachable = {
    send: () => Promise.reject(new Error('the client must not be called')),
  } as unknown as SchedulerClient;
  const valid = {
    key: 'reminder:job_1',
    at: new Date('2026-12-05T16:00:00Z'),
    targetArn: 'arn:aws:sqs:us-west-2:000000000000:deferred',
    roleArn: 'arn:aws:iam::000000000000:role/scheduler',
    groupName: 'qdn',
    payload: { jobId: 'job_1' },
    client: unreachable,
  };

  it.each([
    ['an empty key', { key: '' }, 'key must be a non-empty string'],
    ['a blank key', { key: '  ' }, 'key must be a non-empty string'],
    ['an invalid date', { at: new Date('nope') }, 'at must be a valid Date'],
    ['a payload JSON cannot hold', { payload: undefined }, 'payload must be serializable to JSON'],
    ['a payload over 8192 characters', { payload: 'x'.repeat(9000) }, 'at most 8192'],
  ])('refuses %s', async (_case, change, message) => {
    await expect(scheduleOnce({ ...valid, ...change })).rejects.toThrow(message);
  });

  it('refuses to cancel an empty key', async () => {
    await expect(cancelSchedule('', 'qdn', { client: unreachable })).rejects.toThrow('non-empty');
  });
});
