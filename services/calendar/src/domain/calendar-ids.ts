/**
 * The calendars a job appears in: the dispatch calendar (every job), its brand's, one per crew member
 * assigned and one per trailer. Ids are `dispatch`, `brand-{brandId}`, `crew-{crewId}`,
 * `trailer-{trailerId}`; crew and trailer ids follow the jobs API's id rule.
 */
export type CalendarRef =
  | { kind: 'dispatch' }
  | { kind: 'brand'; brandId: string }
  | { kind: 'crew'; crewId: string }
  | { kind: 'trailer'; trailerId: string };

export const DISPATCH_CALENDAR_ID = 'dispatch';

const CALENDAR_ID =
  /^(?:dispatch|brand-([a-z][a-z0-9-]{0,40})|crew-([A-Za-z0-9_-]{1,64})|trailer-([A-Za-z0-9_-]{1,64}))$/;

/** The calendar an id names, or undefined when it is not a calendar id at all. */
export function parseCalendarId(calendarId: string): CalendarRef | undefined {
  const match = CALENDAR_ID.exec(calendarId);
  if (!match) return undefined;
  if (match[1]) return { kind: 'brand', brandId: match[1] };
  if (match[2]) return { kind: 'crew', crewId: match[2] };
  if (match[3]) return { kind: 'trailer', trailerId: match[3] };
  return { kind: 'dispatch' };
}

export function isCalendarId(calendarId: string): boolean {
  return CALENDAR_ID.test(calendarId);
}

/** Every calendar a job with this brand, crew and trailer belongs in (no duplicates, dispatch first). */
export function calendarIdsFor(job: {
  brandId: string;
  crewIds: readonly string[];
  trailerId?: string;
}): string[] {
  return [
    ...new Set([
      DISPATCH_CALENDAR_ID,
      `brand-${job.brandId}`,
      ...job.crewIds.map((crewId) => `crew-${crewId}`),
      ...(job.trailerId ? [`trailer-${job.trailerId}`] : []),
    ]),
  ];
}

/** What a calendar is called in a phone's calendar list. */
export function calendarName(ref: CalendarRef, brandName: (brandId: string) => string): string {
  switch (ref.kind) {
    case 'dispatch':
      return 'QDN dispatch';
    case 'brand':
      return `${brandName(ref.brandId)} jobs`;
    case 'crew':
      return `QDN crew ${ref.crewId}`;
    case 'trailer':
      return `QDN trailer ${ref.trailerId}`;
  }
}
