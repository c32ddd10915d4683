import { describe, expect, it } from '@jest/globals';
import type { ScheduledEvent } from 'aws-lambda';
import { rateMs, ScheduleTrigger, scheduledEvent } from '../../src/triggers/schedule.ts';

describe('the local schedule trigger', () => {
  it.each([
    ['rate(1 minute)', 60_000],
    ['rate(5 minutes)', 300_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(2 days)', 172_800_000],
  ])('given %s, then a run every %d ms', (expression, ms) => {
    expect(rateMs(expression)).toBe(ms);
  });

  it.each([
    'rate(1 hours)',
    'rate(2 hour)',
    'rate(0 minutes)',
    'rate(1 week)',
    'cron(0 * * * ? *)',
    'hourly',
  ])('given %s (not a rate EventBridge takes, or a cron), then no period', (expression) => {
    expect(rateMs(expression)).toBeUndefined();
  });

  it("given a time, when fired, then the function gets EventBridge's scheduled event for that time", async () => {
    // Prepare
    const events: ScheduledEvent[] = [];
    const trigger = new ScheduleTrigger(
      { functionKey: 'jobs.expireRequests', expression: 'rate(1 hour)', enabled: true },
      { invoke: async (event) => events.push(event), onError: () => undefined },
    );

    // Act
    await trigger.fire(new Date('2026-12-20T10:00:00.123Z'));

    // Assess
    expect(events).toEqual([
      expect.objectContaining({
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        time: '2026-12-20T10:00:00Z',
        detail: {},
      }),
    ]);
    expect(scheduledEvent('a.b', new Date()).id).not.toBe(scheduledEvent('a.b', new Date()).id);
  });
});
