import { callPartner } from '@qdn/shared/partner-http';
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
 * The internal (JADA) calendar's entries API: `PUT /entries/{id}` and `DELETE /entries/{id}`. Failures are
 * sorted by `callPartner` (transient, configuration, permanent); deleting an entry already gone is success.
 */
export class InternalCalendarClient implements InternalCalendar {
  readonly #options: InternalCalendarClientOptions;

  constructor(options: InternalCalendarClientOptions) {
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
  }

  async apply(change: InternalCalendarChange): Promise<void> {
    const response = await callPartner({
      partner: 'Internal calendar',
      baseUrl: this.#options.baseUrl,
      method: change.kind === 'put' ? 'PUT' : 'DELETE',
      path: `/entries/${encodeURIComponent(change.entryId)}`,
      headers: { 'x-dashboard-token': await this.#options.dashboardToken() },
      ...(change.kind === 'put' ? { body: change.body } : {}),
      timeoutMs: this.#options.timeoutMs,
      // Deleting an entry that is already gone is success.
      ...(change.kind === 'delete' ? { accepted: [404] } : {}),
      credentials: 'the SSM parameter of the calendar dashboard token',
    });
    await response.body?.cancel();
  }
}
