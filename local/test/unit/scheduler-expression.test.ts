import { describe, expect, it } from '@jest/globals';
import { nameProblem, parseAtExpression } from '../../src/scheduler/expression.ts';

describe('parseAtExpression', () => {
  it('reads at(yyyy-mm-ddThh:mm:ss) as UTC by default', () => {
    expect(parseAtExpression('at(2026-12-05T16:00:30)')?.toISOString()).toBe('2026-12-05T16:00:30.000Z');
  });

  it('reads the wall-clock time in the schedule’s time zone', () => {
    // 08:00 in San Diego in December is 16:00 UTC (PST, UTC-8).
    expect(parseAtExpression('at(2026-12-05T08:00:15)', 'America/Los_Angeles')?.toISOString()).toBe(
      '2026-12-05T16:00:15.000Z',
    );
  });

  it.each([
    'at(2026-12-05T16:00:00Z)',
    'at(2026-12-05T16:00:00.000)',
    'at(2026-12-05 16:00:00)',
    'at(2026-12-05T16:00)',
    'at(2026-02-30T10:00:00)',
    'at(2026-12-05T24:00:00)',
    'at(2026-12-05T23:59:60)',
    'at(2026-13-01T00:00:00)',
    '2026-12-05T16:00:00',
    'rate(5 minutes)',
  ])('refuses %s', (expression) => {
    expect(parseAtExpression(expression)).toBeUndefined();
  });
});

describe('nameProblem', () => {
  it('accepts 1 to 64 characters of [0-9a-zA-Z-_.]', () => {
    expect(nameProblem('name', 'reminder-job_1.a')).toBeUndefined();
    expect(nameProblem('name', 'x'.repeat(64))).toBeUndefined();
  });

  it.each([
    ['', 'length between 1 and 64'],
    ['x'.repeat(65), 'length between 1 and 64'],
    ['has space', 'regular expression pattern'],
    ['a:b', 'regular expression pattern'],
  ])('refuses %j', (name, why) => {
    expect(nameProblem('name', name)).toContain(why);
  });
});
