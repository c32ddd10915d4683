import { describe, expect, it } from '@jest/globals';
import { testBrands } from '@qdn/local-cloud/test-factories';
import {
  fleetSchedule,
  freeTrailers,
  publicAvailability,
  type TrailerBookings,
  trailerProblems,
} from '../../src/domain/fleet.ts';

// QuickDumpNow's local fleet: T1–T3 (14 yd), T4 "Big Bertha" (20 yd, out of service 5–9 Jan 2026).
const qdn = testBrands.get('qdn');
const jada = testBrands.get('jada');
const bookings = (entries: [trailerId: string, day: string, jobId: string][]): TrailerBookings => {
  const map: TrailerBookings = new Map();
  for (const [trailerId, day, jobId] of entries) {
    if (!map.has(trailerId)) map.set(trailerId, new Map());
    map.get(trailerId)!.set(day, jobId);
  }
  return map;
};

describe('the trailer fleet', () => {
  it('refuses a trailer the brand does not have, naming the ones it has', () => {
    expect(trailerProblems(qdn, 'T9', ['2026-12-03'])).toEqual([
      { field: 'body.trailerId', message: "QuickDumpNow's trailers are T1, T2, T3, T4" },
    ]);
    expect(trailerProblems(jada, 'T1', ['2026-12-03'])).toEqual([
      { field: 'body.trailerId', message: 'JADA Sail Charters has no trailers' },
    ]);
    expect(trailerProblems(qdn, 'T1', ['2026-12-03'])).toEqual([]);
  });

  it('refuses the days a trailer is out of service, both ends included', () => {
    expect(trailerProblems(qdn, 'T4', ['2026-01-04', '2026-01-05', '2026-01-09', '2026-01-10'])).toEqual([
      { field: 'body.trailerId', message: 'T4 is out of service on 2026-01-05, 2026-01-09' },
    ]);
  });

  it('tells the public how many trailers of each size are free per day, and nothing of who has them', () => {
    const days = ['2026-01-04', '2026-01-05'];
    const held = bookings([
      ['T1', '2026-01-04', 'qdn_A'],
      ['T2', '2026-01-04', 'qdn_B'],
      ['T3', '2026-01-05', 'qdn_C'],
    ]);
    const availability = publicAvailability(qdn, days, held);
    expect(availability).toEqual([
      { date: '2026-01-04', free: { '14 yd': 1, '20 yd': 1 } },
      { date: '2026-01-05', free: { '14 yd': 2, '20 yd': 0 } },
    ]);
    expect(JSON.stringify(availability)).not.toMatch(/qdn_|T\d/);
  });

  it("shows staff each trailer's days with the job that holds it", () => {
    const schedule = fleetSchedule(
      qdn,
      ['2026-01-08', '2026-01-10'],
      bookings([['T1', '2026-01-10', 'qdn_A']]),
    );
    expect(schedule.find((trailer) => trailer.trailerId === 'T1')?.days).toEqual([
      { date: '2026-01-08', state: 'free' },
      { date: '2026-01-10', state: 'booked', jobId: 'qdn_A' },
    ]);
    expect(schedule.find((trailer) => trailer.trailerId === 'T4')).toMatchObject({
      name: 'Big Bertha',
      size: '20 yd',
      days: [
        { date: '2026-01-08', state: 'out-of-service' },
        { date: '2026-01-10', state: 'free' },
      ],
    });
  });

  it('proposes the trailers free on every day of a rental, counting the job’s own days as free', () => {
    const days = ['2026-12-03', '2026-12-04', '2026-12-05'];
    const held = bookings([
      ['T1', '2026-12-05', 'qdn_OTHER'],
      ['T2', '2026-12-03', 'qdn_SELF'],
      ['T2', '2026-12-04', 'qdn_SELF'],
    ]);
    expect(freeTrailers(qdn, days, held).map((trailer) => trailer.trailerId)).toEqual(['T3', 'T4']);
    expect(freeTrailers(qdn, days, held, 'qdn_SELF').map((trailer) => trailer.trailerId)).toEqual([
      'T2',
      'T3',
      'T4',
    ]);
  });
});
