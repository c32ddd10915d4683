// The pure parts of the Scheduler emulator: names and `at(...)` expressions as the real API checks them.
import { zonedTimeToInstant } from '@qdn/shared/zoned-time';

/** Schedule and schedule group names. @see https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html */
export const NAME_PATTERN = /^[0-9a-zA-Z\-_.]+$/;

/** `at(yyyy-mm-ddThh:mm:ss)`, nothing around it (no zone suffix, no fraction). */
const AT_PATTERN = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/** A field failed the API's constraints: the text of a ValidationException, in AWS's words. */
export function constraintMessage(field: string, value: unknown, constraint: string): string {
  return `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`;
}

/** Undefined if `name` is a valid schedule or group name, else why not. */
export function nameProblem(field: string, name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length < 1 || name.length > 64)
    return constraintMessage(field, name, 'Member must have length between 1 and 64');
  if (!NAME_PATTERN.test(name))
    return constraintMessage(field, name, 'Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+');
  return undefined;
}

/** Is `timeZone` an IANA zone this runtime knows? */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant an `at(...)` expression names in `timeZone` (default UTC), or undefined if it is not
 * one: a malformed expression or a date that does not exist (2026-02-30, 24:00:00).
 *
 * @example parseAtExpression('at(2026-12-05T16:00:00)') // 2026-12-05T16:00:00.000Z
 */
export function parseAtExpression(expression: string, timeZone = 'UTC'): Date | undefined {
  const match = AT_PATTERN.exec(expression);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls over (Feb 30 → Mar 2); a calendar date that does not exist is refused.
  if (
    asUtc.getUTCFullYear() !== year ||
    asUtc.getUTCMonth() !== month - 1 ||
    asUtc.getUTCDate() !== day ||
    asUtc.getUTCHours() !== hour ||
    asUtc.getUTCMinutes() !== minute
  )
    return undefined;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return asUtc;
  const date = match.slice(1, 4).join('-');
  const wallClock = zonedTimeToInstant(date, `${match[4]}:${match[5]}`, timeZone);
  return new Date(wallClock.getTime() + second * 1000);
}
