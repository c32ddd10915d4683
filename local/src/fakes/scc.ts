// A fake of the ShipCaptainCrew (SCC) events API, which creates charter events and notifies crews.
// SCC publishes no formal contract; the routes, the bearer service key and the body shape
// (`eventName`, `eventDate`, `eventTime`, `notes`, `crewIds`) follow what the first hand-built system
// used. The fake stores any JSON object and does not validate fields: asserting on
// what scc-bridge sent is the tests' job, via `requests()`.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonApiFake, JsonResult } from './http-fake.ts';
import { createJsonApiFake } from './http-fake.ts';

/** Configuration of the SCC fake. */
export interface SccFakeOptions {
  /** The service key scc-bridge must present as `Authorization: Bearer <key>`. */
  serviceKey: string;
  /** Keeps events and requests in this JSON file across restarts (the local cloud's data dir). */
  recordsFile?: string;
}

/** An event as the fake stores it: whatever the client sent, plus the id and timestamps SCC assigns. */
export interface SccEvent {
  id: string;
  createdAt: string;
  updatedAt: string;
  [field: string]: unknown;
}

/** The SCC fake: the shared JSON-fake control surface plus its stored events. */
export interface SccFake extends JsonApiFake {
  /** The events currently stored (copies). */
  events(): SccEvent[];
}

/**
 * Creates the SCC fake: `POST /events` → 201 `{ id, ...body, createdAt, updatedAt }`,
 * `GET /events/{id}` → 200 or 404, `PUT /events/{id}` → 200 (fields merged) or 404,
 * `DELETE /events/{id}` → 204 or 404. Without the right bearer key every route answers 401.
 */
export function createSccFake(options: SccFakeOptions): SccFake {
  const store = new Map<string, SccEvent>();
  const expected = `bearer ${options.serviceKey}`;

  function isAuthorized(headers: IncomingHttpHeaders): boolean {
    const value = headers.authorization;
    // The scheme is case-insensitive (RFC 9110); the key is not.
    return typeof value === 'string' && value.slice(0, 7).toLowerCase() + value.slice(7) === expected;
  }

  function createEvent({ body }: { body: unknown }): JsonResult {
    if (!isPlainObject(body)) return { status: 400, body: { error: 'body must be a JSON object' } };
    const now = new Date().toISOString();
    const event: SccEvent = {
      ...body,
      id: `evt_${randomBytes(8).toString('hex')}`,
      createdAt: now,
      updatedAt: now,
    };
    store.set(event.id, event);
    return { status: 201, body: event };
  }

  function getEvent({ params }: { params: string[] }): JsonResult {
    const event = store.get(params[0] ?? '');
    return event ? { status: 200, body: event } : notFound();
  }

  function updateEvent({ params, body }: { params: string[]; body: unknown }): JsonResult {
    const existing = store.get(params[0] ?? '');
    if (!existing) return notFound();
    if (!isPlainObject(body)) return { status: 400, body: { error: 'body must be a JSON object' } };
    const updated: SccEvent = {
      ...existing,
      ...body,
      id: existing.id,
      createdAt: existing.createdAt,
      updatedAt: new Date().toISOString(),
    };
    store.set(updated.id, updated);
    return { status: 200, body: updated };
  }

  function deleteEvent({ params }: { params: string[] }): JsonResult {
    return store.delete(params[0] ?? '') ? { status: 204 } : notFound();
  }

  const fake = createJsonApiFake({
    isAuthorized,
    unauthorized: { status: 401, body: { error: 'unauthorized' } },
    unauthorizedHeaders: { 'www-authenticate': 'Bearer' },
    routes: [
      { method: 'POST', path: /\/events\/?$/, run: createEvent },
      { method: 'GET', path: /\/events\/([^/]+)$/, run: getEvent },
      { method: 'PUT', path: /\/events\/([^/]+)$/, run: updateEvent },
      { method: 'DELETE', path: /\/events\/([^/]+)$/, run: deleteEvent },
    ],
    onClear: function forgetEvents() {
      store.clear();
    },
    ...(options.recordsFile
      ? {
          records: {
            file: options.recordsFile,
            save: () => [...store.values()],
            restore: (saved: unknown) => {
              for (const event of (saved as SccEvent[] | undefined) ?? []) store.set(event.id, event);
            },
          },
        }
      : {}),
  });
  return {
    ...fake,
    events: function events() {
      return structuredClone([...store.values()]);
    },
  };
}

function notFound(): JsonResult {
  return { status: 404, body: { error: 'event not found' } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
