// A fake of the external (JADA internal) calendar API the calendar service keeps in sync with jobs.
// Entries are addressed by an id the caller chooses (the job's), so a PUT is an idempotent upsert and a
// replayed sync cannot create duplicates; the dashboard token travels in `X-Dashboard-Token`.
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonApiFake, JsonResult } from './http-fake.ts';
import { createJsonApiFake } from './http-fake.ts';

/** Configuration of the calendar fake. */
export interface CalendarFakeOptions {
  /** The token the calendar service must send as `X-Dashboard-Token`. */
  dashboardToken: string;
  /** Keeps entries and requests in this JSON file across restarts (the local cloud's data dir). */
  recordsFile?: string;
}

/** An entry as stored: the body last PUT, plus its id and when it was written. */
export interface CalendarEntry {
  id: string;
  updatedAt: string;
  [field: string]: unknown;
}

/** The calendar fake: the shared JSON-fake control surface plus its stored entries. */
export interface CalendarFake extends JsonApiFake {
  /** The entries currently stored (copies). */
  entries(): CalendarEntry[];
}

/**
 * Creates the calendar fake: `PUT /entries/{id}` → 201 when created, 200 when replaced (body echoed with
 * `id`, `updatedAt`); `GET /entries/{id}` → 200 or 404; `DELETE /entries/{id}` → 204 or 404.
 * Without the right `X-Dashboard-Token` every route answers 401.
 */
export function createCalendarFake(options: CalendarFakeOptions): CalendarFake {
  const store = new Map<string, CalendarEntry>();

  function isAuthorized(headers: IncomingHttpHeaders): boolean {
    return headers['x-dashboard-token'] === options.dashboardToken;
  }

  function putEntry({ params, body }: { params: string[]; body: unknown }): JsonResult {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { status: 400, body: { error: 'body must be a JSON object' } };
    }
    const id = params[0] ?? '';
    const created = !store.has(id);
    const entry: CalendarEntry = {
      ...(body as Record<string, unknown>),
      id,
      updatedAt: new Date().toISOString(),
    };
    store.set(id, entry);
    return { status: created ? 201 : 200, body: entry };
  }

  function getEntry({ params }: { params: string[] }): JsonResult {
    const entry = store.get(params[0] ?? '');
    return entry ? { status: 200, body: entry } : notFound();
  }

  function deleteEntry({ params }: { params: string[] }): JsonResult {
    return store.delete(params[0] ?? '') ? { status: 204 } : notFound();
  }

  const fake = createJsonApiFake({
    isAuthorized,
    unauthorized: { status: 401, body: { error: 'unauthorized' } },
    routes: [
      { method: 'PUT', path: /\/entries\/([^/]+)$/, run: putEntry },
      { method: 'GET', path: /\/entries\/([^/]+)$/, run: getEntry },
      { method: 'DELETE', path: /\/entries\/([^/]+)$/, run: deleteEntry },
    ],
    onClear: function forgetEntries() {
      store.clear();
    },
    ...(options.recordsFile
      ? {
          records: {
            file: options.recordsFile,
            save: () => [...store.values()],
            restore: (saved: unknown) => {
              for (const entry of (saved as CalendarEntry[] | undefined) ?? []) store.set(entry.id, entry);
            },
          },
        }
      : {}),
  });
  return {
    ...fake,
    entries: function entries() {
      return structuredClone([...store.values()]);
    },
  };
}

function notFound(): JsonResult {
  return { status: 404, body: { error: 'entry not found' } };
}
