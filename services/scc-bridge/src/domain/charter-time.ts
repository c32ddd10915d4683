import type { Brand } from '@qdn/shared/brands';
import type { JobOnBus } from '@qdn/shared/events';
import { zonedTimeToInstant } from '@qdn/shared/zoned-time';

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

/** The instant a wall-clock time (ms as if UTC) happens in `timeZone`, daylight saving applied. */
export function zonedInstant(wall: number, timeZone: string): number {
  return zonedTimeToInstant(wallDate(wall), wallTime(wall), timeZone).getTime();
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
