import { ConfigError } from '@qdn/shared/config';
import { PermanentError, TransientError } from '@qdn/shared/errors';
import type { InternalCalendarChange } from '../domain/internal-calendar.ts';
import type { InternalCalendar } from '../domain/ports.ts';

export interface InternalCalendarClientOptions {
  /** e.g. `https://calendar.example.com` (CALENDAR_API_BASE_URL). */
  baseUrl: string;
  /** The dashboard token, sent as `X-Dashboard-Token` (from SSM, cached by the caller). */
  dashboardToken: () => Promise<string>;
  /** Per request; a request that takes longer is abandoned and retried through SQS. */
  timeoutMs: number;
}

/**
 * The internal (JADA) calendar's entries API: `PUT /entries/{id}` and `DELETE /entries/{id}`.
 * Network errors, timeouts, 408, 429 and 5xx are transient (SQS retries, then the DLQ); 401/403 mean our
 * token is wrong — a ConfigError, retried and parked for the dispatcher's fix-then-redrive; other 4xx are
 * permanent (recorded, not retried). Deleting an entry that is already gone is success.
 */
export class InternalCalendarClient implements InternalCalendar {
  readonly #options: InternalCalendarClientOptions;

  constructor(options: InternalCalendarClientOptions) {
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  }

  async apply(change: InternalCalendarChange): Promise<void> {
    const method = change.kind === 'put' ? 'PUT' : 'DELETE';
    const path = `/entries/${encodeURIComponent(change.entryId)}`;
    let response: Response;
    try {
      response = await fetch(`${this.#options.baseUrl}${path}`, {
        method,
        headers: {
          'x-dashboard-token': await this.#options.dashboardToken(),
          ...(change.kind === 'put' ? { 'content-type': 'application/json' } : {}),
        },
        ...(change.kind === 'put' ? { body: JSON.stringify(change.body) } : {}),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable';
      throw new TransientError(`Internal calendar ${reason} on ${method} ${path}`, {
        cause: error,
        code: (error as Error).name,
      });
    }
    const answer = (await response.text()).slice(0, 300);
    if (response.ok || (method === 'DELETE' && response.status === 404)) return;
    const message = `Internal calendar answered ${response.status} to ${method} ${path}: ${answer}`;
    const status = response.status;
    if (status === 408 || status === 429 || status >= 500) {
      throw new TransientError(message, { code: `HTTP ${status}` });
    }
    // Our token refused: our configuration, not this entry. Retried, then parked for fix-then-redrive.
    if (status === 401 || status === 403) {
      throw new ConfigError(`${message} (check the SSM parameter of the calendar dashboard token)`);
    }
    throw new PermanentError(message, { code: `HTTP ${status}` });
  }
}
