import type { Brand, JobOnBus } from '@qdn/shared';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** When a charter runs, in the brand's wall-clock time, and the instant it is over. */
export interface CharterTimes {
  date: string;
  /** HH:MM start: the job's time, else its window's start; absent for an all-day booking. */
  time?: string;
  endDate: string;
  /** HH:MM end: start + the charter's duration; absent when the end is only known as a day. */
  endTime?: string;
  /** The instant the charter is over (ISO, UTC). */
  endsAt: string;
}

const wallClock = (date: string, time = '00:00') => Date.parse(`${date}T${time}:00Z`);
const wallDate = (wall: number) => new Date(wall).toISOString().slice(0, 10);
const wallTime = (wall: number) => new Date(wall).toISOString().slice(11, 16);

/** How far `timeZone`'s wall clock is ahead of UTC at `instant` (negative in the Americas). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((candidate) => candidate.type === type)?.value);
  const asUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return asUtc - (instant - (instant % 1000));
}

/**
 * The instant a wall-clock time in `timeZone` happens. Two passes settle the offset across a DST change.
 *
 * @example zonedInstant(wallClock('2026-07-04', '17:00'), 'America/Los_Angeles') // 2026-07-05T00:00Z
 */
export function zonedInstant(wall: number, timeZone: string): number {
  const firstGuess = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(firstGuess, timeZone);
}

/**
 * When the charter starts and ends: the start is the job's time or its window's start, the end is the
 * start plus `charter.durationMinutes` (or the window's end without charter details). A multi-day
 * booking (`endDate`) ends at the end of that day if that is later.
 */
export function charterTimes(job: Pick<JobOnBus, 'schedule' | 'charter'>, brand: Brand): CharterTimes {
  const { schedule } = job;
  const window = schedule.window ? brand.windows[schedule.window] : undefined;
  const time = schedule.time ?? window?.start;
  let endWall: number;
  let endTime: string | undefined;
  if (time) {
    const start = wallClock(schedule.date, time);
    const minutes =
      job.charter?.durationMinutes ??
      (window ? (wallClock(schedule.date, window.end) - wallClock(schedule.date, window.start)) / MINUTE : 0);
    endWall = start + Math.max(0, minutes) * MINUTE;
    endTime = wallTime(endWall);
  } else {
    endWall = wallClock(schedule.date) + DAY;
  }
  if (schedule.endDate && wallClock(schedule.endDate) + DAY > endWall) {
    endWall = wallClock(schedule.endDate) + DAY;
    endTime = undefined;
  }
  // An end at midnight belongs to the day before ("until 24:00"), as people read it.
  const endDate = endTime === undefined ? wallDate(endWall - 1) : wallDate(endWall);
  return {
    date: schedule.date,
    ...(time ? { time } : {}),
    endDate,
    ...(endTime ? { endTime } : {}),
    endsAt: new Date(zonedInstant(endWall, brand.timeZone)).toISOString(),
  };
}

/** Crew links stop working a day after the charter is over. */
export function crewLinkExpiry(times: CharterTimes): string {
  return new Date(Date.parse(times.endsAt) + DAY).toISOString();
}
