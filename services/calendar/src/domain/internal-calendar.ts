import type { CalendarEntry } from './calendar-entry.ts';
import { entryDescription } from './calendar-entry.ts';

/**
 * What the internal (JADA) calendar is asked to do for one job version. Entries are addressed by the
 * job id, so a PUT is an upsert and a repeated push cannot create a second entry; a cancelled job's
 * entry is deleted there (that calendar has no cancelled state).
 */
export type InternalCalendarChange =
  | { kind: 'put'; entryId: string; body: InternalCalendarEntryBody }
  | { kind: 'delete'; entryId: string };

/** The body of `PUT /entries/{id}`: ISO 8601 instants, as that API expects. */
export interface InternalCalendarEntryBody {
  title: string;
  start: string;
  end: string;
  allDay: boolean;
  timeZone: string;
  location: string;
  description: string;
  status: string;
  brand: string;
  jobId: string;
  version: number;
}

export function internalCalendarChangeFor(entry: CalendarEntry): InternalCalendarChange {
  if (entry.status === 'cancelled') return { kind: 'delete', entryId: entry.jobId };
  return {
    kind: 'put',
    entryId: entry.jobId,
    body: {
      title: entry.title,
      start: entry.startsAt,
      end: entry.endsAt,
      allDay: entry.allDay,
      timeZone: entry.timeZone,
      location: entry.location,
      description: entryDescription(entry),
      status: entry.status,
      brand: entry.brandName,
      jobId: entry.jobId,
      version: entry.version,
    },
  };
}
