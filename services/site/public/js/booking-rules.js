// The booking form's rules: the jobs API's BookingInput (services/jobs/src/domain/job-input.ts) and its
// brand checks, restated for the phone so mistakes are caught before anything is sent. The API stays
// the judge: whatever it still refuses comes back with field errors the page shows the same way.
// Pure functions, no DOM: unit-tested in services/site/test/unit/booking-rules.test.ts.

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
// A deliberately plain shape check; the API's own (zod) check has the last word.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isCalendarDate(value) {
  if (!ISO_DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * Whether a phone number could be valid, as far as a page can tell without the numbering-plan data
 * the API uses (libphonenumber): North American numbers by the plan's rules (area code and exchange
 * start 2–9, no N11 area code), other countries by E.164 length.
 */
export function plausiblePhone(value) {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > 32) return false;
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return false;
  const international = trimmed.startsWith('+');
  let digits = trimmed.replace(/\D/g, '');
  if (international && !digits.startsWith('1')) return digits.length >= 8 && digits.length <= 15;
  if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  if (digits.length !== 10) return false;
  return /^[2-9]\d\d[2-9]\d{6}$/.test(digits) && !/^[2-9]11/.test(digits);
}

const daysBetween = (start, end) =>
  Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000);

/**
 * A charter's price (charterQuote in the jobs service): the hours at the hourly rate, each guest beyond
 * those included at the extra-guest price, never below the service type's price.
 */
export function charterQuote(offer, durationMinutes, guestCount) {
  const { hourlyCents, includedGuests, extraGuestCents = 0 } = offer.charter;
  const extraGuests = includedGuests === undefined ? 0 : Math.max(0, guestCount - includedGuests);
  const priced = Math.round((hourlyCents * durationMinutes) / 60) + extraGuests * extraGuestCents;
  return {
    totalCents: Math.max(offer.priceCents, priced),
    charter: { durationMinutes, guestCount, hourlyCents, extraGuests, extraGuestCents },
  };
}

/** How a charter's length reads: "3 hours", "2½ hours", "45 minutes". */
export function durationLabel(minutes) {
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const whole = rest === 0 ? String(hours) : rest === 30 ? `${hours}½` : undefined;
  return whole ? `${whole} hour${whole === '1' ? '' : 's'}` : `${hours} h ${rest} min`;
}

/**
 * The API's quote (quoteFor in the jobs service): the base price plus each day past the first; a
 * charter with its length and guests (`trip`) by its charter pricing.
 */
export function quoteFor(brand, serviceType, preferredDate, endDate, trip) {
  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === serviceType);
  if (!offer) return undefined;
  if (offer.charter) {
    const durationMinutes = Number(trip?.durationMinutes);
    const guestCount = Number(trip?.guestCount) || 1;
    // No length chosen yet: the least a charter costs.
    if (!Number.isInteger(durationMinutes) || durationMinutes <= 0)
      return { serviceType, label: offer.label, days: 1, totalCents: offer.priceCents };
    return { serviceType, label: offer.label, days: 1, ...charterQuote(offer, durationMinutes, guestCount) };
  }
  const extraDays =
    endDate && offer.extraDayCents !== undefined && isCalendarDate(preferredDate) && isCalendarDate(endDate)
      ? Math.max(0, daysBetween(preferredDate, endDate))
      : 0;
  return {
    serviceType,
    label: offer.label,
    days: extraDays + 1,
    totalCents: offer.priceCents + extraDays * (offer.extraDayCents ?? 0),
  };
}

/**
 * The days on which no trailer of any size is free, from `GET /brands/{brandId}/availability`: a
 * service that takes a trailer can't be booked on them.
 */
export function daysWithNoTrailer(availability) {
  return new Set(
    (availability?.days ?? [])
      .filter((day) => Object.values(day.free).every((count) => count === 0))
      .map((day) => day.date),
  );
}

/** The first day of the booking (start to return date) that has no trailer free, if any. */
function firstFullDay(values, fullDays) {
  const end =
    isCalendarDate(values.endDate) && values.endDate >= values.preferredDate
      ? values.endDate
      : values.preferredDate;
  for (
    let day = Date.parse(`${values.preferredDate}T00:00:00Z`);
    day <= Date.parse(`${end}T00:00:00Z`);
    day += 86_400_000
  ) {
    const date = new Date(day).toISOString().slice(0, 10);
    if (fullDays.has(date)) return date;
  }
  return undefined;
}

/**
 * The form's problems, by field: `{}` when the API would take it. `values` as the form holds them
 * (strings, and `smsConsent` a boolean); `today` is today's date in the brand's time zone; `fullDays`
 * the days no trailer is free (daysWithNoTrailer), which a service that takes a trailer can't use.
 */
export function bookingProblems(brand, values, today, fullDays = new Set()) {
  const problems = {};
  const name = values.name.trim();
  if (name.length === 0) problems.name = 'Enter your name.';
  else if (name.length > 100) problems.name = 'Use at most 100 characters for your name.';

  if (values.phone.trim().length === 0) problems.phone = 'Enter your mobile number.';
  else if (!plausiblePhone(values.phone)) problems.phone = 'Enter a valid phone number, e.g. (619) 555-0142.';

  const email = values.email.trim();
  if (email && (email.length > 254 || !EMAIL.test(email)))
    problems.email = 'Enter a valid email address, or leave it empty.';

  const offer = brand.serviceTypes.find((candidate) => candidate.serviceType === values.serviceType);
  if (!offer) problems.serviceType = 'Choose a service.';

  // A charter boards at the brand's meeting point: the charter form asks its own questions instead.
  if (offer?.charter) Object.assign(problems, charterProblems(offer.charter, values));
  else {
    const address = values.address.trim();
    if (address.length === 0) problems.address = 'Enter the address.';
    else if (address.length > 300) problems.address = 'Use at most 300 characters for the address.';
  }

  if (!values.preferredDate) problems.preferredDate = 'Choose a date.';
  else if (!isCalendarDate(values.preferredDate)) problems.preferredDate = 'Enter the date as YYYY-MM-DD.';
  else if (values.preferredDate < today) problems.preferredDate = 'Choose today or a later date.';
  else if (offer?.usesTrailer) {
    const full = firstFullDay(values, fullDays);
    if (full)
      problems.preferredDate = `All our trailers are booked on ${full}. Please choose other days, or text or call us.`;
  }

  if (values.endDate && offer?.extraDayCents !== undefined) {
    if (!isCalendarDate(values.endDate)) problems.endDate = 'Enter the return date as YYYY-MM-DD.';
    else if (isCalendarDate(values.preferredDate) && values.endDate < values.preferredDate)
      problems.endDate = 'The return date can’t be before the start date.';
  }

  if (!offer?.charter && values.window && !Object.hasOwn(brand.windows, values.window))
    problems.window = 'Choose one of the times offered.';

  if (values.notes.length > 1000) problems.notes = 'Use at most 1000 characters for notes.';

  if (values.smsConsent !== true)
    problems.smsConsent = 'Please agree to texts about this booking: it’s how we confirm your time.';

  const methods = brand.payments?.methods ?? [];
  if (methods.length > 0 && !methods.includes(values.paymentMethod))
    problems.paymentMethod = 'Choose how you’d like to pay.';
  return problems;
}

/** The charter form's problems against the brand's offer (bookingFormProblems in the jobs service). */
function charterProblems(charter, values) {
  const problems = {};
  if (!values.departureTime) problems.departureTime = 'Choose a departure time.';
  else if (!charter.departureTimes.includes(values.departureTime))
    problems.departureTime = 'Choose one of the departure times offered.';
  if (!values.durationMinutes) problems.durationMinutes = 'Choose how long the charter is.';
  else if (!charter.durationsMinutes.includes(Number(values.durationMinutes)))
    problems.durationMinutes = 'Choose one of the lengths offered.';
  const guests = String(values.guestCount ?? '').trim();
  if (guests === '') problems.guestCount = 'Enter how many guests are coming.';
  else if (!/^\d+$/.test(guests) || Number(guests) < 1)
    problems.guestCount = 'Enter the number of guests, e.g. 12.';
  else if (Number(guests) > charter.capacity)
    problems.guestCount = `${charter.vessel} takes at most ${charter.capacity} guests. For a bigger party, call or text us.`;
  if (values.occasion && !(charter.occasions ?? []).includes(values.occasion))
    problems.occasion = 'Choose one of the occasions listed, or leave it empty.';
  return problems;
}

/** The form field an API field error is about: `body.address.text` → `address`, `body.schedule.window` → `window`. */
export function fieldOfApiError(apiField) {
  const path = String(apiField).replace(/^body\.?/, '');
  if (path.startsWith('address')) return 'address';
  if (path === 'schedule.window') return 'window';
  if (path === 'schedule.endDate') return 'endDate';
  if (path === 'schedule.date') return 'preferredDate';
  if (path.startsWith('charter.')) return path.slice('charter.'.length);
  return path.split('.')[0] || undefined;
}
