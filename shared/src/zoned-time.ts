// Wall-clock times in a brand's time zone (America/Los_Angeles for every brand today) turned into
// instants, with daylight saving applied, through the runtime's own IANA time zone data (Intl).
// Calendar entries and crew-link expiry both need it, so it lives here once.

const DAY_MS = 24 * 60 * 60 * 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** How far the zone's wall clock is ahead of UTC at `instant` (ms; negative west of Greenwich). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(new Date(instant))
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wallClockAsUtc = Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
  return wallClockAsUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time (`date` YYYY-MM-DD, `time` HH:MM) happens in `timeZone`. As calendar
 * apps (and Temporal's "compatible" rule) do: a time the spring-forward gap skips moves forward by the
 * gap (02:30 → 03:30), and an hour repeated in the fall means its first occurrence.
 *
 * @example zonedTimeToInstant('2026-07-04', '08:00', 'America/Los_Angeles') // 2026-07-04T15:00:00.000Z
 */
export function zonedTimeToInstant(date: string, time: string, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const wallClockAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // The zone's offsets on either side of any transition that day.
  const offsetBefore = zoneOffsetMs(wallClockAsUtc - DAY_MS, timeZone);
  const offsetAfter = zoneOffsetMs(wallClockAsUtc + DAY_MS, timeZone);
  const showsWallClock = (instant: number) => instant + zoneOffsetMs(instant, timeZone) === wallClockAsUtc;
  const earlier = wallClockAsUtc - Math.max(offsetBefore, offsetAfter);
  const later = wallClockAsUtc - Math.min(offsetBefore, offsetAfter);
  if (showsWallClock(earlier)) return new Date(earlier);
  if (showsWallClock(later)) return new Date(later);
  return new Date(wallClockAsUtc - offsetBefore);
}

/** An instant as local ISO 8601 with its offset, e.g. `2026-07-04T08:00:00-07:00`, for people and boards. */
export function toZonedIso(instant: Date, timeZone: string): string {
  const offsetMinutes = Math.round(zoneOffsetMs(instant.getTime(), timeZone) / 60_000);
  const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const hours = String(Math.floor(absolute / 60)).padStart(2, '0');
  const minutes = String(absolute % 60).padStart(2, '0');
  return `${local}${sign}${hours}:${minutes}`;
}

/** The calendar date (YYYY-MM-DD) it is in `timeZone` at `instant`: "today" for that zone's people. */
export function zonedDate(instant: Date, timeZone: string): string {
  return toZonedIso(instant, timeZone).slice(0, 10);
}

/** The calendar date `days` after `date` (both YYYY-MM-DD). */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** HH:MM plus `minutes`, and how many days that carried over (for a slot that runs past midnight). */
export function addMinutesToTime(time: string, minutes: number): { time: string; dayCarry: number } {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const total = hour * 60 + minute + minutes;
  const dayCarry = Math.floor(total / (24 * 60));
  const inDay = total - dayCarry * 24 * 60;
  return {
    time: `${String(Math.floor(inDay / 60)).padStart(2, '0')}:${String(inDay % 60).padStart(2, '0')}`,
    dayCarry,
  };
}
