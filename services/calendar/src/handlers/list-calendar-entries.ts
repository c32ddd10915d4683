import { httpHandler } from '@qdn/shared/http';
import { feedContext } from '../adapters/calendar-context.ts';
import { boardEntries } from '../domain/calendar-commands.ts';
import { BoardQuery } from '../domain/calendar-input.ts';

/** GET /calendar?from=&to=&calendarId= (dispatcher, admin): a calendar's entries for the dispatcher board. */
export const handler = httpHandler(
  { roles: ['dispatcher', 'admin'], query: BoardQuery },
  async function listCalendarEntriesRoute({ query }) {
    return { body: await boardEntries(await feedContext(), query) };
  },
);
