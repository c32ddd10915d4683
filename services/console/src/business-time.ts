// The business's time zone: the day the board, the driver's day and the trailers open on, and the wall
// clock the Late/Watch colours are read against, wherever the device is (a dispatcher travelling, a
// laptop left on another zone). config.json's `timeZone` when the deploy wrote one; else the zone of the
// brands the console has met (GET /brands/{brandId}), remembered on this device for the next start; the
// device's own only until then.
import { signal } from '@preact/signals';
import { config } from './config.ts';
import { validTimeZone, wallClock } from './domain.ts';

const REMEMBERED = 'qdn.timeZone';
const device = Intl.DateTimeFormat().resolvedOptions().timeZone;

function remembered(): string | undefined {
  try {
    return localStorage.getItem(REMEMBERED) ?? undefined;
  } catch {
    return undefined;
  }
}

const learned = signal<string | undefined>(remembered());

/** The zone in use now (read in a render, the screen follows when a brand's zone is learned). */
export function businessTimeZone(): string {
  return validTimeZone(config().timeZone) ?? validTimeZone(learned.value) ?? device;
}

/** A brand's zone, as GET /brands/{brandId} answered it: used (unless config.json names one) and kept. */
export function learnTimeZone(zone: string | undefined): void {
  const valid = validTimeZone(zone);
  if (!valid || learned.peek() === valid) return;
  learned.value = valid;
  try {
    localStorage.setItem(REMEMBERED, valid);
  } catch {
    // Private mode: learned again at the next start.
  }
}

/** Today's date (YYYY-MM-DD) where the business is. */
export const today = () => wallClock(Date.now(), businessTimeZone()).date;
