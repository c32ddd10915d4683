import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';
import { soundsLikeComplaint } from '../../src/domain/complaint-signals.ts';
import { reminderAt, reviewRequestAt, sendableAt } from '../../src/domain/quiet-hours.ts';

// QuickDumpNow: America/Los_Angeles, texts that can wait go 08:00–21:00, reminders at 17:00 the day before.
const qdn = testBrands.get('qdn');
const at = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  it('given a time inside the window, then at once; before it, the same morning; after it, the next morning', () => {
    expect(sendableAt(at('2026-12-04T18:30:00Z'), qdn)).toEqual(at('2026-12-04T18:30:00Z')); // 10:30 PST
    expect(sendableAt(at('2026-12-04T14:59:00Z'), qdn)).toEqual(at('2026-12-04T16:00:00Z')); // 06:59 → 08:00
    expect(sendableAt(at('2026-12-05T05:00:00Z'), qdn)).toEqual(at('2026-12-05T16:00:00Z')); // 21:00 → 08:00
    expect(sendableAt(at('2026-12-05T04:59:00Z'), qdn)).toEqual(at('2026-12-05T04:59:00Z')); // 20:59
    expect(sendableAt(at('2026-12-05T05:00:00Z'), qdn)).not.toEqual(at('2026-12-05T05:00:00Z')); // 21:00
  });

  it('given a night across the spring-forward change, then the text waits for 8 am daylight time (15:00 UTC, not 16:00)', () => {
    // Sat 13 Mar 2027 22:00 PST; clocks go forward at 2 am on Sunday 14 March.
    expect(sendableAt(at('2027-03-14T06:00:00Z'), qdn)).toEqual(at('2027-03-14T15:00:00Z'));
  });

  it('given a night across the fall-back change, then the text waits for 8 am standard time (16:00 UTC, not 15:00)', () => {
    // Sat 31 Oct 2026 22:00 PDT; clocks go back at 2 am on Sunday 1 November.
    expect(sendableAt(at('2026-11-01T05:00:00Z'), qdn)).toEqual(at('2026-11-01T16:00:00Z'));
  });

  it('given a brand with its own window, then its hours count', () => {
    const late = { ...qdn, quietHours: { sendFrom: '10:00', sendUntil: '18:00' } };
    expect(sendableAt(at('2026-12-04T17:00:00Z'), late)).toEqual(at('2026-12-04T18:00:00Z')); // 09:00 → 10:00
  });
});

describe('the day-before reminder', () => {
  it('given a job booked days ahead, then 5 pm the day before, in that day’s offset (DST included)', () => {
    expect(reminderAt('2026-12-10', at('2026-12-04T18:00:00Z'), qdn)).toEqual(at('2026-12-10T01:00:00Z'));
    // Day before is Sun 14 Mar 2027, the first day of daylight time: 17:00 PDT = 00:00 UTC.
    expect(reminderAt('2027-03-15', at('2027-03-01T18:00:00Z'), qdn)).toEqual(at('2027-03-15T00:00:00Z'));
  });

  it('given a job booked after 5 pm the day before, then at once while the window is open, none once it closed', () => {
    // 18:30 PST on the 9th for a job on the 10th
    expect(reminderAt('2026-12-10', at('2026-12-10T02:30:00Z'), qdn)).toEqual(at('2026-12-10T02:30:00Z'));
    // 21:30 PST: the next window opens on the job's own day, so no reminder
    expect(reminderAt('2026-12-10', at('2026-12-10T05:30:00Z'), qdn)).toBeUndefined();
    // booked for today
    expect(reminderAt('2026-12-04', at('2026-12-04T18:00:00Z'), qdn)).toBeUndefined();
  });
});

describe('the review request', () => {
  it('given a job completed in the afternoon, then the brand’s delay later; completed in the evening, then the next morning', () => {
    const brand = { ...qdn, reviewRequest: { url: 'https://g.page/r/qdn/review', delayMinutes: 120 } };
    expect(reviewRequestAt(at('2026-12-04T22:00:00Z'), brand)).toEqual(at('2026-12-05T00:00:00Z')); // 14:00 → 16:00
    expect(reviewRequestAt(at('2026-12-05T04:00:00Z'), brand)).toEqual(at('2026-12-05T16:00:00Z')); // 20:00 → 22:00 → 08:00
  });
});

describe('complaint signals', () => {
  it.each([
    'The driver was rude and left a mess in my driveway',
    'You guys never showed up',
    'My fence got damaged!!',
    'I want a refund',
    'Still waiting, 3 hours late',
    'You charged me twice',
    'Not happy with how this went',
    'Pésimo servicio, llegaron tarde',
    'Quiero un reembolso',
  ])('given "%s", then it is a complaint', (body) => {
    expect(soundsLikeComplaint(body)).toBe(true);
  });

  it.each([
    'Thanks so much, great job!',
    'See you tomorrow at 9',
    'Can you stop by at 3?',
    'The gate code is 4471',
    'Perfect, thank you',
    'Muchas gracias, excelente servicio',
    'Is it too late to add a couch?',
  ])('given "%s", then it is not', (body) => {
    expect(soundsLikeComplaint(body)).toBe(false);
  });
});
